"""Question sets (JSONL, one object per line), checked on load with errors that name file, line and field.

    {"id": "...", "question": "...", "gold": [{"doc": "bmg.md", "section": "§ 17"}], "answer": "...",
     "evidence": "...", "type": "fact|procedure|definition|multi|unanswerable", "department": "..."}

`doc` is relative to the corpus root; `section` or `page` narrows it; `gold: []` is unanswerable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TYPES = ("fact", "procedure", "definition", "multi", "unanswerable")


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message says where and what to fix."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: list[dict[str, Any]]
    type: str
    answer: str = ""
    evidence: str = ""
    department: str | None = None
    source_file: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def parse_question(data: Any, where: str) -> Question:
    if not isinstance(data, dict):
        raise QuestionFileError(f"{where}: jede Zeile muss ein JSON-Objekt sein")
    for key in ("id", "question"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise QuestionFileError(f"{where}: Feld '{key}' fehlt oder ist leer")
    gold = data.get("gold")
    if not isinstance(gold, list):
        raise QuestionFileError(f"{where}: Feld 'gold' muss eine Liste sein ([] = nicht beantwortbar)")
    for n, entry in enumerate(gold):
        if not isinstance(entry, dict) or not isinstance(entry.get("doc"), str) or not entry["doc"]:
            raise QuestionFileError(f"{where}: gold[{n}] braucht 'doc' (Pfad relativ zum Korpus)")
        if "page" in entry and not (isinstance(entry["page"], int) and entry["page"] >= 1):
            raise QuestionFileError(f"{where}: gold[{n}].page muss eine Seitenzahl ab 1 sein")
        if "section" in entry and not isinstance(entry["section"], str):
            raise QuestionFileError(f"{where}: gold[{n}].section muss Text sein, z. B. \"§ 17\"")
    kind = data.get("type") or ("unanswerable" if not gold else "fact")
    if kind not in TYPES:
        raise QuestionFileError(f"{where}: unbekannter type {kind!r}; erlaubt: {', '.join(TYPES)}")
    if (kind == "unanswerable") != (not gold):
        raise QuestionFileError(f"{where}: type 'unanswerable' genau dann, wenn gold leer ist")
    known = {"id", "question", "gold", "answer", "evidence", "type", "department"}
    return Question(
        id=data["id"], question=data["question"].strip(), gold=gold, type=kind,
        answer=str(data.get("answer") or ""), evidence=str(data.get("evidence") or ""),
        department=data.get("department") or None, source_file=where.rsplit(":", 1)[0],
        extra={k: v for k, v in data.items() if k not in known},
    )


def load_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise QuestionFileError(f"Fragendatei nicht gefunden / question file not found: {path}")
    questions: list[Question] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where}: kein gültiges JSON ({exc.msg})") from exc
        question = parse_question(data, where)
        if question.id in seen:
            raise QuestionFileError(f"{where}: id {question.id!r} kommt doppelt vor")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path}: keine Fragen gefunden")
    return questions
