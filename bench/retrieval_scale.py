"""Fused retrieval on a synthetic 100,000-chunk index: p50/p95 per question and catalog statements.

Usage: .venv/bin/python bench/retrieval_scale.py [--chunks 100000] [--dir .cache/retrieval-scale-100000]
       [--questions 50] [--rebuild]

Builds once (cached in `--dir`; a few minutes for 100k random 384-dim vectors in Chroma) a catalog and a
Chroma index of German-like chunks: windows of the Musterstadt corpus text with a share of its words
swapped for random ones and for compounds glued from two of them (so the vocabulary keeps growing with
the corpus, as real German does), in the Musterstadt collections, some labelled "§ N". Then times what
a question costs before the answer: the readable collections and `HybridRetriever.retrieve` with the
configured (learned) fusion, the query vector precomputed (a fake embedder returns a fixed vector per
question, so no model runs), as the operator and as a department user. Also times reading the
vocabulary once cold and again after one file commit. Writes `bench/results/retrieval_scale.json`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bot.candidates import _analyzed_text
from bot.features import defined_terms
from bot.retrieval import HybridRetriever
from bot.services import make_retriever
from core.catalog import Catalog
from core.embed_cache import CachedEmbedder
from core.index import Index
from core.permissions import OPERATOR, User, load_collections, readable_collections
from core.records import Chunk
from core.settings import Settings, load_settings
from core.store import open_chroma

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
RESULTS = ROOT / "bench" / "results" / "retrieval_scale.json"
DIM = 384
CHUNKS_PER_DOC = 10
# Musterstadt collections with a share of the documents each; "gesetze" is not declared (read_all only).
COLLECTIONS = {"allgemein": 2, "buergerservice": 3, "soziales": 3, "bauen": 3, "satzungen": 2, "rat": 4,
               "archiv": 2, "intern": 3, "personal": 1, "gesetze": 2}
DEPARTMENT_USER = User(name="bench", department="sozialamt")
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{2,}|\d+")


class FixedEmbedder:
    """Returns one precomputed unit vector per question text: the dense query costs no model."""

    name = "bench-fixed"
    dim = DIM

    def __init__(self, seed: int = 7) -> None:
        self._seed = seed

    def embed_query(self, text: str) -> np.ndarray:
        rng = np.random.default_rng([self._seed, len(text), sum(map(ord, text))])
        return _unit(rng.standard_normal(DIM))

    def close(self) -> None:
        pass


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def corpus_words() -> list[str]:
    """The Musterstadt corpus as one word stream (text formats only; PDFs and DOCX are left out)."""
    words: list[str] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in {".md", ".txt", ".html"}:
            text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8", errors="replace"))
            words += _WORD.findall(text)
    return words


def synthetic_docs(count: int, seed: int = 1) -> list[tuple[str, str, list[Chunk]]]:
    """(doc_id, collection, chunks) of `count` chunks in documents of CHUNKS_PER_DOC chunks."""
    rng = random.Random(seed)
    stream = corpus_words()
    nouns = sorted({w for w in stream if w[0].isupper() and len(w) >= 4})
    names, weights = list(COLLECTIONS), list(COLLECTIONS.values())

    def word() -> str:
        roll = rng.random()
        if roll < 0.08:  # a compound of two corpus nouns: new vocabulary grows with the corpus
            return rng.choice(nouns) + rng.choice(nouns).lower()
        return rng.choice(stream) if roll < 0.3 else ""

    docs = []
    for d in range(count // CHUNKS_PER_DOC):
        collection = rng.choices(names, weights)[0]
        doc_id = f"{collection}/doc-{d:06d}.md"
        title = " ".join(rng.choice(nouns) for _ in range(rng.randint(2, 5)))
        chunks = []
        for n in range(CHUNKS_PER_DOC):
            start = rng.randrange(len(stream) - 150)
            window = stream[start : start + rng.randint(50, 140)]
            text = " ".join(word() or w for w in window)
            section = f"§ {rng.randint(1, 60)}" if collection in ("satzungen", "gesetze") else None
            if section:
                text = f"{section} {text}"
            heading = " ".join(rng.choice(nouns) for _ in range(rng.randint(1, 4)))
            chunks.append(Chunk(id=f"{doc_id}::{n}", doc_id=doc_id, source=doc_id, title=title, text=text, ordinal=n,
                                collection=collection, text_hash=f"{d}-{n}", section=section, heading_path=(heading,)))
        docs.append((doc_id, collection, chunks))
    return docs


def build(folder: Path, count: int) -> None:
    """Catalog and Chroma store of `count` chunks, one catalog transaction per document."""
    folder.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(folder / "catalog.sqlite")
    store = open_chroma(folder, None, 0)
    rng = np.random.default_rng(3)
    started = time.perf_counter()
    pending: list[Chunk] = []
    for doc_id, collection, chunks in synthetic_docs(count):
        catalog.commit_file(doc_id=doc_id, root="bench", source=doc_id, collection=collection, fingerprint=doc_id,
                            title=chunks[0].title, kind="md", chunks=chunks)
        pending += chunks
        if len(pending) >= 2000:
            vectors = rng.standard_normal((len(pending), DIM))
            store.upsert(pending, list(vectors / np.linalg.norm(vectors, axis=1, keepdims=True)))
            pending = []
            print(f"  {catalog.chunk_count()} Abschnitte, {time.perf_counter() - started:.0f} s", flush=True)
    if pending:
        vectors = rng.standard_normal((len(pending), DIM))
        store.upsert(pending, list(vectors / np.linalg.norm(vectors, axis=1, keepdims=True)))
    catalog.set_meta("bench_chunks", str(count))
    store.close()
    catalog.close()


def _rss_mb() -> float:
    """The resident set now (not the peak): what the loaded search keeps."""
    import gc
    import os

    gc.collect()
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def open_bench_index(folder: Path, search: str = "memory") -> tuple[Settings, Index]:
    settings = load_settings(data_dir=folder, corpus_dir=CORPUS, collections_file=CORPUS / "collections.toml",
                             embedding_cache=folder / "embeddings.sqlite", search=search)
    catalog, store = Catalog(folder / "catalog.sqlite"), open_chroma(folder, None, 0)
    fill_vector_cache(catalog, store, settings.embedding_cache_path)
    embedder = CachedEmbedder(FixedEmbedder(), settings.embedding_cache_path)  # type: ignore[arg-type]
    index = Index(settings=settings, catalog=catalog, store=store, embedder=embedder,
                  collections=load_collections(settings.collections_path))
    return settings, index


def fill_vector_cache(catalog: Catalog, store: Any, path: Path) -> None:
    """The embedding cache an ingest leaves behind (vectors by text hash), once from the store's vectors."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))")
    if db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] < catalog.chunk_count():
        rows = catalog._db.execute("SELECT id, json_extract(metadata, '$.text_hash') FROM chunks").fetchall()
        for begin in range(0, len(rows), 2000):
            part = dict(rows[begin : begin + 2000])
            found = store.vectors(list(part))
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [
                (FixedEmbedder.name, part[i], np.asarray(v, np.float32).tobytes()) for i, v in found.items()])
        db.commit()
    db.close()


