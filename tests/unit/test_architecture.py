"""The package contract in pyproject.toml holds, and it would catch a new `bot -> ingest` import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "bot", "ingest", "eval", "ui")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_import_contract_is_kept() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_new_bot_to_ingest_import_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    fusion = tmp_path / "bot" / "fusion.py"
    fusion.write_text(fusion.read_text() + "\nfrom ingest.chunking import approx_tokens  # noqa: E402,F401\n")

    result = _lint(tmp_path)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "bot.fusion -> ingest.chunking" in result.stdout
