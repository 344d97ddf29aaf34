"""German keyword analysis shared by the keyword index and the query side (pure, no I/O).

Index and query must run through the very same function, so it lives here and carries a version:
a changed analyzer makes the index re-analyse its stored chunk texts (no re-embedding needed).
"""

from __future__ import annotations

import re
from functools import lru_cache

# de-2: long s and typographic ligatures folded (old prints, PDFs); de-3: zu-infinitives of separable verbs
ANALYZER_VERSION = "de-3"
# German month names: a "3. März" opening a line is a date, not a numbered list item
MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"

_TOKEN = re.compile(r"§+|\d+[a-z]?\b|[^\W\d_]+", re.UNICODE)
# ae/oe/ue typed for ä/ö/ü; not after a vowel or q, so "Steuer", "Dauer", "Quelle" stay as they are.
_DIGRAPH = re.compile(r"(?<![aeiouäöüq])(ae|oe|ue)")
_DIGRAPH_MAP = {"ae": "ä", "oe": "ö", "ue": "ü"}
# Old typography and PDF text layers: long s ("Hochwaſſer") and ligature code points ("ﬁnden") as letters.
_LETTERS = str.maketrans({"ſ": "s", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})

# Separable verb prefixes, longest first: administrative text writes "sind mitzubringen", "ist anzumelden",
# "die vorzulegenden Unterlagen" where people ask "mitbringen", "anmelden", "vorlegen". Not "hin": "hinzu-"
# verbs (hinzuziehen, hinzuverdienen) are the commoner reading of "hinzu…".
_SEPARABLE = ("zusammen", "entgegen", "zurück", "weiter", "wieder", "hinzu", "durch", "unter", "bekannt", "statt",
              "fest", "frei", "fort", "nach", "über", "teil", "auf", "aus", "bei", "dar", "ein", "her", "mit",
              "vor", "weg", "ab", "an", "um", "zu")
# prefix + "zu" + a verb (its infinitive, or the gerundive "-end…"); the verb must start like a German word
# (a vowel, or a consonant before a vowel, or a cluster such as "st", "br", "schr"), which keeps the
# linking "s" of nouns out: "Umzugskosten" and "Einzugsgebiet" are no "um-zu-gskosten".
_ZU_INFINITIVE = re.compile(
    rf"^({'|'.join(_SEPARABLE)})zu((?:[aeiouäöü]|sch[lmnrw]?|s[pt]r?|[bcdfgkpt][lr]|pf|zw|[bcdfghjklmnpqrstvwz][aeiouäöüy])"
    r"[a-zäöüß]*?en(?:d(?:e[mnrs]?)?)?)$")

STOPWORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an andere anderen auch auf aus bei beim bin bis bist
    da damit dann das dass dein deine dem den der des dessen dich die dies diese diesem diesen dieser
    dieses dir doch dort du durch ein eine einem einen einer eines er es etwa euch euer für gegen hat
    hatte hätte hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer im in ins ist ja jede jedem
    jeden jeder jedes jetzt kann kein keine können könnte man manche mich mir mit muss musste nach nicht
    nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner sich sie sind so soll sollte
    sondern um und uns unser unter viel vom von vor war waren was weil welche welchem welchen welcher
    welches wenn wer werde werden wie wir wird wo wurde wurden zu zum zur über bzw ggf wann wo woher
    wohin wieso warum gibt geht habe haben mein meine meinem meinen meiner muss müssen darf dürfen
    """.split()  # noqa: SIM905 - a word list reads better than a list literal
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("german")


@lru_cache(maxsize=65536)  # the same words recur in every title, heading and passage
def fold(word: str) -> str:
    """Lower-case and unify spellings: 'Gebuehren' -> 'gebühren', 'Hochwaſſer' -> 'hochwasser', 'Straße' stays
    (the stemmer maps ß)."""
    word = word.lower().translate(_LETTERS)
    return _DIGRAPH.sub(lambda m: _DIGRAPH_MAP[m.group(1)], word)


def tokenize(text: str) -> list[str]:
    """Raw word tokens (lower-cased, spellings unified), stopwords kept."""
    return [fold(t) for t in _TOKEN.findall(text)]


def unzu(word: str) -> str:
    """'mitzubringen' -> 'mitbringen', 'vorzulegenden' -> 'vorlegenden' (a folded word); others unchanged."""
    found = _ZU_INFINITIVE.match(word)
    return found.group(1) + found.group(2) if found else word


@lru_cache(maxsize=65536)  # every passage of a question's candidates is analysed again: words recur
def _stem(word: str) -> str:
    return _stemmer().stemWord(unzu(word))


def analyze(text: str) -> list[str]:
    """Text -> German stems for BM25: folded, stopwords dropped, numbers and '§' kept as terms."""
    words = [t for t in tokenize(text) if t not in STOPWORDS]
    return [w if not w.isalpha() else _stem(w) for w in words if w != "§"]
