"""Plain-language rewriting that works without a language model (pure).

What it can do: cut long sentences at semicolons and at clause boundaries, drop legal cross-references
in brackets, and keep every citation marker with its sentence. What it cannot do without an LLM:
replace technical terms or restructure the content; the UI says so.
"""

from __future__ import annotations

import re

_BRACKET_REF = re.compile(r"\s*\((?:§|Art\.?|Abs\.|vgl\.|siehe)[^)]*\)")
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:und|oder|aber|sofern|soweit|wenn|wobei|jedoch)\s)")
_PARAGRAPH_NO = re.compile(r"^\(\d+[a-z]?\)\s*")
MAX_WORDS = 18


def simplify_sentence(sentence: str) -> list[str]:
    """One long sentence -> several short ones; each ends with a full stop."""
    sentence = _PARAGRAPH_NO.sub("", _BRACKET_REF.sub("", sentence)).strip()
    if len(sentence.split()) <= MAX_WORDS:
        return [sentence]
    parts = [p.strip(" ,;") for p in _CLAUSE_BREAK.split(sentence) if p.strip(" ,;")]
    out = []
    for part in parts:
        part = part[0].upper() + part[1:]
        out.append(part if part.endswith((".", "!", "?")) else part + ".")
    return out
