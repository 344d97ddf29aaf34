"""One real staff app for the API, MCP and load tests: `python app.py` on a free 127.0.0.1 port over a copy
of corpus/, real e5 vectors and Chroma, the extractive backend. Loaded as a plugin by tests/conftest.py.

Each of those modules started its own (15 s and more each: imports, model, index check). Their users all
live in this app's users file; each module makes its own API keys in the app's key store, which the app
reads at every request (as `auskunft token create` beside a running app does), so a module still decides
which keys exist for its tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LOAD_USERS = 20  # the load: 20 signed-in sessions (tests/integration/test_load_and_leaks.py)


@dataclass(frozen=True)
class StaffApp:
    url: str
    root: Path  # data/, corpus/, users.toml and app.log of the running app
    users: list[str]  # logins with bench.reliability_load.PASSWORD, several departments

    @property
    def key_store(self) -> Path:
        return self.root / "data" / "api_keys.sqlite"


@pytest.fixture(scope="session")
def staff_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffApp]:
    from bench.reliability_leaks import prepare
    from bench.reliability_load import PASSWORD, prepare_users, running_app

    root = tmp_path_factory.mktemp("staff-app")
    users = prepare_users(root / "users.toml", LOAD_USERS, PASSWORD)
    prepare(root / "users.toml")  # the leak probe's departments and the Personalamt as its positive control
    # The API tests send more than the default 30 requests a minute per key.
    with running_app(root, root / "users.toml", {"AUSKUNFT_API_RATE_PER_MINUTE": "1000"}) as url:
        yield StaffApp(url, root, users)
