"""The procedure answer without a language model (pure): the list items and sentences of the retrieved
passages sorted under the six headings by general cues, each with the number of its passage.

Cues, not documents: a list item under a heading or announcing sentence about documents ('Unterlagen',
'Nachweise', 'einzureichen', 'Formular') is a document to bring; an amount in euro or a 'Gebühr' is a fee;
a duration, date or 'innerhalb von' is a deadline; an address, phone number, opening hours or 'zuständig
ist' names the office; an imperative or sequence word ('zunächst', 'Stellen Sie …') is a step; '§ 25 WoGG'
and law titles are the legal basis. A heading nothing falls under is left out. Only passages of the
documents that are about the question's topic contribute, so a neighbouring leaflet's list stays out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.models import Source
from bot.procedure import MAX_ITEMS, Item, Procedure, build
from bot.prompts import is_planted
from core.analysis import analyze
from core.sentences import split_sentences

_BULLET = re.compile(r"^(?:(?:[-*•▪–☐□]|\d{1,2}[.)])\s+)+")  # "• ☐ Mietvertrag": a bullet and a box
_PARAGRAPH = re.compile(r"^\(\d+[a-z]?\)\s+")  # '(2) …' numbers a paragraph, not a list item
_HEADING_PREFIX = re.compile(r"^(§+\s*\d+\s?[a-z]?|\d{1,2}(\.\d{1,2})*\.?)\s+[^.()]{0,90}?\s+(?=\(\d+[a-z]?\)\s)")

_DOCS_CONTEXT = re.compile(r"unterlag|nachweis|dokument|bauvorlag|mitzubring|mitbring|einzureich|einreich|"
                           r"vorzuleg|vorleg|beizufüg|beifüg|checkliste|formular|benötig|erforderlich", re.I)
_STEPS_CONTEXT = re.compile(r"(?<!vor )(?<!nach )\bablauf|so gehen sie vor|vorgehen|schritt|reihenfolge", re.I)
_MONEY = re.compile(r"\d[\d.,]*\s*(€|euro\b|eur\b)|€\s*\d|\b(gebührenfrei|kostenlos|kostenfrei|unentgeltlich)\b",
                    re.I)
_FEE_WORD = re.compile(r"gebühr|\bkostet\b|\bentgelt", re.I)
_HOURS = re.compile(r"öffnungszeit|sprechzeit|sprechstunde|geöffnet|\b\d{1,2}(:\d\d)?\s*(bis|–|-)\s*\d{1,2}(:\d\d)?"
                    r"\s*uhr\b", re.I)
_DEADLINE = re.compile(r"(?<!unter )(?<!über )(?<!ab )\b(eine[nmrs]?|ein|\d+|zwei|drei|vier|fünf|sechs|sieben|acht|"
                       r"neun|zehn|zwölf|vierzehn)\s+(werk|arbeits|kalender)?(tag|tage|tagen|tages|woche|wochen|monat|"
                       r"monate|monaten|monats|jahr|jahre|jahren|jahres)\b|\bunverzüglich\b|\b\d{1,2}\.\s?\d{1,2}\."
                       r"\s?\d{2,4}\b|\b(spätestens|bis zum|rechtzeitig vor)\b", re.I)
_DEADLINE_WORD = re.compile(r"\bfrist", re.I)
_OFFICE = re.compile(r"\bzuständig(e|en)?\s+(ist|sind|für)\b|\b(ist|sind)\s+(\w+\s+)?zuständig|"
                     r"\b(tel\.|telefon|fax)\s*:?\s*\+?\d|\b\w+(straße|str\.|platz|weg|allee|ring)\s+\d+|"
                     r"\b\d{5}\s+[A-ZÄÖÜ]|[\w.-]+@[\w-]+\.\w+|\bzimmer\s+\d", re.I)
_STEP = re.compile(r"\b(zuerst|zunächst|anschließend|danach|im nächsten schritt|sobald|nachdem)\b|"
                   # 'ist … zu stellen', 'sind … anzugeben': what one has to do
                   r"\b(ist|sind)\b[^.;]{0,100}\b(zu (?!(den|einen|ihren|allen|diesen)\b)[a-zäöüß]{3,}en|"
                   r"[a-zäöüß]+zu[a-zäöüß]+en)\b|"
                   r"^(bitte\s+)?(?!beachten)[A-ZÄÖÜ][a-zäöüß]+(en|e)\s+sie\b|\b(der|den|ihren|einen|ein)\s+antrag\b"
                   r"[^.]{0,80}\b(zu stellen|gestellt werden|einzureichen|eingereicht werden|abzugeben|gewährt)\b|"
                   r"\w*(vordruck|formular)\w*\b[^.]{0,60}\b(erhalten sie|erhältlich)\b|"
                   r"\btermin\w*\b[^.]{0,40}\b(vereinbar|buch)|\bauf\s+(schriftlichen|elektronischen|formlosen)\b",
                   re.I)
# "Mitzubringen sind der Ausweis, ein Lichtbild (Fototerminal 6,00 Euro) …": the sentence lists documents, though
# it names what one of them costs
_DOCS_ANNOUNCED = re.compile(r"^(mitzubringen|vorzulegen|einzureichen|beizufügen)\b|\b(sind|ist) (folgende \w+ )?"
                             r"(mitzubringen|vorzulegen|einzureichen|beizufügen)\s*:", re.I)
_DOCUMENT = re.compile(r"\b\w*(nachweis|bescheinigung|kopie|ausweis|pass|formular|vordruck|vollmacht|urkunde|"
                       r"bestätigung|plan|pläne|zeichnung|beschreibung|bescheid|vertrag|abrechnung|kontoauszug|"
                       r"kontoauszüge|grundbuchauszug|zeugnis|erklärung|berechnung|lichtbild|foto|unterschrift|bogen)"
                       r"\w*|\b\w*antrag(s|es)?\b", re.I)
_LAW_SECTION = re.compile(r"§§?\s*\d+[a-z]?(?:\s*(?:Abs\.|Absatz|Satz|S\.|Nr\.)\s*\d+[a-z]?)*"
                          r"(?:\s*(?:bis|und|,|–|-)\s*\d+[a-z]?)*\s+(?:[A-ZÄÖÜ][A-Za-zÄÖÜäöü]{1,12}"
                          r"(?:\s+(?:[IVX]{1,4}|\d{1,2}))?\b)")
_LAW_TITLE = re.compile(r"\b[A-ZÄÖÜ][a-zäöüß]+(?:gesetz(?:buch)?|verordnung|bauordnung|satzung)\b"
                        r"(?:\s*\([A-ZÄÖÜ][\w-]{1,10}\))?")
# the words that make a question a procedure question; what is left names its topic ('Bauantrag', 'Wohngeld')
PROCEDURE_WORDS = frozenset(analyze(
    "welche unterlagen dokumente nachweise papiere formulare belege brauche benötige brauchen beantrage "
    "beantragen beantragt antrag anträge stellen stelle mitbringen einreichen vorlegen beifügen tun muss "
    "machen melde melden anmelden bekomme bekommen erhalte erhalten wie wo was kann man ich wir"))


Topic = Sequence[tuple[float, frozenset[str]]]  # the question's terms: weight (IDF) and variants


def topic_terms(terms: Iterable[tuple[float, frozenset[str]]]) -> list[tuple[float, frozenset[str]]]:
    """The question's weighted terms without the procedure cue words: what is left names the topic."""
    return [(w, v) for w, v in terms if v and not v <= PROCEDURE_WORDS]