def questions(limit: int) -> list[str]:
    path = ROOT / "eval" / "questions" / "musterstadt.jsonl"
    found = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [*found[: max(limit - 1, 0)], "Was regelt § 17 der Satzung?"]  # the legal-reference path too


def statement_counter(catalog: Catalog) -> Callable[[], tuple[int, int]]:
    """Counts the statements the catalog's connection runs: (own, FTS5's nested ones) since the last call."""
    seen: list[str] = []
    catalog._db.set_trace_callback(seen.append)

    def take() -> tuple[int, int]:
        nested = sum(1 for s in seen if s.startswith("--"))
        own = len(seen) - nested
        seen.clear()
        return own, nested

    return take


def ask(retriever: HybridRetriever, index: Index, user: User, question: str) -> int:
    allowed = readable_collections(user, index.collections, index.catalog.collections())
    hits = retriever.retrieve(question, allowed, k=5)
    return len(hits)


class Stopwatch:
    """Sums the time spent in one method of one object (the vector store's query, the keyword search)."""

    def __init__(self, owner: Any, method: str) -> None:
        self.seconds = 0.0
        original = getattr(owner, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(owner, method, timed)
        self._restore = lambda: setattr(owner, method, original)

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds

    def stop(self) -> None:
        self._restore()


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1), "max_ms": round(ms[-1], 1)}


