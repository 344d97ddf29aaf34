"""Timestamps as every store of Auskunft writes them (UTC, ISO 8601, whole seconds) and today's date."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def today() -> date:
    """The local calendar day: what validity dates ('gültig bis 31.12.2024') are compared with. Callers take
    it as an argument (default: this function) so tests can fix the day."""
    return date.today()
