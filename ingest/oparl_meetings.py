"""A body's organization and meeting lists: the names paper cards cite, and the meetings' own files.

Organisation names (originators) and meeting names/dates (consultations) are kept in the sync state; the ids
whose value changed are noted there too (`SyncState.changed`), so papers that name them get new cards. A meeting's
invitation, protocols and attachments are reachable only through the meeting (OParl 1.0 has no file list;
1.1's optional `Body.file` list is not needed for them) and are mirrored under `dokumente/sitzungen/<meeting>/`
with the meeting's name, date and page as metadata, incremental like a paper's files.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from typing import Any

from ingest.http_fetch import Fetcher, FetchError
from ingest.oparl_files import FileMirror, SyncReport, embed_files, walk_list, where
from ingest.oparl_model import (
    MEETING_FILES,
    MalformedObjectError,
    key_of,
    meeting_file_metadata,
    parse_meeting,
    parse_meeting_files,
    parse_organization,
)
from ingest.oparl_state import SyncState

MEETINGS_DIR = "sitzungen"
_SINGLE_FILES = tuple(key for key, _ in MEETING_FILES if key != "auxiliaryFile")


class MeetingSync:
    def __init__(self, fetcher: Fetcher, mirror: FileMirror, report: SyncReport, body_name: str) -> None:
        self.fetcher, self.mirror, self.report, self.body_name = fetcher, mirror, report, body_name
        self.complete = True  # both lists read to their end
        self._failed: set[str] = set()  # meetings whose files failed: fetched again by id next run

    def sync(self, body: Mapping[str, Any], params: dict[str, str] | None, state: SyncState) -> None:
        for page, obj in self._each(body, "organization", params):
            try:
                org_id, name = parse_organization(obj)
            except MalformedObjectError as exc:
                self._fail(where(page, obj), exc)
                continue
            if obj.get("deleted") is True:
                name = None
            if state.organizations.get(org_id) != name:
                _mark_changed(state, org_id)
            if name is None:
                state.organizations.pop(org_id, None)
            else:
                state.organizations[org_id] = name
        seen: set[str] = set()
        for page, obj in self._each(body, "meeting", params):
            self._meeting(page, obj, state, seen)
        self._retry(state, seen)
        if self.complete and params is None:  # a full listing: meetings it no longer names are gone
            for gone in set(state.meeting_files) - seen - self._failed:
                self._remove(state, gone)
        state.retry_meetings = sorted(self._failed)

    def _each(self, body: Mapping[str, Any], key: str, params: dict[str, str] | None) -> Iterator[tuple[str, Any]]:
        if not isinstance(body.get(key), str):
            return
        try:
            yield from walk_list(self.fetcher, body[key], params)
        except FetchError as exc:
            self._fail(body[key], exc)
            self.complete = False

    def _retry(self, state: SyncState, seen: set[str]) -> None:
        """Meetings whose files failed last time, perhaps unchanged since (so not listed again)."""
        for meeting_id in [m for m in state.retry_meetings if m not in seen]:
            try:
                self._meeting(meeting_id, self.fetcher.get_json(meeting_id), state, seen)
            except FetchError as exc:
                if exc.status in {404, 410}:
                    self._remove(state, meeting_id)
                    continue
                self._fail(meeting_id, exc)
                self._failed.add(meeting_id)

    def _meeting(self, page: str, obj: Any, state: SyncState, seen: set[str]) -> None:
        try:
            meeting = parse_meeting(obj)
        except MalformedObjectError as exc:
            self._fail(where(page, obj), exc)
            return
        seen.add(meeting.id)
        if obj.get("deleted") is True:
            if state.meetings.pop(meeting.id, None) is not None:
                _mark_changed(state, meeting.id)
            self._remove(state, meeting.id)
            return
        if state.meetings.get(meeting.id) != [meeting.name, meeting.start]:
            _mark_changed(state, meeting.id)
            state.meetings[meeting.id] = [meeting.name, meeting.start]
        try:  # a bad file leaves the meeting's name and date in use for the paper cards
            files = parse_meeting_files(embed_files(self.fetcher, obj, _SINGLE_FILES))
        except (MalformedObjectError, FetchError) as exc:
            self._fail(meeting.id, exc)
            self._failed.add(meeting.id)
            return
        known = state.meeting_files.get(meeting.id, {}).get("files", {})
        if not files and not known:
            return
        self.report.meetings += 1
        key = key_of(meeting.id)
        result = self.mirror.mirror(
            [file for _, file in files], self.mirror.documents / MEETINGS_DIR / key, known,
            f"meeting:{meeting.modified}",
            lambda position, file: meeting_file_metadata(meeting, files[position][0], file, self.body_name))
        if not result.complete:
            self._failed.add(meeting.id)
        if result.kept:
            state.meeting_files[meeting.id] = {"key": key, "files": result.kept}
        else:  # its last file went (already removed by the mirror)
            state.meeting_files.pop(meeting.id, None)
            self._drop_folder(meeting.id)
        state.save()

    def _remove(self, state: SyncState, meeting_id: str) -> None:
        """The meeting's files go; the ingest that follows takes them out of the index."""
        entry = state.meeting_files.pop(meeting_id, None)
        for file_entry in (entry or {}).get("files", {}).values():
            self.mirror.remove(file_entry)
        self._drop_folder(meeting_id)

    def _drop_folder(self, meeting_id: str) -> None:
        folder = self.mirror.documents / MEETINGS_DIR / key_of(meeting_id)
        if folder.is_dir():
            shutil.rmtree(folder)

    def _fail(self, what: str, exc: Exception) -> None:
        self.report.errors.append((what, str(exc)))


def _mark_changed(state: SyncState, object_id: str) -> None:
    if object_id not in state.changed:
        state.changed.append(object_id)
