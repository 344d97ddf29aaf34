import sqlite3
from pathlib import Path

import numpy as np
import pytest

from core.embed import FakeEmbedder
from core.index import Index
from eval.runner import index_facts
from ingest.pipeline import Ingestor

from conftest import build_index, make_settings

pytestmark = pytest.mark.unit


def _ingest(index: Index, folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    Ingestor(index).run([folder])


def test_a_run_records_what_its_vectors_and_model_were(fake_index: Index, tmp_path: Path) -> None:
    _ingest(fake_index, tmp_path / "docs", {
        "a.md": "# Hundesteuer\n\nDer erste Hund kostet 96 Euro im Jahr, jeder weitere Hund 144 Euro im Jahr.",
        "b.md": "# Reisepass\n\nEin Reisepass kostet 70 Euro, für Personen unter 24 Jahren 37,50 Euro."})
    assert fake_index.catalog.chunk_count() == 2
    facts = index_facts(fake_index)
    assert len(facts["vectors"]) == 12 and len(facts["model"]) == 12
    assert "numpy" in facts["packages"]
    assert index_facts(fake_index)["vectors"] == facts["vectors"]  # the same index gives the same fingerprint

    # one stored vector computed differently (another machine, another model version) shows in the fingerprint
    cache = sqlite3.connect(tmp_path / "vec.sqlite")
    with cache:
        key, blob = cache.execute("SELECT hash, vector FROM vectors WHERE hash NOT LIKE 'query:%' LIMIT 1").fetchone()
        nudged = np.frombuffer(blob, dtype=np.float32) + np.float32(1e-6)
        cache.execute("UPDATE vectors SET vector = ? WHERE hash = ?", (nudged.tobytes(), key))
    cache.close()
    changed = index_facts(fake_index)
    assert changed["vectors"] != facts["vectors"]
    assert changed["model"] == facts["model"]  # the model itself computes as before


def test_the_model_fingerprint_tells_two_models_apart(fake_index: Index, tmp_path: Path) -> None:
    other = build_index(make_settings(tmp_path / "other", embedding_cache=tmp_path / "other.sqlite"),
                        FakeEmbedder(dim=128))
    try:
        assert index_facts(other)["model"] != index_facts(fake_index)["model"]
    finally:
        other.close()
