"""Ingestion benchmarks: parsing + chunking throughput, embedding throughput, incremental no-op run.

Usage: .venv/bin/python bench/ingest_bench.py [--laws ../shared/corpus-public/gesetze] [--embed 64]
Prints one line per figure; run it through an external timer for whole-process numbers.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from core.embed import FakeEmbedder, make_embedder
from core.index import open_index
from core.settings import load_settings
from ingest.chunking import chunk_document
from ingest.discovery import discover
from ingest.loaders import load_document
from ingest.pipeline import Ingestor

ROOT = Path(__file__).resolve().parent.parent


def bench_parse(folder: Path) -> list[str]:
    _, files, _, _ = discover(folder)
    started = time.perf_counter()
    texts: list[str] = []
    for path in files:
        doc = load_document(path, path.name, 200_000_000)
        texts += [c.embedding_text() for c in chunk_document(doc, collection="b", chunk_size=300, chunk_overlap=40)]
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"parse+chunk  {len(files)} files  {size:.1f} MB  {len(texts)} chunks  {seconds:.2f} s  "
          f"{size / seconds:.1f} MB/s")
    return texts


def bench_embed(texts: list[str], spec: str, count: int) -> None:
    embedder = make_embedder(spec)
    sample = texts[:count]
    started = time.perf_counter()
    embedder.embed_passages(sample)
    seconds = time.perf_counter() - started
    print(f"embed        {spec}  {len(sample)} passages  {seconds:.2f} s  {len(sample) / seconds:.1f} passages/s")


def bench_noop_reingest(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), collections_file=Path(tmp) / "none.toml")
        index = open_index(settings, embedder=FakeEmbedder())
        Ingestor(index).run([folder], collection="bench")
        started = time.perf_counter()
        report = Ingestor(index).run([folder], collection="bench")
        seconds = time.perf_counter() - started
        index.close()
    print(f"no-op rerun  {report.counts()['unchanged']} unchanged files  {seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, default=ROOT / "corpus")
    parser.add_argument("--embed", type=int, default=32, help="passages to embed with e5 (0: skip)")
    args = parser.parse_args()
    texts = bench_parse(args.folder)
    if args.embed:
        bench_embed(texts, "e5", args.embed)
    bench_noop_reingest(args.folder)


if __name__ == "__main__":
    main()
