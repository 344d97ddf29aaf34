from pathlib import Path

import pytest

from core.embed import FakeEmbedder
from core.settings import Settings
from ui.startup import StartupError, prepare

from conftest import copy_fake_musterstadt, make_settings
from servers import free_port

pytestmark = pytest.mark.unit


def test_start_ingests_the_corpus_and_says_demo_mode(tmp_path: Path) -> None:
    services = prepare(make_settings(tmp_path / "data"), embedder=FakeEmbedder())
    try:
        assert services.catalog.chunk_count() > 100
        assert services.demo and any("Demo-Modus" in n for n in services.notices)
    finally:
        services.close()


def test_empty_index_fails_fast_with_what_to_do(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", corpus_dir=tmp_path / "leer", ingest_on_start=False)
    with pytest.raises(StartupError, match=r"Index .* ist leer.*auskunft-ingest"):
        prepare(settings, embedder=FakeEmbedder())


def test_unreachable_llm_fails_fast_or_falls_back_when_allowed(tmp_path: Path, fake_musterstadt_template: Path) -> None:
    server = {"answer_backend": "openai", "openai_base_url": f"http://127.0.0.1:{free_port()}/v1",
              "openai_model": "gemma"}
    pytest.importorskip("llama_index.llms.openai_like", reason="the llm extra is not installed")

    def ingested(name: str, **overrides: object) -> Settings:  # the start finds every file unchanged
        return copy_fake_musterstadt(fake_musterstadt_template, tmp_path / name).model_copy(update=overrides)

    with pytest.raises(StartupError, match=r"(?s)nicht erreichbar.*AUSKUNFT_LLM_FALLBACK"):
        prepare(ingested("a", **server), embedder=FakeEmbedder())
    services = prepare(ingested("b", llm_fallback=True, **server), embedder=FakeEmbedder())
    try:
        assert services.backend_name == "extractive"
        assert any("Sprachmodell ist nicht erreichbar" in n for n in services.notices)
    finally:
        services.close()


def test_broken_users_file_stops_the_start(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text('[users.anna]\ndepartment = "buergerbuero"\npassword = "klartext"\n', encoding="utf-8")
    with pytest.raises(StartupError, match=r"(?s)users\.toml.*Klartext"):
        prepare(make_settings(tmp_path / "data", users_file=users), embedder=FakeEmbedder())
