"""Crash-and-resume harness: a seeded corpus, an ingest subprocess killed with SIGKILL, the invariants after.

Shared by tests/integration/test_crash_resume.py and bench/reliability_crash.py. The killed run is the real
CLI (`ingest.__main__.main`) in its own process (a fresh interpreter, or forked from a warm fork server).
The kill is a real SIGKILL, sent either by the process to itself before a seeded write step (deterministic:
lands between Chroma and catalog writes) or by a seeded timer (lands anywhere, also inside Chroma's or
SQLite's own writes).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.index import open_index
from core.permissions import load_collections
from core.settings import Settings, load_settings
from ingest.chunking import chunk_document
from ingest.discovery import discover
from ingest.loaders import load_document
from ingest.pipeline import Ingestor

REPO = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / "corpus" / "collections.toml"
# Small chunks: a few hundred bytes already make a multi-chunk file, so a run has many write steps.
CHUNK_SIZE, CHUNK_OVERLAP = 96, 16
FOLDERS = ("", "buergerservice", "soziales", "bauen")  # "" = the default collection
_VOCABULARY = (
    "Antrag Bescheid Gebühr Frist Bürgerbüro Wohngeld Anmeldung Ausweis Kita Elternbeitrag Bauantrag Satzung "
    "Hundesteuer Sperrmüll Termin Unterlagen Nachweis Einkommen Miete Zuständigkeit Widerspruch Formular "
    "Verwaltung Stadtrat Beschluss Haushalt Gewerbe Meldebescheinigung Führungszeugnis Parkausweis Baugenehmigung "
    "Grundstück Nachbar Abstandsfläche Sprechzeiten Rathaus Postfach Erstattung Zahlung Mahnung Ratenzahlung"
)
WORDS = _VOCABULARY.split()

_LAUNCHER = ("import sys; from crash_harness import killed_main; "
             "killed_main(sys.argv[1], float(sys.argv[2]), sys.argv[3:])")


@dataclass
class SeedResult:
    seed: int
    mode: str  # "step" (self-kill before the n-th index write) or "timer" (n seconds after the first write)
    kill_at: float
    killed: bool
    files: int
    changed: list[str] = field(default_factory=list)
    after_kill: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return self.killed and not self.problems


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(6, 12))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _document(rng: random.Random, suffix: str, title: str) -> str:
    sections = rng.randint(1, 4)
    long = rng.random() < 0.4  # some files span several chunks per section
    parts = [[_paragraph(rng, rng.randint(6, 14) if long else rng.randint(1, 3))] for _ in range(sections)]
    if suffix == ".md":
        body = "\n\n".join(f"## Abschnitt {i + 1}\n\n{p[0]}" for i, p in enumerate(parts))
        return f"# {title}\n\n{body}\n"
    if suffix == ".html":
        body = "".join(f"<h2>Abschnitt {i + 1}</h2><p>{p[0]}</p>" for i, p in enumerate(parts))
        return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>\n"
    return f"{title}\n\n" + "\n\n".join(p[0] for p in parts) + "\n"


def write_file(root: Path, rng: random.Random, name: str) -> Path:
    folder = rng.choice(FOLDERS)
    suffix = rng.choice((".md", ".md", ".txt", ".html"))
    path = root / folder / f"{name}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_document(rng, suffix, f"Merkblatt {name.replace('-', ' ').title()}"), encoding="utf-8")
    return path


def make_corpus(root: Path, rng: random.Random, count: int = 42) -> list[Path]:
    return [write_file(root, rng, f"dokument-{i:02d}") for i in range(count)]


def mutate(root: Path, rng: random.Random, serial: int) -> list[str]:
    """Change three files, delete two, add two; returns what was done (for the record)."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    picked = rng.sample(files, 5)
    done = []
    for path in picked[:3]:
        text = path.read_text(encoding="utf-8")
        cut = rng.randint(len(text) // 3, len(text) - 1)
        path.write_text(text[:cut] + f" {_sentence(rng)} " + text[cut:], encoding="utf-8")
        done.append(f"geändert {path.relative_to(root)}")
    for path in picked[3:]:
        path.unlink()
        done.append(f"gelöscht {path.relative_to(root)}")
    for i in range(2):
        done.append(f"neu {write_file(root, rng, f'neu-{serial:02d}-{i}').relative_to(root)}")
    return done


def crash_settings(data_dir: Path, corpus: Path) -> Settings:
    return load_settings(data_dir=data_dir, corpus_dir=corpus, collections_file=COLLECTIONS, embedder="fake",
                         chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment of an ingest subprocess: the same settings, this checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update({
        "AUSKUNFT_CONFIG": str(settings.data_dir / "no-such-auskunft.toml"),
        "AUSKUNFT_DATA_DIR": str(settings.data_dir),
        "AUSKUNFT_CORPUS_DIR": str(settings.corpus_dir),
        "AUSKUNFT_COLLECTIONS_FILE": str(settings.collections_path),
        "AUSKUNFT_EMBEDDER": settings.embedder,
        "AUSKUNFT_CHUNK_SIZE": str(settings.chunk_size),
        "AUSKUNFT_CHUNK_OVERLAP": str(settings.chunk_overlap),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")]),
    })
    return env


def run_ingest(settings: Settings, *extra: str) -> subprocess.CompletedProcess[str]:
    """A normal `python -m ingest` over the corpus folder."""
    return subprocess.run([sys.executable, "-m", "ingest", str(settings.corpus_dir), "--quiet", *extra],
                          cwd=REPO, env=cli_env(settings), capture_output=True, text=True, timeout=300)


def killed_main(mode: str, value: float, argv: list[str]) -> None:
    """Run the ingest CLI in the process to be killed: count the index's write steps and SIGKILL this process
    before the chosen one ("step"), or `value` seconds after the first one ("timer")."""
    import signal
    import threading

    from core import catalog, store
    from ingest.__main__ import main

    seen = [0]

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def counted(cls: type, name: str) -> None:
        original = getattr(cls, name)

        def wrapper(self: object, *args: object, **kwargs: object) -> object:
            seen[0] += 1
            if mode == "step" and seen[0] == int(value):
                die()
            if mode == "timer" and seen[0] == 1:  # the clock starts at the first write, after all start-up
                threading.Timer(value, die).start()
            return original(self, *args, **kwargs)

        setattr(cls, name, wrapper)

    for cls, name in ((store.ChromaStore, "upsert"), (store.ChromaStore, "delete"),
                      (catalog.Catalog, "commit_file"), (catalog.Catalog, "delete_file")):
        counted(cls, name)
    os._exit(main(argv))


def _forked_main(env: dict[str, str], mode: str, value: float, argv: list[str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    killed_main(mode, value, argv)


def run_killed(settings: Settings, mode: str, value: float, fork: bool = False) -> bool:
    """The same ingest, SIGKILLed at a write step or after a delay; True if the kill happened.

    `fork`: start the process from a fork server that has imported chromadb once (saves its 2-3 s import
    per seed in the test suite); otherwise a fresh interpreter, exactly like `python -m ingest`.
    """
    env, argv = cli_env(settings), [str(settings.corpus_dir), "--quiet"]
    if fork:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["chromadb", "crash_harness", "ingest.__main__"])
        process = context.Process(target=_forked_main, args=(env, mode, value, argv))
        process.start()
        process.join(timeout=300)
        code = process.exitcode
    else:
        done = subprocess.run([sys.executable, "-c", _LAUNCHER, mode, str(value), *argv], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
        code = done.returncode
        if code not in (0, -9):
            raise RuntimeError(f"ingest failed ({code}): {done.stderr[-2000:]}")
    if code not in (0, -9):
        raise RuntimeError(f"ingest failed with exit code {code}")
    return code == -9


def expected_chunk_ids(settings: Settings) -> set[str]:
    """What the pure chunker makes of the corpus folder, computed the way the pipeline does."""
    collections = load_collections(settings.collections_path)
    root, files, _, _ = discover(settings.corpus_dir)
    ids: set[str] = set()
    for path in files:
        source = path.relative_to(root).as_posix()
        doc = load_document(path, source, int(settings.max_file_mb * 1_000_000))
        chunks = chunk_document(doc, collection=collections.collection_for(source), chunk_size=settings.chunk_size,
                                chunk_overlap=settings.chunk_overlap)
        ids |= {c.id for c in chunks}
    return ids


def after_kill(settings: Settings) -> tuple[dict[str, int], list[str]]:
    """What a query would read right after the kill (every catalog chunk needs its vector and keyword row),
    and what the kill left: committed files, catalog chunks, orphan vectors for `_reconcile`."""
    index = open_index(settings)
    try:
        catalog = index.catalog
        in_catalog, in_store = catalog.chunk_ids(), index.store.ids()
        keyword_rows = catalog._db.execute("SELECT COUNT(*) FROM keyword").fetchone()[0]
        files = len(catalog.files())
    finally:
        index.close()
    state = {"files_in_catalog": files, "catalog_chunks": len(in_catalog), "orphan_vectors": len(in_store - in_catalog)}
    without_vector = in_catalog - in_store
    problems = [f"{len(without_vector)} catalog chunks without a vector"] if without_vector else []
    if keyword_rows != len(in_catalog):
        problems.append(f"keyword index: {keyword_rows} rows for {len(in_catalog)} chunks")
    return state, problems


def invariant_problems(settings: Settings) -> list[str]:
    """Empty when Chroma, the catalog, its keyword index and the pure chunker all agree."""
    expected = expected_chunk_ids(settings)
    index = open_index(settings)
    try:
        catalog = index.catalog
        in_catalog, in_store = catalog.chunk_ids(), index.store.ids()
        in_manifest = {cid for record in catalog.files().values() for cid in record.chunk_ids}
        keyword_rows = catalog._db.execute("SELECT COUNT(*) FROM keyword").fetchone()[0]
        joined = catalog._db.execute(
            "SELECT COUNT(*) FROM keyword JOIN chunks c ON c.rowid = keyword.rowid").fetchone()[0]
        failed = [r.doc_id for r in catalog.files().values() if r.status != "ok"]
    finally:
        index.close()
    problems = []
    for name, found in (("catalog", in_catalog), ("Chroma", in_store), ("manifest", in_manifest)):
        if found != expected:
            problems.append(f"{name}: {len(found - expected)} extra, {len(expected - found)} missing chunk ids")
    if keyword_rows != len(in_catalog) or joined != len(in_catalog):
        problems.append(f"keyword index: {keyword_rows} rows ({joined} joined) for {len(in_catalog)} chunks")
    if failed:
        problems.append(f"files not ok: {failed}")
    return problems


def rerun_in_process(settings: Settings) -> list[str]:
    """The normal re-run, here instead of in a second process (saves the start-up of one per seed)."""
    index = open_index(settings)
    try:
        report = Ingestor(index).run([settings.corpus_dir])
    finally:
        index.close()
    return [f"re-run: {r.source} failed: {r.error}" for r in report.failed]


def rerun_cli(settings: Settings) -> list[str]:
    done = run_ingest(settings)
    return [f"re-run failed ({done.returncode}): {done.stderr[-1000:]}"] if done.returncode else []


def crash_rounds(workdir: Path, seeds: Sequence[int], files: int = 42,
                 rerun: Callable[[Settings], list[str]] = rerun_cli, fork: bool = False) -> list[SeedResult]:
    """Per seed: mutate the corpus (after the first), kill an ingest, check what a reader would see, re-run
    the ingest normally, check the invariants."""
    corpus, data = workdir / "corpus", workdir / "data"
    settings = crash_settings(data, corpus)
    results: list[SeedResult] = []
    for number, seed in enumerate(seeds):
        rng = random.Random(seed)
        if number == 0:
            make_corpus(corpus, rng, files)
            changed = [f"neu: {files} Dateien"]
            steps = 3 * files
        else:
            changed = mutate(corpus, rng, number)
            steps = 3 * 5 + 2 * 2  # 5 files written (upsert, commit, delete), 2 deleted (catalog, delete)
        # Even seeds: deterministic self-kill before a write step; odd seeds: a timer lands anywhere.
        if seed % 2 == 0:
            mode, kill_at = "step", float(rng.randint(1, steps))
        else:
            mode, kill_at = "timer", round(rng.uniform(0.0, 0.25), 3)
        killed = run_killed(settings, mode, kill_at, fork)
        result = SeedResult(seed, mode, kill_at, killed, sum(1 for p in corpus.rglob("*") if p.is_file()), changed)
        result.after_kill, problems = after_kill(settings)
        result.problems += [f"after the kill: {p}" for p in problems]
        result.problems += rerun(settings)
        result.problems += invariant_problems(settings)
        results.append(result)
    return results
