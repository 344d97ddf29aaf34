"""Browser-test fixtures: the real app (`python app.py`) on a free loopback port with a copy of corpus/,
and Debian's chromium driven by Playwright. Loaded as a plugin by tests/conftest.py (a second conftest.py
in tests/browser/ would shadow the `conftest` module the other tests import from).

Chromium comes from apt (`make test` installs it when it can); Playwright only drives it and never
downloads a browser. Without /usr/bin/chromium the browser tests skip with a message saying so.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from servers import free_port, running

REPO = Path(__file__).resolve().parents[1]
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


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("Debian-Paket chromium fehlt (/usr/bin/chromium): `apt-get install chromium`; "
                    "`make test` installiert es, wenn apt verfügbar ist / chromium not installed")
    pytest.importorskip("playwright", reason="the dev extra installs playwright")
    return CHROMIUM


def _start_app(root: Path, env: dict[str, str]) -> Iterator[RunningApp]:
    """`python app.py` on a free loopback port over a copy of corpus/ below `root`, with `env` added."""
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    data = root / "data"
    port = free_port()
    env = {**env, "AUSKUNFT_DATA_DIR": str(data), "AUSKUNFT_CORPUS_DIR": str(corpus),
           "AUSKUNFT_EMBEDDING_CACHE": str(EMBED_CACHE),  # vectors by text hash, shared with the other tests
           "AUSKUNFT_PORT": str(port)}
    url = f"http://127.0.0.1:{port}"
    log = root / "app.log"
    with running([sys.executable, str(REPO / "app.py")], f"{url}/health", timeout=900, env=env, log=log):
        yield RunningApp(url, data, data / "uploads", log)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[RunningApp]:
    from ui.users import add_user

    root = tmp_path_factory.mktemp("app")
    users_file = root / "users.toml"
    for name, (department, admin) in USERS.items():
        add_user(users_file, name, PASSWORD, department, admin)
    yield from _start_app(root, {"AUSKUNFT_USERS_FILE": str(users_file),
                                 "AUSKUNFT_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB)})


CITIZEN_RATE = 4  # questions per minute and address in the citizen app: the browser test runs into it


@pytest.fixture(scope="session")
def citizen_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[RunningApp]:
    """The real app in citizen mode (`AUSKUNFT_MODE=citizen`), without a users file, on its own port."""
    yield from _start_app(tmp_path_factory.mktemp("citizen"), {
        "AUSKUNFT_MODE": "citizen", "AUSKUNFT_CITIZEN_RATE_PER_MINUTE": str(CITIZEN_RATE)})


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    ctx.set_default_timeout(60_000)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