def contributing(sources: Sequence[Source], passages: dict[int, str], topic: Topic,
                 share: float = 0.5) -> list[Source]:
    """The passages of the best source's document and of every document with a passage holding at least
    `share` of the topic's weight (a passage that names the topic only in passing brings no list)."""
    if not sources:
        return []
    documents = {(sources[0].collection, sources[0].path)}
    total = sum(w for w, _ in topic)
    for source in sources:
        words = set(analyze(passages.get(source.number, "")))
        if total and sum(w for w, v in topic if v & words) >= share * total:
            documents.add((source.collection, source.path))
    return [s for s in sources if (s.collection, s.path) in documents]


def kind_of(text: str, item: bool, context: str) -> str | None:
    """Which heading a sentence or list item belongs under (None: under none)."""
    if item and not _MONEY.search(text) and (_DOCS_CONTEXT.search(context) or _DOCUMENT.search(text)) \
            and not _STEPS_CONTEXT.search(context):
        return "unterlagen"
    if item and _STEPS_CONTEXT.search(context):
        return "schritte"
    if not item and _DOCS_ANNOUNCED.search(text) and _DOCUMENT.search(text):
        return "unterlagen"
    if _MONEY.search(text):
        return "gebuehren"
    if _HOURS.search(text) or _OFFICE.search(text):
        return "stelle"
    if _DEADLINE.search(text):
        return "fristen"
    if _FEE_WORD.search(text):
        return "gebuehren"
    if _DEADLINE_WORD.search(text):
        return "fristen"
    if _STEP.search(text):
        return "schritte"
    return None


