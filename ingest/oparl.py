"""OParl connector: mirror a council information system's papers into a folder the normal ingest reads.

`OParlSync(fetcher, data_dir / "oparl").sync(url)` walks System -> Body -> organization, meeting and paper
lists (following `links.next`), writes per paper a Markdown card and its files with `.meta.json` sidecars
under `<data_dir>/oparl/<body>/dokumente/<paper>/`, and deletes what the server marks deleted. The caller
then runs the `Ingestor` over `folders`, which adds, updates and removes exactly what changed there.

The sync state (`<data_dir>/oparl/<body>/state.json`, rewritten atomically after each paper) holds the
last complete run for `modified_since` and each file's OParl version: an unchanged file is never fetched
again, and an interrupted run resumes where it stopped (paths derive from OParl ids, so nothing doubles).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ingest.http_fetch import Fetcher, FetchError
from ingest.loaders import supported_suffixes
from ingest.oparl_model import (
    MalformedObjectError,
    Meeting,
    OParlFile,
    Paper,
    file_metadata,
    file_suffix,
    key_of,
    kind,
    paper_card,
    paper_metadata,
    parse_meeting,
    parse_organization,
    parse_paper,
    slug,
)
from ingest.oparl_state import SyncState, write_if_changed
from ingest.sidecar import sidecar_path

CARD = "vorlage.md"
# modified_since is compared with the server's clock: ask a little further back than our own start time
CLOCK_MARGIN = timedelta(minutes=10)


@dataclass
class SyncReport:
    folders: list[Path] = field(default_factory=list)
    papers: int = 0  # papers listed (new or changed since the last run)
    papers_deleted: int = 0
    downloaded: int = 0
    unchanged_files: int = 0
    files_deleted: int = 0
    bytes: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (object URL or list entry, message)
    notices: list[str] = field(default_factory=list)


class OParlSync:
    def __init__(self, fetcher: Fetcher, root: Path, since: str | None = None, max_papers: int | None = None,
                 show_progress: bool = False) -> None:
        self.fetcher, self.root, self.since, self.max_papers = fetcher, root, since, max_papers
        self.show_progress = show_progress
        self.supported = supported_suffixes()
        self.report = SyncReport()
        self._body_name = ""
        self._failed: set[str] = set()  # paper ids to fetch again next run

    def sync(self, url: str) -> SyncReport:
        """Mirror every body of the System (or the one Body) at `url`; a bad start URL raises `FetchError`."""
        start = self.fetcher.get_json(url)
        if not isinstance(start, Mapping) or kind(start) not in {"System", "Body"}:
            raise FetchError(url, "kein OParl-System oder -Body (Feld „type“) / not an OParl System or Body")
        if kind(start) == "Body":
            bodies: list[Any] = [start]
        else:
            bodies = [obj for _, obj in self._walk(str(start.get("body", "")))]
        for body in bodies:
            try:
                self._sync_body(body)
            except (FetchError, MalformedObjectError) as exc:
                self._fail(body.get("id", url) if isinstance(body, Mapping) else url, exc)
        return self.report

    def _walk(self, list_url: str, params: dict[str, str] | None = None) -> Iterator[tuple[str, Any]]:
        """(page URL, object) over all pages of an OParl list; a page that fails raises `FetchError`."""
        page: str | None = list_url
        while page:
            data = self.fetcher.get_json(page, params)
            if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
                raise FetchError(page, "keine OParl-Liste (Feld „data“ fehlt) / not an OParl list")
            for obj in data["data"]:
                yield page, obj
            links = data.get("links") if isinstance(data.get("links"), Mapping) else {}
            following = links.get("next") if links else None
            page, params = (following if isinstance(following, str) and following != page else None), None

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
        state = SyncState.load(folder / "state.json")
        started = datetime.now(UTC) - CLOCK_MARGIN
        since = self.since or state.last_sync
        params = {"modified_since": since} if since else None
        names_ok = self._sync_names(body, params, state)
        retry, self._failed = state.retry, set()
        seen, complete = self._sync_papers(body, params, state, documents)
        for paper_id in [p for p in retry if p not in seen]:  # failed last time, perhaps unchanged since
            try:
                self._handle(paper_id, self.fetcher.get_json(paper_id), state, documents, seen)
            except FetchError as exc:
                if exc.status in {404, 410}:  # gone on the server since it failed
                    self._remove_paper(state, documents, paper_id)
                    continue
                self._fail(paper_id, exc)
                self._failed.add(paper_id)
        if complete and since is None:  # a full listing: what it no longer names is gone on the server
            for gone in set(state.papers) - seen - self._failed:  # a paper that failed to parse is not gone
                self._remove_paper(state, documents, gone)
        state.retry = sorted(self._failed)
        if complete and names_ok:  # else the next run lists again from the old time
            state.last_sync = started.isoformat(timespec="seconds")
        state.save()

    def _sync_names(self, body: Mapping[str, Any], params: dict[str, str] | None, state: SyncState) -> bool:
        """Organisation names (originators) and meeting dates (consultations), kept in the state; False if a
        list could not be read to its end."""
        complete = True
        for key, parse, target in (("organization", parse_organization, state.organizations),
                                   ("meeting", parse_meeting, state.meetings)):
            if not isinstance(body.get(key), str):
                continue
            try:
                for page, obj in self._walk(body[key], params):
                    try:
                        parsed = parse(obj)
                    except MalformedObjectError as exc:
                        self._fail(_where(page, obj), exc)
                        continue
                    if isinstance(obj, Mapping) and obj.get("deleted") is True:
                        target.pop(obj["id"], None)
                    elif isinstance(parsed, Meeting):
                        target[parsed.id] = [parsed.name, parsed.start]
                    else:
                        target[parsed[0]] = parsed[1]
            except FetchError as exc:
                self._fail(body[key], exc)
                complete = False
        return complete

    def _sync_papers(self, body: Mapping[str, Any], params: dict[str, str] | None, state: SyncState,
                     documents: Path) -> tuple[set[str], bool]:
        """Every listed paper into the folder; (ids seen, whether the listing was complete)."""
        seen: set[str] = set()
        if not isinstance(body.get("paper"), str):
            return seen, False
        bar = tqdm(desc="Vorlagen", unit="Vorlage", disable=not self.show_progress)
        try:
            for page, obj in self._walk(body["paper"], params):
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

    def _handle(self, page: str, obj: Any, state: SyncState, documents: Path, seen: set[str]) -> None:
        """One listed (or re-fetched) paper into the folder, or out of it; a failure is reported and the
        paper retried by its id in the next run."""
        try:
            paper = parse_paper(self._embedded_files(obj))
        except (MalformedObjectError, FetchError) as exc:
            self._fail(_where(page, obj), exc)
            if isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
                self._failed.add(obj["id"])
            return
        seen.add(paper.id)
        self.report.papers += 1
        if paper.deleted:
            self._remove_paper(state, documents, paper.id)
        else:
            self._store_paper(paper, state, documents)
        state.save()  # per paper: an interrupted sync resumes from here

    def _embedded_files(self, obj: Any) -> Any:
        """Some servers name files by URL instead of embedding them: fetch those."""
        if not isinstance(obj, Mapping):
            return obj
        fixed = dict(obj)
        if isinstance(fixed.get("mainFile"), str):
            fixed["mainFile"] = self.fetcher.get_json(fixed["mainFile"])
        if isinstance(fixed.get("auxiliaryFile"), list):
            fixed["auxiliaryFile"] = [self.fetcher.get_json(f) if isinstance(f, str) else f
                                      for f in fixed["auxiliaryFile"]]
        return fixed

    def _store_paper(self, paper: Paper, state: SyncState, documents: Path) -> None:
        key = key_of(paper.id)
        folder = documents / key
        folder.mkdir(exist_ok=True)
        known: dict[str, Any] = state.papers.get(paper.id, {}).get("files", {})
        meetings = {k: Meeting(k, *v) for k, v in state.meetings.items()}
        meta = paper_metadata(paper, self._body_name, state.organizations, meetings)
        kept: dict[str, Any] = {}
        names: list[str] = []
        for position, file in enumerate(paper.files):
            if file.deleted:
                continue
            suffix = file_suffix(file, self.supported)
            if suffix is None:
                self.report.notices.append(f"{file.id}: Dateityp {file.mime_type or '?'} nicht unterstützt, "
                                           "nur in der Vorlagenkarte genannt")
                names.append(file.name or file.file_name)
                continue
            target = folder / f"{key_of(file.id)}{suffix}"
            version = file.version if file.version != "||None" else f"paper:{paper.modified}"
            previous = known.get(file.id)
            if previous and previous.get("version") == version and target.is_file():
                self.report.unchanged_files += 1
            elif not self._download(file, target):
                self._failed.add(paper.id)
                if previous and target.is_file():
                    kept[file.id] = previous  # keep the old copy; the next run tries again
                continue
            kept[file.id] = {"version": version, "path": target.relative_to(documents).as_posix()}
            names.append(file.name or file.file_name or target.name)
            sidecar = json.dumps(file_metadata(meta, file, position == 0 and paper.has_main),
                                 ensure_ascii=False, indent=1)
            write_if_changed(sidecar_path(target), sidecar)
        for file_id, entry in known.items():
            if file_id not in kept:
                self._remove_file(documents / entry["path"])
        write_if_changed(folder / CARD, paper_card(paper, meta, names, meetings))
        state.papers[paper.id] = {"key": key, "modified": paper.modified, "files": kept}

    def _download(self, file: OParlFile, target: Path) -> bool:
        try:
            with tqdm(total=file.size, desc=f"  {target.name[-30:]}", unit="B", unit_scale=True, leave=False,
                      disable=not self.show_progress) as bar:
                self.report.bytes += self.fetcher.download(file.url, target, progress=bar.update)
        except FetchError as exc:
            self._fail(file.id, exc)
            return False
        self.report.downloaded += 1
        return True

    def _remove_file(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        sidecar_path(path).unlink(missing_ok=True)
        self.report.files_deleted += 1

    def _remove_paper(self, state: SyncState, documents: Path, paper_id: str) -> None:
        """The paper's folder goes; the ingest that follows takes its card and files out of the index."""
        state.papers.pop(paper_id, None)
        folder = documents / key_of(paper_id)
        if folder.is_dir():
            shutil.rmtree(folder)
            self.report.papers_deleted += 1


def _where(page: str, obj: Any) -> str:
    """The object's id, or where in which list page it stands."""
    if isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
        return obj["id"]
    return f"{page} (Eintrag ohne gültige id)"
