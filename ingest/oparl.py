"""OParl connector: mirror a council information system's papers and meetings into a folder the normal ingest reads.

`OParlSync(fetcher, data_dir / "oparl").sync(url)` walks System -> Body -> organization, meeting and paper
lists (following `links.next`), writes per paper a Markdown card and its files with `.meta.json` sidecars
under `<data_dir>/oparl/<body>/dokumente/<paper>/` (a meeting's own files under `…/dokumente/sitzungen/`,
see `oparl_meetings`), and deletes what the server marks deleted. The caller then runs the `Ingestor` over
`folders`, which adds, updates and removes exactly what changed there.

The sync state (`<data_dir>/oparl/<body>/state.json`, rewritten atomically after each paper) holds the
last complete run for `modified_since` and each file's OParl version: an unchanged file is never fetched
again, and an interrupted run resumes where it stopped (paths derive from OParl ids, so nothing doubles).
A paper is listed again only when it changed itself; one whose originator was renamed or whose meeting
moved is fetched by id and carded anew (its unchanged files stay).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ingest.http_fetch import Fetcher, FetchError
from ingest.oparl_files import FileMirror, SyncReport, embed_files, walk_list, where
from ingest.oparl_meetings import MeetingSync
from ingest.oparl_model import (
    MalformedObjectError,
    Meeting,
    Paper,
    file_metadata,
    key_of,
    kind,
    paper_card,
    paper_metadata,
    parse_paper,
    slug,
)
from ingest.oparl_state import SyncState, write_if_changed

__all__ = ["OParlSync", "SyncReport"]

CARD = "vorlage.md"
# modified_since is compared with the server's clock: ask a little further back than our own start time
CLOCK_MARGIN = timedelta(minutes=10)


class OParlSync:
    def __init__(self, fetcher: Fetcher, root: Path, since: str | None = None, max_papers: int | None = None,
                 show_progress: bool = False) -> None:
        self.fetcher, self.root, self.since, self.max_papers = fetcher, root, since, max_papers
        self.show_progress = show_progress
        self.report = SyncReport()
        self._body_name = ""
        self._files = FileMirror(fetcher, root, self.report)  # replaced per body (its own folder)
        self._failed: set[str] = set()  # paper ids to fetch again next run

    def sync(self, url: str) -> SyncReport:
        """Mirror every body of the System (or the one Body) at `url`; a bad start URL raises `FetchError`."""
        start = self.fetcher.get_json(url)
        if not isinstance(start, Mapping) or kind(start) not in {"System", "Body"}:
            raise FetchError(url, "kein OParl-System oder -Body (Feld „type“) / not an OParl System or Body")
        if kind(start) == "Body":
            bodies: list[Any] = [start]
        else:
            bodies = [obj for _, obj in walk_list(self.fetcher, str(start.get("body", "")))]
        for body in bodies:
            try:
                self._sync_body(body)
            except (FetchError, MalformedObjectError) as exc:
                self._fail(body.get("id", url) if isinstance(body, Mapping) else url, exc)
        return self.report

    def _fail(self, what: str, exc: Exception) -> None:
        self.report.errors.append((what, str(exc)))

    def _sync_body(self, body: Any) -> None:
        if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
            raise MalformedObjectError("Body ohne „id“ / body without id")
        folder = self.root / slug(str(body.get("shortName") or body.get("name") or key_of(body["id"])))
        documents = folder / "dokumente"
        self._body_name = str(body.get("name") or body.get("shortName") or "")
        documents.mkdir(parents=True, exist_ok=True)
        self.report.folders.append(documents)
        self._files = FileMirror(self.fetcher, documents, self.report, self.show_progress)
        state = SyncState.load(folder / "state.json")
        started = datetime.now(UTC) - CLOCK_MARGIN
        since = self.since or state.last_sync
        params = {"modified_since": since} if since else None
        names = MeetingSync(self.fetcher, self._files, self.report, self._body_name)
        names.sync(body, params, state)
        retry, self._failed = state.retry, set()
        seen, complete = self._sync_papers(body, params, state, documents)
        for paper_id in [p for p in retry if p not in seen]:  # failed last time, perhaps unchanged since
            self._refetch(paper_id, state, documents, seen)
        for paper_id in self._citing(state, set(state.changed), seen):
            self._refetch(paper_id, state, documents, seen, refresh=True)  # a failure is retried by id
        state.changed = []
        if complete and since is None:  # a full listing: what it no longer names is gone on the server
            for gone in set(state.papers) - seen - self._failed:  # a paper that failed to parse is not gone
                self._remove_paper(state, documents, gone)
        state.retry = sorted(self._failed)
        if complete and names.complete:  # else the next run lists again from the old time
            state.last_sync = started.isoformat(timespec="seconds")
        state.save()

    @staticmethod
    def _citing(state: SyncState, changed: set[str], seen: set[str]) -> list[str]:
        """Papers not listed this run whose card names an organization or meeting that changed: their card
        (and the sidecars) must be written anew, though the paper itself did not change."""
        if not changed:
            return []
        return [paper_id for paper_id, entry in state.papers.items()
                if paper_id not in seen and changed.intersection(entry.get("refs", ()))]

    def _refetch(self, paper_id: str, state: SyncState, documents: Path, seen: set[str],
                 refresh: bool = False) -> None:
        try:
            self._handle(paper_id, self.fetcher.get_json(paper_id), state, documents, seen, refresh)
        except FetchError as exc:
            if exc.status in {404, 410}:  # gone on the server since we last saw it
                self._remove_paper(state, documents, paper_id)
                return
            self._fail(paper_id, exc)
            self._failed.add(paper_id)

    def _sync_papers(self, body: Mapping[str, Any], params: dict[str, str] | None, state: SyncState,
                     documents: Path) -> tuple[set[str], bool]:
        """Every listed paper into the folder; (ids seen, whether the listing was complete)."""
        seen: set[str] = set()
        if not isinstance(body.get("paper"), str):
            return seen, False
        bar = tqdm(desc="Vorlagen", unit="Vorlage", disable=not self.show_progress)
        try:
            for page, obj in walk_list(self.fetcher, body["paper"], params):
                if self.max_papers is not None and len(seen) >= self.max_papers:
                    return seen, False
                bar.update()
                self._handle(page, obj, state, documents, seen)
        except FetchError as exc:
            self._fail(body["paper"], exc)
            return seen, False
        finally:
            bar.close()
        return seen, True

    def _handle(self, page: str, obj: Any, state: SyncState, documents: Path, seen: set[str],
                refresh: bool = False) -> None:
        """One listed (or re-fetched) paper into the folder, or out of it; a failure is reported and the
        paper retried by its id in the next run."""
        try:
            paper = parse_paper(embed_files(self.fetcher, obj, ("mainFile",)))
        except (MalformedObjectError, FetchError) as exc:
            self._fail(where(page, obj), exc)
            if isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
                self._failed.add(obj["id"])
            return
        seen.add(paper.id)
        if refresh:
            self.report.papers_refreshed += 1
        else:
            self.report.papers += 1
        if paper.deleted:
            self._remove_paper(state, documents, paper.id)
        else:
            self._store_paper(paper, state, documents)
        state.save()  # per paper: an interrupted sync resumes from here

    def _store_paper(self, paper: Paper, state: SyncState, documents: Path) -> None:
        key = key_of(paper.id)
        known: dict[str, Any] = state.papers.get(paper.id, {}).get("files", {})
        meetings = {k: Meeting(k, *v) for k, v in state.meetings.items()}
        meta = paper_metadata(paper, self._body_name, state.organizations, meetings)
        result = self._files.mirror(paper.files, documents / key, known, f"paper:{paper.modified}",
                                    lambda position, file: file_metadata(meta, file, position == 0 and paper.has_main))
        if not result.complete:
            self._failed.add(paper.id)
        write_if_changed(documents / key / CARD, paper_card(paper, meta, result.names, meetings))
        refs = sorted(set(paper.originators) | {c.meeting for c in paper.consultations if c.meeting})
        state.papers[paper.id] = {"key": key, "modified": paper.modified, "files": result.kept, "refs": refs}

    def _remove_paper(self, state: SyncState, documents: Path, paper_id: str) -> None:
        """The paper's folder goes; the ingest that follows takes its card and files out of the index."""
        state.papers.pop(paper_id, None)
        folder = documents / key_of(paper_id)
        if folder.is_dir():
            shutil.rmtree(folder)
            self.report.papers_deleted += 1
