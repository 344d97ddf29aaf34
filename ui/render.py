"""HTML and Markdown the chat shows: pure functions of an `Answer`, every document text escaped."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from bot.models import Answer, Source

EMPTY_SOURCES = '<div class="quellen-leer">Hier erscheinen die Quellen der Antwort.</div>'


def highlighted(snippet: str, sentence: str) -> str:
    """The snippet, escaped, with the cited sentence in <mark>."""
    if sentence and sentence in snippet:
        before, _, after = snippet.partition(sentence)
        return f"{html.escape(before)}<mark>{html.escape(sentence)}</mark>{html.escape(after)}"
    return html.escape(snippet)


def source_card(source: Source, collection_title: str) -> str:
    location = f" · {html.escape(source.location)}" if source.location else ""
    heading = (f'<div class="quelle-abschnitt">{html.escape(source.heading)}</div>'
               if source.heading and source.heading != source.section else "")
    title = html.escape(source.title)
    if source.link:  # the app's link builder always gives one; a source without stays readable
        title = (f'<a class="quelle-link" href="{html.escape(source.link, quote=True)}" target="_blank" '
                 f'rel="noopener">{title}</a>')
    original = ""
    if source.source_url and urlsplit(source.source_url).scheme in ("http", "https"):  # never javascript: etc.
        original = (f' · <a class="quelle-original" href="{html.escape(source.source_url, quote=True)}" '
                    'target="_blank" rel="noopener noreferrer">Original (z. B. Ratsinformationssystem)</a>')
    facts = " · ".join(html.escape(p) for p in source_facts(source, collection_title))
    return (
        f'<article class="quelle" id="quelle-{source.number}" aria-label="Quelle {source.number}">'
        f'<div class="quelle-kopf"><span class="quelle-nr">[{source.number}]</span> {title}{location}</div>'
        f'<div class="quelle-meta">{facts}{original}</div>'
        f"{heading}"
        f'<blockquote class="quelle-text">{highlighted(source.snippet, source.highlight)}</blockquote>'
        "</article>"
    )


def source_facts(source: Source, collection_title: str) -> list[str]:
    """What a source card says about the document besides its title: collection, and where the document
    declares them its Drucksache or Aktenzeichen, archive Signatur, date (or period) and Provenienz, status,
    validity and successor."""
    facts = [f"Sammlung: {collection_title}"]
    for label, value in (("Drucksache/Az.", source.reference), ("Signatur", source.signature),
                         ("Datum", source.date), ("Provenienz", source.provenance)):
        if value:
            facts.append(f"{label}: {value}")
    if source.status_label:
        facts.append(f"Status: {source.status_label}")
    if source.validity:
        facts.append(source.validity)
    if source.replaced_by:
        facts.append(f"ersetzt durch: {source.replaced_by}")
    return facts


def sources_html(answer: Answer | None, collection_titles: dict[str, str]) -> str:
    if answer is None:
        return EMPTY_SOURCES
    if not answer.sources:
        return ('<div class="quellen-leer">Keine Quellen: zu dieser Frage wurde in den freigegebenen '
                "Unterlagen nichts Passendes gefunden.</div>")
    cards = [source_card(s, collection_titles.get(s.collection, s.collection)) for s in answer.sources]
    return f'<section class="quellen" aria-label="Quellen">{"".join(cards)}</section>'


def answer_markdown(answer: Answer) -> str:
    """The chat text: the answer, then notes on unsupported sentences or a fallback, then short source lines."""
    parts = [inert_markdown(answer.text)]
    if answer.notice:
        parts.append(f"*Hinweis: {answer.notice}*")
    if answer.flagged:
        parts.append("*Achtung: Einzelne Sätze sind durch die angegebene Quelle nicht eindeutig belegt. "
                     "Bitte in der Quelle nachlesen.*")
    if answer.sources:
        lines = [f"[{s.number}] {line}" for s, line in zip(answer.sources, source_lines(answer), strict=True)]
        parts.append("**Quellen:** " + " · ".join(lines))
    return "\n\n".join(parts)


def inert_markdown(text: str) -> str:
    """Document text must not turn into images (outbound requests) or raw HTML in the chat bubble."""
    return text.replace("<", "&lt;").replace("![", "!\\[")


def source_lines(answer: Answer) -> list[str]:
    """Short citations for the feedback log: 'Titel, S. 3'."""
    return [s.title + (f", {s.location}" if s.location else "") for s in answer.sources]
