"""Hostile files through the bounded loader (ingest/sandbox.py) at the default bounds of Settings.

Each case is generated in a temporary folder (the issue's four at their real size, plus deep nesting, a
declared-size zip bomb and a large plain text), parsed in a fresh worker, and recorded with its size,
whether it was refused and why, the seconds and the worker's peak RSS (its own getrusage or wait4).

`python bench/reliability_hostile.py` merges `run()` into bench/results/reliability.json under "hostile".
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # the generators live with the tests (tests/hostile.py)

from core.settings import Settings  # noqa: E402
from ingest.loaders import LimitError, LoadError  # noqa: E402
from ingest.sandbox import Sandbox, bounds_from  # noqa: E402

from hostile import (  # noqa: E402
    deep_html,
    docx_unpacking_to,
    docx_with_padding,
    docx_with_paragraphs,
    many_tags_html,
    pdf_inflating_to,
)

RESULTS = REPO / "bench" / "results" / "reliability.json"
KEY = "hostile"
MB = 1_000_000


def _big_text(folder: Path) -> Path:
    path = folder / "lang.txt"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Titel\n")
        line = "Wort " * 20 + "\n"
        for _ in range(400):
            handle.write(line * 1000)
    return path


# name -> (what the issue measured before, generator); the first four are the cases.
CASES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "html_5m_b_tags_40mb": ("145 s, 5.2 GB RSS, accepted", lambda d: many_tags_html(d / "tags.html", 5_000_000)),
    "docx_unpacks_to_100mb_xml": ("> 300 s, 850 MB", lambda d: docx_unpacking_to(d / "bombe.docx", 100 * MB)),
    "docx_20000_paragraphs": ("29 s", lambda d: docx_with_paragraphs(d / "absaetze.docx", 20_000, "Absatz",
                                                                  numbered=True)),
    "pdf_stream_inflates_to_1gb": ("'no text layer (Scan?)'", lambda d: pdf_inflating_to(d / "bombe.pdf", 1000 * MB)),
    "html_nested_100000_deep": ("", lambda d: deep_html(d / "tief.html", 100_000)),
    "docx_zip_member_of_1gb_zeros": ("", lambda d: docx_with_padding(d / "zip.docx", 1000 * MB)),
    "txt_40mb_400000_lines": ("", _big_text),
    # just under the element limit: the worst HTML that is parsed at all, so the time/memory caps decide
    "html_450k_paragraphs": ("", lambda d: many_tags_html(d / "absaetze.html", 450_000, tag="p")),
}


def run() -> dict:
    settings = Settings.model_construct()  # the defaults, not a developer's environment
    bounds = bounds_from(settings)
    cases = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (before, generate) in CASES.items():
            case_dir = Path(folder) / name
            case_dir.mkdir()
            path = generate(case_dir)
            sandbox = Sandbox()  # a fresh worker: its peak RSS belongs to this file alone
            started = time.monotonic()
            try:
                doc = sandbox.load(path, path.name, bounds)
                rejected, reason, limit = False, f"geladen: {len(doc.blocks)} Blöcke", ""
            except LimitError as exc:
                rejected, reason, limit = True, str(exc), exc.limit
            except LoadError as exc:
                rejected, reason, limit = True, str(exc), ""
            seconds = time.monotonic() - started
            sandbox.close()
            cases.append({
                "name": name,
                "size_bytes": path.stat().st_size,
                "rejected": rejected,
                "limit": limit,
                "reason": reason,
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(sandbox.last_peak_rss_mb or 0.0, 1),
                "issue_before": before,
            })
            print(f"{name:32} {path.stat().st_size / MB:8.2f} MB  {seconds:6.1f} s  "
                  f"{cases[-1]['peak_rss_mb']:7.1f} MB  {reason[:70]}", flush=True)
            path.unlink()
    return {
        "bounds": {"max_file_mb": settings.max_file_mb, "max_unpacked_mb": settings.max_unpacked_mb,
                   "max_elements": settings.max_elements, "max_nesting": settings.max_nesting,
                   "parse_timeout_s": settings.parse_timeout_s, "parse_memory_mb": settings.parse_memory_mb},
        "cases": cases,
        "largest_rss_mb": max(c["peak_rss_mb"] for c in cases),
        "longest_seconds": max(c["seconds"] for c in cases),
        # the ingesting process itself (it generated the files too): hostile content never enters it
        "parent_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "all_bounded": all(c["seconds"] <= bounds.timeout_s + 5 and c["peak_rss_mb"] <= bounds.memory_mb
                           for c in cases),
    }


def main() -> None:
    result = run()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    merged = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    merged[KEY] = result
    RESULTS.write_text(json.dumps(merged, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"largest RSS {result['largest_rss_mb']} MB, longest {result['longest_seconds']} s -> {RESULTS}")


if __name__ == "__main__":
    main()
