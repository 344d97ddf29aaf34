"""A `Services` over the shipped corpus with the fake embedder: the UI handlers without any model."""

from __future__ import annotations

from pathlib import Path

from bot.backends.extractive import ExtractiveBackend
from bot.services import build_services
from core.index import Index
from ingest.pipeline import Ingestor
from ui.documents import document_link
from ui.service import Services
from ui.users import UserDirectory, add_user, load_users

from conftest import CORPUS

PASSWORD = "Musterstadt-2026!"
USERS = {"anna": ("buergerbuero", False), "paula": ("personalamt", False), "admin": ("hauptamt", True)}


def make_services(index: Index, tmp_path: Path, with_users: bool = True, **overrides: object) -> Services:
    Ingestor(index).run([CORPUS])
    settings = index.settings.model_copy(update={
        "abstention": "thresholds", "abstain_min_dense": 0.0, "abstain_min_known": 0.0,
        "abstain_min_document_known": 0.0, "corpus_dir": CORPUS,
        "users_file": tmp_path / "users.toml", **overrides,
    })
    users: UserDirectory | None = None
    if with_users:
        for name, (department, admin) in USERS.items():
            add_user(settings.users_path, name, PASSWORD, department, admin)
        users = load_users(settings.users_path)
    engine = build_services(settings, index=index, backend=ExtractiveBackend(), links=document_link)
    return Services.of(engine, users)
