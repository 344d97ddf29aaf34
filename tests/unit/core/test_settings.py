from pathlib import Path

import pytest

from core.settings import SettingsError, load_settings

pytestmark = pytest.mark.unit


def test_defaults_keep_everything_under_data_dir() -> None:
    settings = load_settings()
    assert settings.data_dir == Path("data")
    assert settings.embedder == "e5"
    assert settings.embedding_cache_path == Path("data") / "embeddings.sqlite"
    assert settings.collections_path == Path("corpus") / "collections.toml"


def test_env_prefix_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUSKUNFT_CHUNK_SIZE", "256")
    monkeypatch.setenv("AUSKUNFT_DATA_DIR", "/srv/auskunft")
    settings = load_settings()
    assert settings.chunk_size == 256
    assert settings.data_dir == Path("/srv/auskunft")


def test_toml_file_is_read_and_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "auskunft.toml"
    config.write_text('chunk_size = 200\nchroma_host = "chroma.intern"\n', encoding="utf-8")
    settings = load_settings(config)
    assert (settings.chunk_size, settings.chroma_host) == (200, "chroma.intern")
    monkeypatch.setenv("AUSKUNFT_CHUNK_SIZE", "320")
    assert load_settings(config).chunk_size == 320


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("chunk_size", 5, "chunk_size"),
        ("embedder", "word2vec", "embedder"),
        ("embedder", "sentence-transformers", "embedder"),
        ("chroma_port", 70000, "chroma_port"),
    ],
)
def test_invalid_values_name_the_field(field: str, value: object, expected: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(**{field: value})
    assert expected in str(info.value)
    assert f"AUSKUNFT_{expected.upper()}" in str(info.value)


def test_overlap_must_stay_below_half_the_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUSKUNFT_CHUNK_OVERLAP", "200")
    with pytest.raises(SettingsError, match="chunk_overlap"):
        load_settings(chunk_size=300)


def test_unknown_key_in_toml_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "auskunft.toml"
    config.write_text("chunk_sise = 200\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="chunk_sise"):
        load_settings(config)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="nicht gefunden"):
        load_settings(tmp_path / "fehlt.toml")


def test_privacy_defaults_keep_90_days_and_no_user(tmp_path: Path) -> None:
    settings = load_settings()
    assert (settings.retention_days, settings.feedback_with_user, settings.cache_query_vectors) == (90, False, False)
    config = tmp_path / "auskunft.toml"
    config.write_text("retention_days = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"retention_days \(env AUSKUNFT_RETENTION_DAYS"):
        load_settings(config)