def measure(retriever: HybridRetriever, index: Index, user: User, asked: list[str]) -> dict[str, Any]:
    take = statement_counter(index.catalog)
    search = index.searcher()
    dense = Stopwatch(search, "dense")
    keyword = [Stopwatch(search, "keyword"), Stopwatch(search, "keyword_scores")]
    seconds: dict[str, list[float]] = {"total": [], "dense_search": [], "keyword_search": []}
    own, nested = [], []
    for question in asked:
        take()
        dense.take(), [part.take() for part in keyword]
        started = time.perf_counter()
        ask(retriever, index, user, question)
        seconds["total"].append(time.perf_counter() - started)
        seconds["dense_search"].append(dense.take())
        seconds["keyword_search"].append(sum(part.take() for part in keyword))
        counts = take()
        own.append(counts[0])
        nested.append(counts[1])
    index.catalog._db.set_trace_callback(None)
    dense.stop(), [part.stop() for part in keyword]
    rest = [t - d - k for t, d, k in zip(*seconds.values(), strict=True)]
    return {
        "questions": len(asked),
        **_percentiles(seconds["total"]),
        "parts": {"dense_search": _percentiles(seconds["dense_search"]),
                  "keyword_search": _percentiles(seconds["keyword_search"]), "rest": _percentiles(rest)},
        "statements_per_question": {"min": min(own), "max": max(own)},
        "fts5_nested_statements_per_question": {"min": min(nested), "max": max(nested)},
    }


def vocabulary_refresh(retriever: HybridRetriever, index: Index) -> dict[str, float]:
    """Reading the vocabulary (terms, counts, declared abbreviations) cold, and bringing it up to date after
    one document was committed (what the next question pays; the question's own analysis not included)."""
    update = getattr(retriever, "refresh", retriever.vocabulary)  # before this change: vocabulary() reloaded
    started = time.perf_counter()
    update()
    cold = time.perf_counter() - started
    doc_id, collection, chunks = synthetic_docs(CHUNKS_PER_DOC, seed=99)[0]
    doc_id = "bench-probe/doc.md"
    chunks = [Chunk(**{**c.__dict__, "id": f"{doc_id}::{c.ordinal}", "doc_id": doc_id}) for c in chunks]
    index.catalog.commit_file(doc_id=doc_id, root="bench-probe", source=doc_id, collection=collection,
                              fingerprint="probe", title=chunks[0].title, kind="md", chunks=chunks)
    started = time.perf_counter()
    update()
    after_commit = time.perf_counter() - started
    started = time.perf_counter()
    index.searcher()  # the search catches up with the one file, too
    search_after_commit = time.perf_counter() - started
    index.catalog.delete_file(doc_id)
    return {"cold_ms": round(cold * 1000, 1), "after_one_file_commit_ms": round(after_commit * 1000, 1),
            "search_after_one_file_commit_ms": round(search_after_commit * 1000, 1)}


def run(folder: Path, count: int, limit: int, rebuild: bool, search: str = "memory") -> dict[str, Any]:
    catalog_file = folder / "catalog.sqlite"
    if rebuild or not catalog_file.exists() or Catalog(catalog_file).get_meta("bench_chunks") != str(count):
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        print(f"Baue den synthetischen Index ({count} Abschnitte) in {folder} …", flush=True)
        build(folder, count)
    settings, index = open_bench_index(folder, search)
    retriever = make_retriever(settings, index)
    rss = _rss_mb()
    started = time.perf_counter()
    index.searcher()  # 'memory' loads every vector and every chunk's terms once, here
    loaded = {"seconds": round(time.perf_counter() - started, 2), "resident_mb": round(_rss_mb() - rss)}
    result: dict[str, Any] = {"chunks": index.catalog.chunk_count(), "fusion": retriever.fusion,
                              "search": settings.search, "search_load": loaded,
                              "vocabulary": vocabulary_refresh(retriever, index)}
    asked = questions(limit) if limit else []
    for name, user in (("operator", OPERATOR), ("department_user", DEPARTMENT_USER)) if asked else ():
        ask(retriever, index, user, "Probe")  # warm: vocabulary snapshot, search, imports
        # every user's questions meet cold caches (what a question's words expand to, analysed passages)
        _analyzed_text.cache_clear(), defined_terms.cache_clear(), retriever._expanded.clear()
        result[name] = measure(retriever, index, user, asked)
        print(name, json.dumps(result[name]), flush=True)
    index.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--questions", type=int, default=50, help="0: only the vocabulary figures")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--label", default=None, help="key in the results file (default: the search setting)")
    parser.add_argument("--search", choices=("memory", "store"), default="memory")
    args = parser.parse_args()
    folder = args.dir or ROOT / ".cache" / f"retrieval-scale-{args.chunks}"
    result = run(folder, args.chunks, args.questions, args.rebuild, args.search)
    print(json.dumps(result, indent=2))
    data = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    label = args.label or args.search
    data[label] = {**data.get(label, {}), **result}
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
