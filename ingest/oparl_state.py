"""The OParl sync state on disk (`<data_dir>/oparl/<body>/state.json`), always rewritten atomically."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)  # a kill leaves the old or the new file, never half of one


def write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text)


@dataclass
class SyncState:
    path: Path
    last_sync: str | None = None
    organizations: dict[str, str] = field(default_factory=dict)
    meetings: dict[str, list[str]] = field(default_factory=dict)  # id -> [name, start]
    # id -> {"key", "modified", "files": {id: {...}}, "refs": originator and meeting ids its card names}
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    retry: list[str] = field(default_factory=list)  # papers that failed: fetched again by id next run
    meeting_files: dict[str, dict[str, Any]] = field(default_factory=dict)  # meeting id -> {"key", "files"}
    retry_meetings: list[str] = field(default_factory=list)
    # organizations/meetings whose name or date changed, until the papers citing them are carded anew (kept
    # here, not in memory, because the new names are saved first: a killed run must still re-card them)
    changed: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> SyncState:
        if not path.is_file():
            return cls(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(path, data.get("last_sync"), data.get("organizations", {}), data.get("meetings", {}),
                   data.get("papers", {}), data.get("retry", []), data.get("meeting_files", {}),
                   data.get("retry_meetings", []), data.get("changed", []))

    def save(self) -> None:
        data = {"version": 1, "last_sync": self.last_sync, "organizations": self.organizations,
                "meetings": self.meetings, "papers": self.papers, "retry": self.retry,
                "meeting_files": self.meeting_files, "retry_meetings": self.retry_meetings,
                "changed": self.changed}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1))
