"""One contract for every vector store mode: embedded Chroma and a real Chroma server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.embed import FakeEmbedder
from core.records import collection_filter
from core.store import ChromaStore, open_chroma

from files import make_chunks
from servers import free_port, running

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("the chroma CLI (from the chromadb package) is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    command = [binary, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with running(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=60):
        yield port


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
    filtered = store.query(query, k=3, where=collection_filter(["satzungen"]))
    assert filtered and {h.id for h in filtered} == {c.id for c in public}
    hit = store.query(embedder.embed_query("Hundesteuer"), k=1)[0]
    assert hit.id == public[0].id and 0 < hit.score <= 1.0001

    store.delete([private[0].id])
    assert store.ids() == {c.id for c in public}
    store.reset()
    assert store.count() == 0
