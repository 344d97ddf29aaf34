"""What kind of fact a question asks for, and whether a passage holds such a fact (pure).

"Wie viel kostet ...?" wants an amount, "Bis wann ...?" a deadline, "Wer ist zuständig?" an office. A
passage that shares the question's words but holds no amount is a weak answer to an amount question:
the abstention model and the sentence choice of the extractive answer both use this.
"""

from __future__ import annotations

import re

from core.analysis import analyze, fold

_COUNT = r"(?:\d+(?:[.,]\d+)*|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|" \
    r"vierzig|fünfzig|sechzig|hundert)"
_AMOUNT_OF_TIME = rf"(?:eine[nmrs]?|ein|{_COUNT})"  # 'einen Monat' is a duration, 'ein Antrag' no count
# "dreifach", "3-fach", "doppelt": how many copies, of whatever is asked
_MULTIPLE = re.compile(rf"\b({_COUNT}-?fach|doppelt)\w*", re.I)
# ... of copies: 'in dreifacher Ausfertigung' answers how many of a paper, 'doppelte Buchführung' no count
_COPIES = re.compile(rf"{_MULTIPLE.pattern}\s+(ausfertigung|exemplar|kopie|abschrift)", re.I)

# money nouns: 'wie viel Wohngeld' asks an amount, 'wie viel Gartenfläche' or 'wie viel Urlaub' a quantity
_MONEY = r"[\w-]*(?:geld|gebühr|gebühren|steuer|beitrag|beiträge|kosten|miete|entgelt|zuschuss|rente|lohn|gehalt|" \
    r"zulage|pauschale|förderung|leistung|prämie|vergütung|erstattung|zahlung|provision|euro)\b"
# Question cues, checked in this order (the first that matches decides).
_ASKS = (
    ("anzahl", re.compile(rf"(?i:\b(wie viele|anzahl|wie oft)\b)|"
                          rf"(?i:\bwie ?viel(e[nmrs]?)?)\s+(?!(?i:{_MONEY}))[A-ZÄÖÜ]\w+")),
    ("betrag", re.compile(r"\b(wie ?viel|wie hoch|was kostet|kosten|kostet|gebühr|gebühren|euro|betrag|höhe|"
                          r"zahlen|bezahlen|preis)", re.I)),
    ("frist", re.compile(r"\b(wie lange?|bis wann|ab wann|wann|frist|fristen|"
                         r"dauer|dauert|innerhalb|spätestens|gültig|zeitraum|geöffnet|öffnungszeit)", re.I)),
    ("unterlagen", re.compile(r"\b(unterlagen|nachweise|dokumente|mitbringen|mitnehmen|einreichen|vorlegen|"
                              r"vorzulegen|beifügen|brauche ich für)", re.I)),
    ("stelle", re.compile(r"\b(wer ist zuständig|zuständig|wo kann|wo muss|wo bekomme|wo beantrage|bei wem|an wen|"
                          r"welche (behörde|stelle|amt)|wohin|welches amt|wer\b[^?.,]{0,40}?\b(macht|bearbeitet|"
                          r"betreut|berät|entscheidet|kümmert sich|hilft|ist ansprechpartner))", re.I)),
)

_HOLDS = {
    "betrag": re.compile(r"(\d+(?:[.,]\d+)*\s*(€|euro|eur|prozent|%))|(€\s*\d)|\b(gebührenfrei|kostenlos|"
                         r"unentgeltlich|kostenfrei)\b", re.I),
    "frist": re.compile(rf"\b{_AMOUNT_OF_TIME}\s+(tag|tage|tagen|woche|wochen|monat|monate|monaten|jahr|jahre|jahren|"
                        r"minuten|stunden|werktage|werktagen|arbeitstage|arbeitstagen)\b|\bunverzüglich\b|"
                        r"\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\bbis zum\b|\bvollendung des\b|"
                        r"\b\d{1,2}(:\d\d)?\s*(bis|–|-)\s*\d{1,2}(:\d\d)?\s*uhr", re.I),
    "anzahl": re.compile(rf"\b{_COUNT}\b|{_MULTIPLE.pattern}", re.I),  # 'in dreifacher Ausfertigung'
    # the documents themselves, not the act of handing them in ('einzureichen' is in every intro sentence)
    "unterlagen": re.compile(r"\b(nachweis|bescheinigung|kopie|ausweis|reisepass|formular|vordruck|vollmacht|urkunde|"
                             r"bestätigung|lageplan|bauzeichnung|baubeschreibung|meldeschein|lichtbild|passfoto|"
                             r"kontoauszug|kontoauszüge|bescheid|mietvertrag|vertrag|gehaltsabrechnung|zeugnis|"
                             r"berechnung|plan|pläne)\w*", re.I),
    "stelle": re.compile(r"\b(behörde|amt|ämter|stelle|zuständig|zuständige|bürgerbüro|jugendamt|jobcenter|"
                        r"meldebehörde|sachgebiet|abteilung|referat|träger|zimmer|telefon|tel\.)\w*|"
                        r"\b(herr|frau)\s+\w+", re.I),
}


