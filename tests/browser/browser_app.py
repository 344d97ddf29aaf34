"""Constants shared by the browser fixtures and tests (a plain module: conftest files are not importable)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
EMBED_CACHE = REPO / ".cache" / "test-embeddings.sqlite"  # the same vector cache as tests/conftest.py
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialling Google on this closed network and hangs.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
OUTPUT = REPO / "tests" / "output"
PASSWORD = "Musterstadt-2026!"
USERS = {  # name: (department, admin)
    "anna": ("buergerbuero", False),
    "bernd": ("bauamt", False),
    "paula": ("personalamt", False),
    "admin": ("hauptamt", True),
}
MAX_UPLOAD_MB = 0.05


@dataclass(frozen=True)
class RunningApp:
    url: str
    data_dir: Path
    uploads_dir: Path
    log: Path


