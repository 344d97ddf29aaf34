"""The files of one OParl object (a paper's or a meeting's) mirrored into one folder, and the sync's report.

Each file's version (`modified`/checksum/size) is kept in the sync state: an unchanged file is never fetched
again, a changed one replaces the old copy, one the object no longer names is removed with its sidecar.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ingest.http_fetch import Fetcher, FetchError
from ingest.loaders import supported_suffixes
from ingest.oparl_model import OParlFile, file_suffix, key_of
from ingest.oparl_state import write_if_changed
from ingest.sidecar import sidecar_path


@dataclass
class SyncReport:
    folders: list[Path] = field(default_factory=list)
    papers: int = 0  # papers listed (new or changed since the last run)
    papers_deleted: int = 0
    papers_refreshed: int = 0  # unchanged papers carded anew (an originator's name or a meeting changed)
    meetings: int = 0  # meetings with files listed
    downloaded: int = 0
    unchanged_files: int = 0
    files_deleted: int = 0
    bytes: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (object URL or list entry, message)
    notices: list[str] = field(default_factory=list)


def walk_list(fetcher: Fetcher, list_url: str, params: dict[str, str] | None = None) -> Iterator[tuple[str, Any]]:
    """(page URL, object) over all pages of an OParl list; a page that fails raises `FetchError`."""
    page: str | None = list_url
    while page:
        data = fetcher.get_json(page, params)
        if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
            raise FetchError(page, "keine OParl-Liste (Feld „data“ fehlt) / not an OParl list")
        for obj in data["data"]:
            yield page, obj
        links = data.get("links") if isinstance(data.get("links"), Mapping) else {}
        following = links.get("next") if links else None
        page, params = (following if isinstance(following, str) and following != page else None), None


def where(page: str, obj: Any) -> str:
    """The object's id, or where in which list page it stands (for error messages)."""
    if isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
        return obj["id"]
    return f"{page} (Eintrag ohne gültige id)"


def embed_files(fetcher: Fetcher, obj: Any, single: Sequence[str], lists: Sequence[str] = ("auxiliaryFile",)) -> Any:
    """Some servers name files by URL instead of embedding them: `obj` with those fetched."""
    if not isinstance(obj, Mapping):
        return obj
    fixed = dict(obj)
    for key in single:
        if isinstance(fixed.get(key), str):
            fixed[key] = fetcher.get_json(fixed[key])
    for key in lists:
        if isinstance(fixed.get(key), list):
            fixed[key] = [fetcher.get_json(f) if isinstance(f, str) else f for f in fixed[key]]
    return fixed


@dataclass
class Mirrored:
    kept: dict[str, Any]  # file id -> {"version", "path"} for the state
    names: list[str]  # display names of the files, in order (unsupported ones included)
    complete: bool  # every file is there in its current version


class FileMirror:
    def __init__(self, fetcher: Fetcher, documents: Path, report: SyncReport, show_progress: bool = False) -> None:
        self.fetcher, self.documents, self.report = fetcher, documents, report
        self.show_progress = show_progress
        self.supported = supported_suffixes()

    def mirror(self, files: Sequence[OParlFile], folder: Path, known: Mapping[str, Any], fallback_version: str,
               metadata: Callable[[int, OParlFile], dict[str, str]]) -> Mirrored:
        """`files` into `folder` with a sidecar each (`metadata(position, file)`); files `known` from the last
        run but no longer named are removed. A failed download keeps the old copy for the next run."""
        folder.mkdir(parents=True, exist_ok=True)
        result = Mirrored({}, [], True)
        for position, file in enumerate(files):
            if file.deleted:
                continue
            suffix = file_suffix(file, self.supported)
            if suffix is None:
                self.report.notices.append(f"{file.id}: Dateityp {file.mime_type or '?'} nicht unterstützt, "
                                           "nicht aufgenommen (eine Vorlagenkarte nennt sie)")
                result.names.append(file.name or file.file_name)
                continue
            target = folder / f"{key_of(file.id)}{suffix}"
            # a server without modified/checksum/size: the file counts as changed whenever its object does
            version = file.version if file.version != "||None" else fallback_version
            previous = known.get(file.id)
            if previous and previous.get("version") == version and target.is_file():
                self.report.unchanged_files += 1
            elif not self._download(file, target):
                result.complete = False
                if previous and target.is_file():
                    result.kept[file.id] = previous
                continue
            result.kept[file.id] = {"version": version, "path": target.relative_to(self.documents).as_posix()}
            result.names.append(file.name or file.file_name or target.name)
            write_if_changed(sidecar_path(target), json.dumps(metadata(position, file), ensure_ascii=False,
                                                              indent=1))
        for file_id, entry in known.items():
            if file_id not in result.kept:
                self.remove(entry)
        return result

    def remove(self, entry: Mapping[str, Any]) -> None:
        path = self.documents / entry["path"]
        path.unlink(missing_ok=True)
        sidecar_path(path).unlink(missing_ok=True)
        self.report.files_deleted += 1

    def _download(self, file: OParlFile, target: Path) -> bool:
        try:
            with tqdm(total=file.size, desc=f"  {target.name[-30:]}", unit="B", unit_scale=True, leave=False,
                      disable=not self.show_progress) as bar:
                self.report.bytes += self.fetcher.download(file.url, target, progress=bar.update)
        except FetchError as exc:
            self.report.errors.append((file.id, str(exc)))
            return False
        self.report.downloaded += 1
        return True
