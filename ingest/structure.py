"""Pure parsing of document structure: front matter, headings, legal sections (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.analysis import MONTHS
from ingest.models import Block
from ingest.text_clean import unwrap_lines

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LEGAL = re.compile(r"^\s*(§§?|Art\.?|Artikel)\s*(\d+\s?[a-z]?)\b", re.IGNORECASE)
# A line that opens a legal section in running text (PDF, TXT): "§ 3 Steuersatz", "Art. 5 Inkrafttreten".
_LEGAL_HEADING_LINE = re.compile(
    r"^(§|Art\.?|Artikel)\s*\d+\s?[a-z]?\.?(\s+(?!(Abs|Absatz|Satz|Nr|S\.|des|der|bis|und|oder|in|gilt)\b)"
    r"[A-ZÄÖÜ(][^\n]{0,90})?$"
)
_NUMBERED_HEADING_LINE = re.compile(r"^(\d{1,2}(\.\d{1,2})*\.?)\s+[A-ZÄÖÜ][^\n]{1,70}$")
_NUMBERED_ITEM = re.compile(r"^\d{1,3}[.)]\s")
# "TOP 8 Benennung einer Straße …", "TOP Ö 3.1 …": an agenda item (Tagesordnungspunkt) opens a section of council
# minutes, as "9.2 Anfrage …" does below it
_AGENDA_ITEM_LINE = re.compile(r"^TOP\s+(?:[ÖN]\s*)?(\d{1,3}(?:\.\d{1,2})*)\.?\s+\S")
_SUBSECTION = re.compile(r"^\d{1,2}\.\d{1,2}(\.\d{1,2})*\.?\s")  # "1.4 Übertragung": never a list item
_BARE_NUMBER_START = re.compile(r"^\d+\s")  # "25 Prozent": a number without the dot of "3." or "2.2"
_TOC_ENTRY = re.compile(r"\s\d{1,3}$")  # "2. Aktuelle Situation 2": a table-of-contents line
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?!\s)|`)")
_HTML_TAG = re.compile(r"<[^>]+>")
# "1\. Januar" at a line start: Markdown escapes a character that would be read as markup; the text means the
# character itself. It stays a private-use stand-in until the paragraph is joined, so "\*" is no emphasis and
# an escaped "1\." no list item.
_ESCAPABLE = "\\`*_{}[]()#+-.!|>~"
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_STAND_IN = 0xF0000  # plane 15, far from the private-use characters icon fonts map (U+E000 on)
_STAND_INS = re.compile("|".join(re.escape(chr(_STAND_IN + ord(c))) for c in _ESCAPABLE))  # only these
# "3. Bauzeichnungen" is an item; "31. Mai" wrapped to the start of a line is a date
LIST_ITEM = re.compile(rf"^\s*([-*+•]|\d{{1,3}}[.)](?!\s+(?:{MONTHS})\b))\s+")
_LIST_ITEM = LIST_ITEM
_SHORT_LINE = 0.65  # of the full width: a line this short was not wrapped (it ends its paragraph)
_MIN_LINES_FOR_WIDTH = 10
# How a finished item ends: a full stop, a closing bracket, a figure or an amount ("800 bis 2.000 Euro"). A short
# line that ends in "der" or "psychischen" was cut by the layout (an indented box, a column), not by the text;
# one that ends in a colon announces what follows.
_ENDS_ITEM = re.compile(r"([.!?;)\]]|\d|\d\s+[^\W\d_]+\.?)$")
_DEFINITION = re.compile(r"^:\s+")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split a leading `---` block of `key: value` lines from the body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).split("\n"):
        if ":" in line and not line.lstrip().startswith("#"):
            key, value = line.split(":", 1)
            value = value.split(" #", 1)[0].strip().strip("\"'")
            if key.strip() and value:
                meta[key.strip().lower()] = value
    return meta, text[match.end() :]


def section_label(heading: str) -> str | None:
    """'§ 17 Anmeldung, Abmeldung' -> '§ 17'; 'Art. 20a' -> 'Art 20a'; other headings -> None."""
    match = _LEGAL.match(heading)
    if not match:
        return None
    sign = match.group(1).rstrip(".").lower()
    number = match.group(2).replace(" ", "")
    return f"§ {number}" if sign.startswith("§") else f"Art {number}"


def section_of(headings: tuple[str, ...]) -> str | None:
    """The citable section of a heading path: the innermost legal label, else the innermost heading."""
    for heading in reversed(headings):
        label = section_label(heading)
        if label:
            return label
    return headings[-1] if headings else None


def clean_markdown_inline(text: str) -> str:
    """Links, tags and emphasis stripped; escaped characters as stand-ins (`unescape` restores them)."""
    text = _MD_ESCAPE.sub(lambda m: chr(_STAND_IN + ord(m.group(1))), text)
    text = _MD_LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    return _MD_EMPHASIS.sub("", text)


def unescape(text: str) -> str:
    return _STAND_INS.sub(lambda m: chr(ord(m.group()) - _STAND_IN), text)


def markdown_blocks(body: str) -> tuple[str | None, list[Block]]:
    """Markdown body -> (first H1 or None, blocks with heading paths). The H1 is the title, not a section."""
    title: str | None = None
    stack: list[tuple[int, str]] = []
    blocks: list[Block] = []
    paragraph: list[str] = []
    in_fence = False

    def flush() -> None:
        text = unescape(_join_paragraph(paragraph))
        paragraph.clear()
        if text:
            blocks.append(Block(text=text, headings=tuple(h for _, h in stack)))

    for raw in body.split("\n"):
        line = raw.rstrip()
        if line.strip().startswith("```"):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _MD_HEADING.match(line)
        if heading:
            flush()
            level, text = len(heading.group(1)), unescape(clean_markdown_inline(heading.group(2))).strip()
            if level == 1 and title is None and not blocks and not stack:
                title = text
                continue
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
        elif not line.strip():
            flush()
        else:
            paragraph.append(clean_markdown_inline(_DEFINITION.sub("", line)))
    flush()
    return title, blocks


def text_blocks(pages: list[tuple[int | None, str]], numbered_headings: bool = True) -> list[Block]:
    """Plain text per page -> blocks; detects `§ N` / `Art N` heading lines and '1. Zweck' headings.

    The heading path runs on across pages, so a section that starts on page 2 and goes on to page 3
    keeps its label on both. Heading lines stay in the text too: a line taken for a heading by
    mistake then costs a section boundary, never content.
    """
    stack: list[tuple[int, str]] = []
    blocks: list[Block] = []
    width = line_width(text for _, text in pages)
    for page, text in pages:
        paragraph: list[str] = []

        def flush(page: int | None = page, paragraph: list[str] = paragraph, is_heading: bool = False) -> None:
            parts = after_lists(paragraph, width)
            paragraph.clear()
            for part in parts:
                if joined := _join_paragraph(part):
                    blocks.append(Block(joined, page=page, headings=tuple(h for _, h in stack), is_heading=is_heading))

        lines = [raw.strip() for raw in text.split("\n")]
        adjacent = zip(["", *lines[:-1]], [*lines[1:], ""], strict=True)
        for line, previous, following, next_to in zip(lines, _last_filled(lines), _last_filled(lines[::-1])[::-1],
                                                      adjacent, strict=True):
            level = _agenda_level(line, next_to) or _heading_level(line, numbered_headings, (previous, following))
            if level:
                flush()
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, line))
                paragraph.append(line)
                flush(is_heading=True)  # a block of its own, never run into the first sentence
            elif not line:
                flush()
            else:
                paragraph.append(line)
        flush()
    return blocks


def _last_filled(lines: list[str]) -> list[str]:
    """For each line the nearest non-empty line before it ("" if none); linear, as texts may have 100,000s of lines."""
    result, last = [], ""
    for line in lines:
        result.append(last)
        last = line or last
    return result


def _agenda_level(line: str, next_to: tuple[str, str]) -> int:
    """An agenda item's line opens a section of the minutes, unless the line right before or after it is one too:
    the agenda at the top lists the items line by line (a list, not the sections). 0 for any other line; no
    agenda line is a heading of `_heading_level` (it starts with 'TOP')."""
    found = _AGENDA_ITEM_LINE.match(line)
    if not found or len(line) > 120 or any(_AGENDA_ITEM_LINE.match(n) for n in next_to):
        return 0
    return 1 + found.group(1).count(".")


def _heading_level(line: str, numbered: bool, neighbours: tuple[str, str] = ("", "")) -> int:
    if not line or len(line) > 100 or line.endswith((",", ";")):
        return 0
    if _LEGAL_HEADING_LINE.match(line):
        return 10
    last_word = (neighbours[0].split() or [""])[-1]
    if _BARE_NUMBER_START.match(line) and len(neighbours[0]) >= 50 and last_word[:1].islower():
        return 0  # the wrapped rest of a sentence ("… ermäßigt sich der Beitrag um / 25 Prozent, bei …")
    # A numbered line next to another numbered line is a list item, not a heading.
    if (numbered and len(line) <= 70 and not _TOC_ENTRY.search(line) and not line.endswith((".", ":", "!", "?"))
            and _NUMBERED_HEADING_LINE.match(line)
            and (_SUBSECTION.match(line) or not any(_NUMBERED_ITEM.match(n) for n in neighbours))):
        return 1 + line.split()[0].rstrip(".").count(".")
    return 0


def line_width(texts: Iterable[str]) -> int | None:
    """How long a full line of this hard-wrapped text is (the 90th percentile of its line lengths); None
    for too few lines to tell."""
    lengths = sorted(len(line.strip()) for text in texts for line in text.split("\n") if line.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= _MIN_LINES_FOR_WIDTH else None


def after_lists(lines: list[str], width: int | None) -> list[list[str]]:
    """One hard-wrapped paragraph's lines, split where a list ends and a paragraph follows without a blank line.

    A list item ends where its line ends short of the full `width` (only a full line wraps) with a full stop,
    a bracket or a figure. The capitalised line after it starts the paragraph that follows the list ("Wird
    innerhalb der Geltungsdauer …" after "• … : 800 bis 2.000 Euro"), not more of the last item; a line in
    lower case still finishes the item's sentence."""
    parts: list[list[str]] = [[]]
    in_item = False
    for line in lines:
        previous = parts[-1][-1] if parts[-1] else ""
        if (in_item and width is not None and line[:1].isupper() and not _LIST_ITEM.match(line)
                and len(previous) < _SHORT_LINE * width and _ENDS_ITEM.search(previous)):
            parts.append([])
            in_item = False
        in_item = in_item or _LIST_ITEM.match(line) is not None
        parts[-1].append(line)
    return [part for part in parts if part]


def _join_paragraph(lines: list[str]) -> str:
    """Unwrap hard-wrapped lines but keep list items on lines of their own."""
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if _LIST_ITEM.match(line) and current:
            out.append(unwrap_lines("\n".join(current)))
            current = []
        current.append(line)
    if current:
        out.append(unwrap_lines("\n".join(current)))
    return "\n".join(part for part in out if part).strip()
