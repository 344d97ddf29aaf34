"""An excerpt of the 22 laws for the test session: the sections the question sets ask about, their
neighbours and each law's opening, about a fifth of the text.

Why: embedding all 22 laws takes a quarter of an hour on two cores, most of `make test` on a clean clone.
The neighbours stay in as the hardest distractors (same law, same topic); the benchmark
(`python -m eval.suite`) measures on the whole laws.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

HEADING = re.compile(r"^#{1,6} ")
SECTION = re.compile(r"^#{1,6} (§|Art\.?)\s*(\d+[a-z]?)\b")


def section_label(line: str) -> str | None:
    """'§ 17' or 'Art 28' for a section heading line (the labels the question sets use), else None."""
    match = SECTION.match(line)
    if not match:
        return None
    return f"{'§' if match.group(1) == '§' else 'Art'} {match.group(2)}"


def excerpt(text: str, keep: set[str], window: int = 1, lead: int = 2) -> str:
    """The law `text` with the sections in `keep`, `window` sections either side of each and the first
    `lead` sections; everything before the first section and every structural heading stay, so titles and
    heading paths read as in the whole law."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        if HEADING.match(line):
            blocks.append((section_label(line) or "", [line]))
        else:
            blocks[-1][1].append(line)
    sections = [i for i, (label, _) in enumerate(blocks) if label]
    wanted = set(sections[:lead])
    for rank, i in enumerate(sections):
        if blocks[i][0] in keep:
            wanted.update(sections[max(0, rank - window):rank + window + 1])
    opening = sections[0] if sections else len(blocks)
    out: list[str] = []
    for i, (label, lines) in enumerate(blocks):
        if i < opening or i in wanted:
            out.extend(lines)
        elif label == "":
            out.append(lines[0])  # a structural heading without its text
    return "\n".join(out) + "\n"


def gold_sections(question_files: Iterable[Path]) -> dict[str, set[str]]:
    """Law file name -> the section labels any question of these files names as gold."""
    gold: dict[str, set[str]] = {}
    for path in question_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for item in json.loads(line).get("gold") or []:
                    gold.setdefault(item["doc"], set()).add(item["section"])
    return gold


def write_excerpt(laws: Path, target: Path, keep: dict[str, set[str]]) -> Path:
    """Every law of `laws` as its excerpt in `target` (same file names)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(laws.glob("*.md")):
        text = excerpt(path.read_text(encoding="utf-8"), keep.get(path.name, set()))
        (target / path.name).write_text(text, encoding="utf-8")
    return target
