"""Privacy part of bench/results/reliability.json: what the retention purge costs and leaves behind.

Usage: PYTHONPATH=. .venv/bin/python bench/reliability_privacy.py  (about a minute: 39,600 single commits)
Fills a logbook with half a year of entries on a frozen clock (200 declined questions and 20 feedback
entries a day), then purges with the default retention and reports what was deleted, how long it took,
the file size before and after, and whether a purged question can still be found in the files' bytes.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.logbook import Logbook
from core.settings import Settings

DAYS, GAPS_PER_DAY, FEEDBACK_PER_DAY = 180, 200, 20
RESULTS = Path(__file__).parent / "results" / "reliability.json"


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


def run() -> dict[str, object]:
    retention = Settings.model_fields["retention_days"].default
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = [start]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        book = Logbook(root / "logbook.sqlite", clock=lambda: now[0])
        for day in range(DAYS):
            for i in range(GAPS_PER_DAY):
                now[0] = start + timedelta(days=day, seconds=i * 400)
                book.record_gap(f"Frage {i} am Tag {day} von Merkmal{day:03d}x", ["buergerservice"])
            for i in range(FEEDBACK_PER_DAY):
                book.record_feedback(1 if i % 3 else -1, f"Frage {i} Tag {day}", "Antwort " * 40,
                                     ["Satzung, S. 1"], comment=f"Kommentar Merkmal{day:03d}x")
        now[0] = start + timedelta(days=DAYS)
        before = _size(root)
        started = time.perf_counter()
        result = book.purge(timedelta(days=retention))
        seconds = time.perf_counter() - started
        after = _size(root)
        oldest_kept = book.counts()["gaps"][1]
        book.close()
        files = b"".join(p.read_bytes() for p in root.iterdir())
        purged_day = DAYS - retention - 1  # its entries are all older than the retention period
        return {
            "retention_days": retention,
            "entries_written": {"gaps": DAYS * GAPS_PER_DAY, "feedback": DAYS * FEEDBACK_PER_DAY},
            "entries_deleted": {"gaps": result.gaps, "feedback": result.feedback},
            "oldest_kept": oldest_kept,
            "cutoff": result.cutoff,
            "purge_seconds": round(seconds, 3),
            "logbook_bytes_before": before,
            "logbook_bytes_after": after,
            "purged_text_found_in_files": f"Merkmal{purged_day:03d}x".encode() in files,
            "kept_text_found_in_files": f"Merkmal{DAYS - 1:03d}x".encode() in files,
        }


if __name__ == "__main__":
    part = run()
    stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    stored["privacy"] = part
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(stored, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(part, indent=2, ensure_ascii=False))
