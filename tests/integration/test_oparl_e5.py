"""A council system end to end, as an admin and a council clerk use it: `python -m ingest --oparl URL` against
an OParl 1.1 server on 127.0.0.1 (real Munich PDFs), then `python -m bot` asked about a paper by its number,
which is printed only in OParl, not in the PDF; the answer cites that paper (real e5, cached vectors)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CORPUS, COUNCIL, EMBED_CACHE, REPO, require_shared
from oparl_site import Site, build, file_object, paper, serving

pytestmark = pytest.mark.integration
REFERENCE = "20-26 / A 00869"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


@pytest.fixture
def site() -> Iterator[Site]:
    require_shared(COUNCIL)
    with serving(Site()) as running:
        build(running, [
            paper(running, 2, "Neubesetzung der Leitung des Bildungsreferats nur nach Ausschreibung", REFERENCE,
                  "Antrag", file_object(running, 21, "6439560.pdf", "Antrag")),
            paper(running, 3, "Zuschuss aus Budgetmitteln des Bezirksausschusses 25 für das Vortragsteam",
                  "20-26 / V 02232", "Beschlussvorlage", None),
        ])
        yield running


def test_oparl_sync_then_a_question_by_paper_number_cites_the_paper(site: Site, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update(AUSKUNFT_DATA_DIR=str(tmp_path / "data"), AUSKUNFT_CORPUS_DIR=str(tmp_path / "leer"),
               AUSKUNFT_COLLECTIONS_FILE=str(CORPUS / "collections.toml"),
               AUSKUNFT_EMBEDDING_CACHE=str(EMBED_CACHE), AUSKUNFT_CONFIG=str(tmp_path / "none.toml"))
    synced = run(env, "ingest", "--oparl", site.url("/oparl/v1/system"), "--collection", "rat", "--quiet")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "OParl: 2 Vorlagen abgeglichen" in synced.stdout and "Dateien: 1 geladen" in synced.stdout

    asked = run(env, "bot", f"Was steht in der Vorlage {REFERENCE}?", "--json")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["abstained"], answer
    cited = [s for s in answer["sources"] if f"[{s['number']}]" in answer["text"]]
    assert cited and all(s["reference"] == REFERENCE for s in cited), answer
    assert cited[0]["source_url"] == "https://ris.example.de/vorlage/2"  # the council system's own page
