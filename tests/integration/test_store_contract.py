"""One contract for every vector store mode: embedded Chroma and a real Chroma server on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.embed import FakeEmbedder
from ingest.store import ChromaStore, open_chroma

from files import make_chunks

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("the chroma CLI (from the chromadb package) is not installed")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen([binary, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start within 60 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(params=["embedded", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ChromaStore:
    if request.param == "server":
        port = request.getfixturevalue("chroma_server")
        store = open_chroma(tmp_path, "127.0.0.1", port)
        store.reset()  # the server is shared by the module's tests
        return store
    return open_chroma(tmp_path, None, 0)




def test_write_duplicate_delete_filter(store: ChromaStore) -> None:
    embedder = FakeEmbedder()
    public = make_chunks("hund.md", "satzungen", ["Hundesteuer 96 Euro", "Abfallgebühr 45 Euro"])
    private = make_chunks("reise.md", "personal", ["Reisekosten 0,20 Euro je Kilometer"])
    everything = public + private
    vectors = list(embedder.embed_passages([c.embedding_text() for c in everything]))
    store.upsert(everything, vectors)
    store.upsert(everything, vectors)  # the same ids again: an upsert, never a duplicate
    assert store.count() == 3
    assert store.ids() == {c.id for c in everything}
    assert store.ids_of("personal/reise.md") == {private[0].id}

    query = embedder.embed_query("Reisekosten Kilometer")
    assert store.query(query, k=1)[0].id == private[0].id
    filtered = store.query(query, k=3, where={"collection": {"$in": ["satzungen"]}})
    assert filtered and {h.metadata["collection"] for h in filtered} == {"satzungen"}
    hit = store.query(embedder.embed_query("Hundesteuer"), k=1)[0]
    assert hit.text == "Hundesteuer 96 Euro" and hit.metadata["section"] == "§ 0" and 0 < hit.score <= 1.0001

    store.delete([private[0].id])
    assert store.ids() == {c.id for c in public}
    store.reset()
    assert store.count() == 0
