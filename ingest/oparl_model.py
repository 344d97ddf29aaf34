"""OParl 1.0/1.1 objects as small records, and what Auskunft writes for them (pure: no I/O).

A paper becomes a Markdown "paper card" (its metadata as front matter and as German text, so a paper is
found by number and name even without files) and each of its files gets a sidecar (`<file>.meta.json`)
carrying the same metadata onto the file's chunks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MIME_SUFFIX = {"application/pdf": ".pdf", "text/html": ".html", "text/plain": ".txt", "text/markdown": ".md",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}


class MalformedObjectError(ValueError):
    """An OParl object that cannot be read (not an object, no id, wrong field types)."""


@dataclass(frozen=True)
class OParlFile:
    id: str
    name: str
    file_name: str
    mime_type: str
    url: str  # downloadUrl if given, else accessUrl
    modified: str = ""
    sha512: str = ""
    size: int | None = None
    deleted: bool = False

    @property
    def version(self) -> str:
        """Changes when the server says the file changed; equal versions are not downloaded again."""
        return f"{self.modified}|{self.sha512}|{self.size}"


@dataclass(frozen=True)
class Consultation:
    meeting: str  # Meeting URL, may be ""
    role: str
    organizations: tuple[str, ...]


@dataclass(frozen=True)
class Paper:
    id: str
    name: str
    reference: str = ""
    paper_type: str = ""
    date: str = ""
    web: str = ""
    modified: str = ""
    deleted: bool = False
    originators: tuple[str, ...] = ()  # Organization URLs
    files: tuple[OParlFile, ...] = ()
    consultations: tuple[Consultation, ...] = ()
    has_main: bool = False  # files[0] is the mainFile

    @property
    def label(self) -> str:
        """'Vorlage 20-26 / V 02318: Name' (or just the name): the title users and citations read."""
        return f"Vorlage {self.reference}: {self.name}" if self.reference else self.name


@dataclass(frozen=True)
class Meeting:
    id: str
    name: str
    start: str  # ISO date, may be ""
    web: str = ""
    modified: str = ""


# a meeting's own files (OParl 1.0/1.1 Meeting), with the document type their chunks carry
MEETING_FILES = (("invitation", "Einladung"), ("resultsProtocol", "Ergebnisprotokoll"),
                 ("verbatimProtocol", "Wortprotokoll"), ("auxiliaryFile", "Anlage zur Sitzung"))


def kind(obj: Mapping[str, Any]) -> str:
    """'https://schema.oparl.org/1.1/Paper' -> 'Paper'."""
    return str(obj.get("type", "")).rstrip("/").rsplit("/", 1)[-1]


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise MalformedObjectError(f"Feld „{key}“ ist kein Text / field {key!r} is not a string")
    return " ".join(str(value).split())  # one line: values go into front matter


def _urls(obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = obj.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise MalformedObjectError(f"Feld „{key}“ ist keine Liste / field {key!r} is not a list")
    return tuple(v if isinstance(v, str) else _text(v, "id") for v in value if v)


def _require_object(obj: Any) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise MalformedObjectError(f"kein JSON-Objekt, sondern {type(obj).__name__} / not an object")
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        raise MalformedObjectError("Objekt ohne „id“ / object without id")
    return obj


def parse_file(obj: Any) -> OParlFile:
    obj = _require_object(obj)
    url = _text(obj, "downloadUrl") or _text(obj, "accessUrl")
    if not url and not obj.get("deleted"):
        raise MalformedObjectError("Datei ohne accessUrl / file without accessUrl")
    size = obj.get("size")
    return OParlFile(id=obj["id"], name=_text(obj, "name"), file_name=_text(obj, "fileName"),
                     mime_type=_text(obj, "mimeType").lower(), url=url, modified=_text(obj, "modified"),
                     sha512=_text(obj, "sha512Checksum") or _text(obj, "sha1Checksum"),
                     size=size if isinstance(size, int) else None, deleted=obj.get("deleted") is True)


def parse_paper(obj: Any) -> Paper:
    """A Paper with its embedded files; raises `MalformedObjectError` naming the bad field."""
    obj = _require_object(obj)
    if obj.get("deleted") is True:
        return Paper(id=obj["id"], name=_text(obj, "name"), modified=_text(obj, "modified"), deleted=True)
    main = obj.get("mainFile")
    aux = obj.get("auxiliaryFile") or []
    if not isinstance(aux, list):
        raise MalformedObjectError("Feld „auxiliaryFile“ ist keine Liste / auxiliaryFile is not a list")
    files = tuple(parse_file(f) for f in ([main] if main else []) + aux)
    consultations = []
    for raw in obj.get("consultation") or []:
        if isinstance(raw, Mapping):
            consultations.append(Consultation(_text(raw, "meeting"), _text(raw, "role"),
                                              _urls(raw, "organization")))
    return Paper(
        id=obj["id"], name=_text(obj, "name") or _text(obj, "reference") or obj["id"],
        reference=_text(obj, "reference"), paper_type=_text(obj, "paperType"), date=_text(obj, "date")[:10],
        web=_text(obj, "web"), modified=_text(obj, "modified"),
        originators=_urls(obj, "originatorOrganization") + _urls(obj, "underDirectionOf"),
        files=files, consultations=tuple(consultations), has_main=bool(main),
    )


def parse_meeting(obj: Any) -> Meeting:
    obj = _require_object(obj)
    return Meeting(obj["id"], _text(obj, "name"), _text(obj, "start")[:10], _text(obj, "web"),
                   _text(obj, "modified"))


def parse_meeting_files(obj: Mapping[str, Any]) -> list[tuple[str, OParlFile]]:
    """(document type, file) for the meeting's invitation, protocols and attachments, in this order."""
    found = []
    for key, role in MEETING_FILES:
        value = obj.get(key)
        if not value:
            continue
        if key == "auxiliaryFile" and not isinstance(value, list):
            raise MalformedObjectError("Feld „auxiliaryFile“ ist keine Liste / auxiliaryFile is not a list")
        found += [(role, parse_file(item)) for item in (value if isinstance(value, list) else [value])]
    return found