# "Wie viele Stellen ...", "Anzahl der Plätze": the counted thing; a count of something else does not answer
# (plural only: "wie viel Gartenfläche" asks a quantity whose unit is not the noun, "120 m²")
# The noun may follow an adjective ("wie viele neue Stellen") and be typed lower case in a chat.
_COUNTED_NOUN = re.compile(r"(?:\bwie ?viele[nmrs]?|\banzahl (?:der|an|von))\s+(?:(?:neue|freie|offene|weitere|"
                           r"zusätzliche|unbesetzte|besetzte|gemeldete)[nmrs]?\s+)?([\wÄÖÜäöüß-]+)", re.I)
# the counted word, or the one after an adjective ("8 neue Stellen")
_COUNT_OF = re.compile(rf"(?i:\b{_COUNT})\s+([\wÄÖÜäöüß-]+)(?:\s+([\wÄÖÜäöüß-]+))?")


def counted_thing(question: str) -> str | None:
    """What a count question counts, analysed ("Wie viele Stellen ...?" -> 'stell'); None otherwise."""
    if asked_type(question) != "anzahl" or not (noun := _COUNTED_NOUN.search(question)):
        return None
    word = noun.group(1)
    if word[0].islower() and any(ch.isupper() for ch in question[1:]):
        return None  # a writer who capitalises nouns wrote a verb here ("Wie viele bekommen Wohngeld?")
    terms = _head_forms(word)
    return terms[-1] if terms else None  # "Kita-Plätze" counts places: a German compound ends in its head


def counts(thing: str, text: str) -> bool:
    """Does the text give a number of `thing`? The counted word may be a compound with it as head or
    first part ("zwei Arbeitstage" are days, "8,5 Stellen-VZÄ" are posts)."""
    if _COPIES.search(text):  # 'in dreifacher Ausfertigung' says how many copies of whatever is asked
        return True
    return any(_same_head(term, thing) for found in _COUNT_OF.finditer(text)
               for word in found.groups() if word for term in _head_forms(word))


def _head_forms(word: str) -> list[str]:
    """The analysed terms of a word, each with an '-ung' the stemmer cut off put back: 'Ausstellungen' names
    exhibitions and 'Stellungnahmen' statements, not posts ('Stellen'), though all three stem to 'stell…'."""
    folded = fold(word)
    forms = []
    for term in analyze(word):
        at = folded.find(term)
        forms.append(term + "ung" if at >= 0 and folded.startswith("ung", at + len(term)) else term)
    return forms


def _same_head(term: str, thing: str) -> bool:
    """'stellen-vzä' and 'planstelle' are posts, 'arbeitstage' like 'urlaubstage' are days: German compounds
    end in what they are; four shared final letters (or all of a shorter word) make one head. A compound
    that starts with the thing counts too ('Stellenanteile'), unless the thing goes on as a noun in '-ung'
    ('Stellungnahmen')."""
    if term.startswith(thing):
        return not term.startswith("ung", len(thing))
    if len(term) >= 4 and thing.endswith(term):
        return True  # the head alone: "212 Anträge" in a passage on building applications counts them
    tail = min(4, len(thing), len(term))
    return term[-tail:] == thing[-tail:] and (len(term) >= len(thing) or tail == len(term))


def _first_cue(question: str) -> tuple[str, str] | None:
    for kind, pattern in _ASKS:
        if found := pattern.search(question):
            return kind, found.group(0)
    return None


def asked_type(question: str) -> str | None:
    """'betrag', 'anzahl', 'frist', 'unterlagen', 'stelle' or None (a how/what/why question)."""
    first = _first_cue(question)
    return first[0] if first else None


# "Was ist ein Vorbescheid?", "Was zählt als Sperrmüll?", "Was versteht man unter …?" ask what a term means:
# a sentence that defines one of the question's words answers (`defined_subject`). A comparison ("älter als")
# is no "gilt … als"; "Wann ist ein Antrag zu stellen?" asks for a period, not a definition.
_DEFINITION = re.compile(
    r"\bwas\s+(?:ist|sind)\s+(?:(?:eigentlich|genau|denn|überhaupt)\s+)*(?:(?:ein|eine|der|die|das)\s+\w+|(?-i:[A-ZÄÖÜ])\w+)"
    r"|\bwas\s+(?:versteht\s+man\s+unter|bedeutet|heißt|meint\s+man\s+mit)\b"
    r"|\b(?:was|wer|wann|welche\w*)\s+(?:gilt|gelten|zählt|zählen)\b[^?.,;]{0,60}?(?<!er )(?<!mehr )\bals\b", re.I)
