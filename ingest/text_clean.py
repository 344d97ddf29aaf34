"""Pure text clean-up for extracted document text (no I/O)."""

from __future__ import annotations

import math
import re
from collections import Counter

_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-zäöüß])")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_MANY_BLANKS = re.compile(r"\n{3,}")
_PAGE_NUMBER = re.compile(r"^\s*(seite\s*)?\d+(\s*(von|/)\s*\d+)?\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# how many lines at a page's top or bottom a running header or footer block may take
_EDGE_BLOCK = 15
_PAGE_WORD = re.compile(r"\b(seite|page|blatt|s\.)\s*\d", re.IGNORECASE)


def normalize_whitespace(text: str) -> str:
    """Unify spaces and line ends, drop soft hyphens and control characters, keep paragraph breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00ad", "").replace("\x00", "")
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip()


def join_hyphenated(text: str) -> str:
    """Rejoin words split at a line end ("Wohn-\\ngeld" -> "Wohngeld"); keep real hyphens ("Bau-\\nUnd")."""
    return _HYPHEN_BREAK.sub(r"\1", text)


def strip_repeated_lines(pages: list[str], min_share: float = 0.6) -> list[str]:
    """Remove running headers/footers: lines that recur at the top or bottom of most pages.

    Digits are masked when comparing, so "Seite 3 von 9" matches on every page. One of the first (last)
    three lines goes when it recurs among the first (last) three of most pages: the same edge, so a
    paragraph that runs from one page's foot onto the next page's head stays. A header may also be a block (a table's
    column heads repeated on every page it spans, one word per line): from each page's top and bottom, the
    run of lines that recur *at the same distance from that edge* on most pages goes, up to `_EDGE_BLOCK`
    lines. The same distance keeps body text that merely recurs (a checklist item on two pages of a
    leaflet), and a page made only of such lines (a form printed twice) keeps its text.
    """
    if len(pages) < 3:
        return [_drop_page_numbers(p) for p in pages]
    texts = [[ln for ln in page.split("\n") if ln.strip()] for page in pages]
    edge_lines: Counter[tuple[str, str]] = Counter()
    block: Counter[tuple[str, int, str]] = Counter()
    for lines in texts:
        edge_lines.update({("top", _mask(ln)) for ln in lines[:3]} | {("bottom", _mask(ln)) for ln in lines[-3:]})
        block.update({("top", i, _mask(ln)) for i, ln in enumerate(lines[:_EDGE_BLOCK])})
        block.update({("bottom", i, _mask(ln)) for i, ln in enumerate(lines[::-1][:_EDGE_BLOCK])})
    threshold = max(2, math.ceil(len(pages) * min_share))
    repeated = {line for line, count in edge_lines.items() if count >= threshold}
    in_block = {key for key, count in block.items() if count >= threshold}
    cleaned = []
    for page in pages:
        lines = page.split("\n")
        non_empty = [i for i, ln in enumerate(lines) if ln.strip()]
        dropped = {i for i in non_empty[:3] if ("top", _mask(lines[i])) in repeated} | \
            {i for i in non_empty[-3:] if ("bottom", _mask(lines[i])) in repeated}
        runs: set[int] = set()
        for edge, run in (("top", non_empty[:_EDGE_BLOCK]), ("bottom", non_empty[::-1][:_EDGE_BLOCK])):
            for offset, i in enumerate(run):
                if (edge, offset, _mask(lines[i])) not in in_block and not _PAGE_NUMBER.match(lines[i]) \
                        and i not in dropped:
                    break
                runs.add(i)
        # a page that would be all "header" is content seen twice (a form printed for two copies)
        dropped = dropped | runs if len(dropped | runs) < len(non_empty) else set()
        cleaned.append(_drop_page_numbers("\n".join(ln for i, ln in enumerate(lines) if i not in dropped)))
    return cleaned


def _mask(line: str) -> str:
    """Digits are masked only in page-number lines ("Seite 3 von 9"); other lines must repeat exactly."""
    line = line.strip().lower()
    return _DIGITS.sub("#", line) if _PAGE_WORD.search(line) else line


def _drop_page_numbers(page: str) -> str:
    lines = page.split("\n")
    while lines and (not lines[-1].strip() or _PAGE_NUMBER.match(lines[-1])):
        lines.pop()
    while lines and (not lines[0].strip() or _PAGE_NUMBER.match(lines[0])):
        lines.pop(0)
    return "\n".join(lines)


def unwrap_lines(paragraph: str) -> str:
    """Join hard-wrapped lines of one paragraph into running text."""
    return " ".join(line.strip() for line in paragraph.split("\n") if line.strip())


_NOT_TITLE = re.compile(
    r"(telefon|tel\.|fax|datum|e-mail|@|www\.|https?:|az:|aktenzeichen|seite \d|^an |^\d)", re.IGNORECASE
)


def guess_title(pages: list[str]) -> str:
    """The first lines of the first page that read like a title, not a letterhead or contact line."""
    for page in pages[:2]:
        lines = [ln.strip() for ln in page.split("\n")[:40]]
        for i, line in enumerate(lines):
            if _title_like(line, 12):
                title = line
                for follow in lines[i + 1 : i + 4]:
                    if not _title_like(follow, 3) or len(title) + len(follow) > 150:
                        break
                    title = f"{title} {follow}"
                return title
    return ""


def _title_like(line: str, min_len: int) -> bool:
    letters = sum(ch.isalpha() for ch in line)
    return min_len <= len(line) <= 160 and letters > len(line) * 0.6 and not _NOT_TITLE.search(line)