def parse_organization(obj: Any) -> tuple[str, str]:
    obj = _require_object(obj)
    return obj["id"], _text(obj, "name") or _text(obj, "shortName")


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug(text: str, limit: int = 40) -> str:
    """'Stadt München' -> 'stadt-muenchen' (folder names stay ASCII)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_UMLAUTS)).strip("-")[:limit].strip("-") or "x"


def key_of(object_id: str) -> str:
    """A stable folder/file name for an OParl id: readable tail plus a hash (ids are unique, tails are not)."""
    tail = urlsplit(object_id).path.rstrip("/").rsplit("/", 1)[-1]
    return f"{slug(tail, 30)}-{hashlib.sha1(object_id.encode()).hexdigest()[:8]}"


def file_suffix(file: OParlFile, supported: frozenset[str]) -> str | None:
    """The suffix the loaders know this file by (file name, then MIME type); None if none fits."""
    for name in (file.file_name, urlsplit(file.url).path):
        dot = name.rfind(".")
        if dot > 0 and name[dot:].lower() in supported:
            return name[dot:].lower()
    suffix = MIME_SUFFIX.get(file.mime_type.split(";")[0].strip())
    return suffix if suffix in supported else None


def german_date(iso: str) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso[:10])
    return f"{match[3]}.{match[2]}.{match[1]}" if match else iso


def paper_metadata(paper: Paper, body_name: str, organizations: Mapping[str, str],
                   meetings: Mapping[str, Meeting]) -> dict[str, str]:
    """The document keys (core.records.document_fields) every chunk of the paper's card and files carries."""
    meta = {
        "title": paper.label, "drucksache": paper.reference, "doc_type": paper.paper_type, "date": paper.date,
        "issuer": "; ".join(organizations.get(o, "") for o in paper.originators if organizations.get(o)),
        "url": paper.web, "koerperschaft": body_name,
        "beratungen": "; ".join(consultation_lines(paper, meetings)),
        "oparl_id": paper.id,
    }
    return {k: v for k, v in meta.items() if v}


def consultation_lines(paper: Paper, meetings: Mapping[str, Meeting]) -> list[str]:
    lines = []
    for item in paper.consultations:
        meeting = meetings.get(item.meeting)
        if meeting is None:
            continue
        when = german_date(meeting.start) if meeting.start else "ohne Datum"
        lines.append(f"{when} {meeting.name}" + (f" ({item.role})" if item.role else ""))
    return lines


def paper_card(paper: Paper, meta: Mapping[str, str], file_names: list[str], meetings: Mapping[str, Meeting]) -> str:
    """The paper as a small Markdown document: front matter (the same keys as the sidecars) and German text."""
    keys = ("title", "drucksache", "doc_type", "date", "issuer", "url")
    front = "\n".join(f"{k}: {meta[k]}" for k in keys if meta.get(k))
    facts = [f"{paper.label}."]
    facts += [f"Art: {paper.paper_type}."] if paper.paper_type else []
    facts += [f"Von: {meta['issuer']}."] if meta.get("issuer") else []
    facts += [f"Datum: {german_date(paper.date)}."] if paper.date else []
    facts += [f"Körperschaft: {meta['koerperschaft']}."] if meta.get("koerperschaft") else []
    lines = ["---", front, "---", f"# {paper.label}", "", " ".join(facts), ""]
    # one section, so the card stays one passage: number, name and facts are found together
    beratungen = consultation_lines(paper, meetings)
    if beratungen:
        lines += [f"Beratungen: {'; '.join(beratungen)}.", ""]
    lines += [f"Dateien: {', '.join(file_names) or 'noch keine Dateien veröffentlicht'}.", ""]
    if paper.web:
        lines += [f"Im Ratsinformationssystem: {paper.web}", ""]
    return "\n".join(lines)


def meeting_file_metadata(meeting: Meeting, role: str, file: OParlFile, body_name: str) -> dict[str, str]:
    """The sidecar of a meeting's file: titled 'Sitzung des Bauausschusses am 04.02.2021 – Einladung', linked
    to the meeting's page in the council system."""
    when = f" am {german_date(meeting.start)}" if meeting.start else ""
    what = f"{role}: {file.name or file.file_name}" if role == MEETING_FILES[-1][1] else role
    meta = {"title": f"{meeting.name or 'Sitzung'}{when} – {what}", "doc_type": role, "date": meeting.start,
            "url": meeting.web, "koerperschaft": body_name, "sitzung": meeting.name, "oparl_id": meeting.id,
            "oparl_file": file.id}
    return {k: v for k, v in meta.items() if v}


def file_metadata(paper_meta: Mapping[str, str], file: OParlFile, is_main: bool) -> dict[str, str]:
    """The sidecar of one file: the paper's keys, titled after the paper (attachments named)."""
    meta = dict(paper_meta)
    if not is_main:
        meta["title"] = f"{paper_meta.get('title', '')} – Anlage: {file.name or file.file_name}".strip(" –")
    meta["oparl_file"] = file.id
    return meta