# How people ask for a time or a price without the words of `_ASKS` ("Wie schnell muss das gemeldet werden?"),
# and definitions. Only the sentence choice reads these: the abstention model keeps `asked_type`, the cues it
# was trained with (retrained with these, it declined fewer unanswerable questions on the families it had not
# seen).
_ALSO_ASKS = (
    ("frist", re.compile(r"\bwie (schnell|zügig|rasch|früh|bald)\b", re.I)),
    ("betrag", re.compile(r"\bwie (teuer|günstig|billig)\b", re.I)),
    ("definition", _DEFINITION),
)
# A sentence that opens with what it defines and says what it is: "Hauptwohnung ist die vorwiegend benutzte
# Wohnung", "Gefährliche Hunde sind Hunde, …", "Wohnungsgeber ist, wer …", "Arbeitsuchende im Sinne dieses
# Buches sind …", "Ein Vorbescheid ist keine Baugenehmigung". Not a property ("… sind nicht zulässig") or a
# period ("gilt bis", "gilt zehn Jahre, … länger als"); "gilt" only with "als". The subject is in the
# nominative: "Dem Plan ist eine Erklärung beizufügen" says what to do with a plan, and so does a duty in the
# zu-infinitive after any subject (`_DUTY`).
_DEFINING_OPENING = re.compile(
    r"^(?:\(\d+[a-z]?\)\s*)?(?!(?:Dem|Den|Des|Im|Am|Vom|Zum|Zur|Beim|Bei|Für|Nach|Aus|Mit|Von|In|Auf|An|Über|Unter|Vor|"
    r"Bis|Seit|Durch|Gegen|Ohne|Um|Wegen|Während|Es|Dies|Dabei|Hierbei|Dafür|Daher|Hier|Dort|Dann|So|Laut|Zusätzlich|"
    r"Außerdem|Ferner|Ebenso|Auch|Jedoch|Allerdings|Insbesondere|Zuständig)\b)"
    r"((?:[\w-]+\s+){1,3}?)(?:im Sinne [^,.;]{0,60}?\s+)?"
    r"(?:(?:ist|sind|bezeichnet|bedeutet|umfasst|heißt)(?:\s*,\s*(?:wer|die|was|wenn)\b|\s+(?:(?:in der Regel|"
    r"grundsätzlich|insbesondere|nur)\s+)?(?:(?:ein|eine|einer|der|die|das|den|jede[rs]?|alle|kein|keine)\b|"
    r"(?:[a-zäöüß]+e[nrsm]?\s+)?[A-ZÄÖÜ]))|(?:gilt|gelten)\b[^,.;]{0,60}?(?<!er )(?<!mehr )\bals\b)")
_DEFINED_AFTER_ALS = re.compile(r"^(?:\(\d+[a-z]?\)\s*)?Als ((?:[\w-]+\s+){0,2}?[\w-]+) (?:gilt|gelten)\b")
# "Der Antrag ist der Meldebehörde vorzulegen", "… ist zu erstatten": the first clause ends in a zu-infinitive
_DUTY = re.compile(r"(?:\bzu \w+en|\w{2,}zu\w{3,}en)$")


def sought_type(question: str) -> str | None:
    """The kind of fact the question asks for first: of the cues of `asked_type`, "wie schnell"/"wie teuer" and
    definitions, the earliest. "Wie lange hab ich Zeit und wird die Gebühr angerechnet?" asks for a period first;
    the fixed order of `asked_type` (amounts before periods) would seek an amount."""
    found = [(match.start(), rank, kind)
             for rank, (kind, pattern) in enumerate((*_ASKS, *_ALSO_ASKS)) if (match := pattern.search(question))]
    if defining := next((f for f in found if f[2] == "definition"), None):
        # "Wann gilt ein Hund als gefährlich?" asks for the condition: the question word that opens the
        # definition's cue ('wann') does not count, any other cue does ("Was sind die Öffnungszeiten?")
        if all(start == defining[0] for start, *_ in found):
            return "definition"
        found = [f for f in found if f[2] != "definition"]
    return min(found)[2] if found else None


def defined_subject(sentence: str) -> frozenset[str]:
    """The analysed words a sentence opens with when it goes on to say what they are ('Hauptwohnung ist …',
    'Als Einkommen gilt …'). Only the subject counts: a term named further on ('Flächen im Sinne des § 1a …
    können') is not what the sentence defines."""
    if found := _DEFINING_OPENING.match(sentence):
        clause = re.split(r"[,;:](?:\s|$)", sentence, maxsplit=1)[0].rstrip(" .")
        return frozenset() if _DUTY.search(clause) else frozenset(analyze(found.group(1)))
    if found := _DEFINED_AFTER_ALS.match(sentence):
        return frozenset(analyze(found.group(1)))
    return frozenset()


def cue(question: str) -> str | None:
    """The words that make a question ask for its kind of fact ('was kostet'), for a follow-up to carry on."""
    first = _first_cue(question)
    return first[1] if first else None


def holds(kind: str | None, text: str) -> bool:
    """Does the text contain a fact of that kind? (True for questions of no particular kind; a definition
    depends on the asked word, see `defined_subject`.)"""
    if kind is None:
        return True
    pattern = _HOLDS.get(kind)
    return bool(pattern and pattern.search(text))
