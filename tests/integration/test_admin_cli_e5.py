"""The admin CLIs as real processes on a small real index (a few Musterstadt files, e5 vectors from the
shared cache): ingest, status, delete (and an unknown id), a declined question, the gap report and the
feedback export."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logbook import Logbook

from conftest import CORPUS, EMBED_CACHE, REPO

pytestmark = pytest.mark.integration
FILES = ["personal/personalamt-faq.md", "buergerservice/anmeldung-wohnsitz.md", "intern/it-hilfe-faq.md"]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=600)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    corpus = tmp_path / "corpus"
    for name in FILES:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / name, corpus / name)
    values = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    values.update(AUSKUNFT_DATA_DIR=str(tmp_path / "data"), AUSKUNFT_CORPUS_DIR=str(corpus),
                  AUSKUNFT_COLLECTIONS_FILE=str(CORPUS / "collections.toml"),
                  AUSKUNFT_EMBEDDING_CACHE=str(EMBED_CACHE), AUSKUNFT_CONFIG=str(tmp_path / "none.toml"))
    return values


def test_admin_clis_end_to_end(env: dict[str, str], tmp_path: Path) -> None:
    ingested = run(env, "ingest", "--quiet")
    assert ingested.returncode == 0, ingested.stderr
    status = run(env, "ingest", "--status")
    assert status.returncode == 0 and status.stdout.startswith("3 Dokumente"), status.stderr

    unknown = run(env, "ingest", "--delete", "personal/personal/gibtsnicht.md")
    assert unknown.returncode == 2 and "„personal/personal/gibtsnicht.md“ ist nicht im Index" in unknown.stderr
    deleted = run(env, "ingest", "--delete", "personal/personal/personalamt-faq.md")
    assert deleted.returncode == 0 and "aus dem Index entfernt" in deleted.stdout, deleted.stderr
    assert run(env, "ingest", "--status").stdout.startswith("2 Dokumente")
    assert (tmp_path / "corpus" / FILES[0]).exists()  # a corpus file stays on disk, as in the console

    declined = run(env, "bot", "Wie viele Urlaubstage habe ich?", "--department", "personalamt", "--json")
    assert declined.returncode == 0, declined.stderr
    assert '"abstained": true' in declined.stdout  # its only source was deleted: a knowledge gap
    gaps = run(env, "bot", "--gaps")
    assert gaps.returncode == 0, gaps.stderr
    assert gaps.stdout.splitlines()[2].startswith("Wie viele Urlaubstage habe ich?")

    book = Logbook(tmp_path / "data" / "logbook.sqlite")
    book.record_feedback(-1, "Wo melde ich mich um?", "Im Bürgerbüro [1].", ["Anmeldung, S. 1"], comment="kurz")
    book.close()
    export = tmp_path / "rueckmeldungen.csv"
    feedback = run(env, "bot", "--feedback", "--output", str(export))
    assert feedback.returncode == 0 and "1 Zeilen" in feedback.stdout, feedback.stderr
    rows = list(csv.reader(io.StringIO(export.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Zeit", "Bewertung", "Frage"] and rows[1][2:] == [
        "Wo melde ich mich um?", "Im Bürgerbüro [1].", "Anmeldung, S. 1", "kurz", ""]
    assert export.read_bytes().startswith(b"\xef\xbb\xbf")
