"""German sentence splitting, shared by chunking (ingest) and answer extraction (bot); pure."""

from __future__ import annotations

import re

# German abbreviations after which a period does not end the sentence.
_ABBREVIATIONS = {
    "abs", "nr", "art", "s", "z", "b", "bzw", "ggf", "vgl", "ca", "dr", "str", "tel", "u", "a", "d", "h",
    "i", "v", "m", "gem", "inkl", "evtl", "max", "min", "mind", "ziff", "buchst", "lit", "bzgl", "zzgl",
    "hr", "fr", "prof", "nrn", "st", "std", "mio", "mrd", "jan", "feb", "febr", "aug", "sept", "okt",
    "nov", "dez", "zb", "ua", "dh", "sog", "usf", "e", "g", "k", "o", "f", "ff", "rn", "bl", "kap",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„\"(§])")
_LAST_WORD = re.compile(r"(\w+)\.$")



def split_sentences(text: str) -> list[str]:
    """Split German text into sentences; list items (lines) stay separate; abbreviations hold."""
    sentences: list[str] = []
    text = text.replace(" • ", "\n• ")  # PDF bullets that extraction ran into the previous line
    for line in text.split("\n"):
        pieces = _SENTENCE_END.split(line.strip())
        current = ""
        for piece in pieces:
            current = f"{current} {piece}" if current else piece
            match = _LAST_WORD.search(current)
            word = match.group(1) if match else ""
            if word and (word.lower() in _ABBREVIATIONS or (word.isdigit() and len(word) <= 2)):
                continue
            sentences.append(current)
            current = ""
        if current:
            sentences.append(current)
    return [s for s in sentences if s.strip()]
