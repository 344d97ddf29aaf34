"""Auskunft front end entry point.

The Gradio UI arrives with the front-end issue; until then `python app.py` brings the index of the
configured corpus up to date and prints its state, which is what `make run` shows.
"""

from __future__ import annotations

import sys

from ingest.__main__ import main as ingest_main


def main() -> int:
    return ingest_main(["--quiet"])


if __name__ == "__main__":
    sys.exit(main())