def _is_heading(line: str, text: str, heading: str | None, announced: str) -> bool:
    """A heading line ('3. Bauvorlagen') names the context of the items below it; it is no item itself. A
    numbered line after an announcing colon is an item ('1. Personalausweis')."""
    parts = heading.split(" > ") if heading else []
    if line in parts or text in parts:
        return True
    if _BULLET.match(line) and (announced or not re.match(r"\d{1,2}\.\s", line)):
        return False
    return len(text) < 80 and not text.endswith((".", "!", "?", ":", ";", ","))


def sort_passage(source: Source, passage: str, found: dict[str, list[Item]]) -> None:
    """Add the passage's sentences and list items to `found` under their headings, in reading order."""
    heading = source.heading or ""
    announced = ""  # the last sentence announcing a list ('… sind einzureichen:')
    for line in split_sentences(passage):
        line = _HEADING_PREFIX.sub("", line.strip())
        item = _BULLET.match(line) is not None
        text = _PARAGRAPH.sub("", _BULLET.sub("", line)).strip()
        if len(text) < 8 or is_planted(text):
            continue
        if _is_heading(line, text, source.heading, announced):
            heading, announced = text, ""
            continue
        for law in [*_LAW_SECTION.findall(text), *(m.group(0) for m in _LAW_TITLE.finditer(text))]:
            found.setdefault("rechtsgrundlage", []).append(Item(law.strip(" ,"), source.number))
        kind = kind_of(text, item, f"{heading} {announced}")
        if text.endswith(":"):
            announced = text
            continue
        if not item:
            announced = ""
        if kind:
            found.setdefault(kind, []).append(Item(text, source.number))


def assemble(sources: Sequence[Source], passages: dict[int, str], topic: Topic,
             contacts: dict[str, tuple[str, str]] | None = None) -> Procedure:
    """The procedure answer from the passages; the collection's declared contact joins the office."""
    found: dict[str, list[Item]] = {}
    chosen = contributing(sources, passages, topic)
    for source in chosen:
        sort_passage(source, passages.get(source.number, ""), found)
    found["rechtsgrundlage"] = _sections_first(found.get("rechtsgrundlage", []))
    if chosen and contacts and chosen[0].collection in contacts:
        title, contact = contacts[chosen[0].collection]
        offices = " ".join(i.text for i in found.get("stelle", []))
        if _digits(contact) - _digits(offices) or not offices:  # not already quoted from a passage
            found["stelle"] = found.get("stelle", [])[:MAX_ITEMS["stelle"] - 1]
            found["stelle"].append(Item(contact, None, f"Kontakt der Sammlung „{title}“"))
    return build(found)


def _sections_first(items: list[Item]) -> list[Item]:
    """'§ 25 Abs. 2 WoGG' before a law title mentioned in passing."""
    return sorted(items, key=lambda i: not i.text.startswith("§"))


def _digits(text: str) -> set[str]:
    return set(re.findall(r"\d{3,}", text))
