"""HTML pages: headings and lists kept, navigation and scripts dropped, element floods refused first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.loaders.common import FEED, LoadLimits, MarkupCounter, pick_meta, read_text
from ingest.models import Block, LoadedDocument
from ingest.text_clean import normalize_whitespace

_HTML_DROP = ("script", "style", "nav", "footer", "header", "aside", "noscript", "form", "template")
_HTML_INLINE = {"a", "span", "b", "strong", "em", "i", "u", "small", "abbr", "code", "sup", "sub", "br", "time",
                "mark", "cite", "q", "s", "del", "ins", "kbd", "var", "label"}
_HTML_BLOCKS = {"p", "li", "dd", "dt", "pre", "blockquote", "td", "th", "caption", "address", "figcaption"}
_HTML_CONTAINERS = {"p", "ul", "ol", "table", "div"}  # a block holding one of these is walked, not taken whole


def _check_html(markup: str, limits: LoadLimits) -> None:
    """Count elements and nesting with lxml's event parser first: no tree, so 5 million tags cost
    a second instead of gigabytes in BeautifulSoup (which then parses with the same lxml parser)."""
    from lxml import etree

    parser = etree.HTMLParser(target=MarkupCounter(limits))
    for start in range(0, len(markup), FEED):
        parser.feed(markup[start : start + FEED])
    parser.close()


def _text_of(tag: Any) -> str:
    return normalize_whitespace(tag.get_text(" ", strip=True))


class _BlockWalker:
    """Walks the body once: each heading opens a level of the heading path, each block becomes a `Block`."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.blocks: list[Block] = []
        self._stack: list[tuple[int, str]] = []
        self._h1_seen = False

    def add(self, text: str, prefix: str = "") -> None:
        text = normalize_whitespace(text)
        if text:
            self.blocks.append(Block(prefix + text, headings=tuple(h for _, h in self._stack)))

    def heading(self, level: int, text: str) -> None:
        if level == 1 and not self._h1_seen:
            self._h1_seen = True  # the first h1 names the page
            self.title = self.title or text
            return
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))

    def walk(self, node: Any) -> None:
        from bs4.element import NavigableString, Tag

        loose: list[str] = []  # text directly inside a container (<div>Text <b>fett</b></div>)
        for child in node.children:
            if type(child) is NavigableString:
                loose.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _HTML_INLINE:
                loose.append(child.get_text(" "))
                continue
            self.add(" ".join(loose))
            loose.clear()
            self._element(child, name)
        self.add(" ".join(loose))

    def _element(self, child: Any, name: str) -> None:
        from bs4.element import Tag

        if len(name) == 2 and name[0] == "h" and name[1].isdigit():
            self.heading(int(name[1]), _text_of(child))
        elif name == "tr":
            cells = [_text_of(c) for c in child.find_all(["td", "th"])]
            if any(cells):
                self.add(" | ".join(cells))
        elif name in _HTML_BLOCKS and not any(
                isinstance(d, Tag) and d.name in _HTML_CONTAINERS for d in child.descendants):
            # (not `child.find([...])`: that builds a matcher per call, half the time of a 450k-tag page)
            self.add(_text_of(child), "- " if name == "li" else "")
        else:
            self.walk(child)


def load_html(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    from bs4 import BeautifulSoup

    markup = read_text(path)
    _check_html(markup, limits)
    soup = BeautifulSoup(markup, "lxml")
    meta = {
        str(tag.get("name", "")).lower(): str(tag.get("content", ""))
        for tag in soup.find_all("meta")
        if tag.get("name") and tag.get("content")
    }
    title_tag = soup.find("title")
    walker = _BlockWalker(title_tag.get_text(" ", strip=True) if title_tag else "")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    walker.walk(soup.body or soup)
    return LoadedDocument(source=source, title=walker.title or path.stem, blocks=walker.blocks,
                          meta=pick_meta(meta), kind="html")
