"""Follow-up questions without an LLM: carry the previous question's key terms over (pure)."""

from __future__ import annotations

import re

from bot.answer_type import cue
from bot.clarify import continues_ask_back, generic_only
from core.analysis import STOPWORDS, tokenize
from core.sentences import split_sentences

_CONTINUES = re.compile(r"^(und|aber|auch|was ist mit|wie ist es mit|und was|gilt das)\b", re.I)
_PRONOUN = re.compile(r"\b(das|dies|diese[rsnm]?|dafür|dazu|davon|darauf|dort|da|es|er|sie|ihn|ihm|dem|den)\b", re.I)
_QUESTION_WORD = re.compile(r"^(wie|was|wann|wo|wer|wem|wen|warum|wieso|welche\w*|muss|kann|darf|gibt|ist|sind)$", re.I)
# what follows the verb of a yes/no question: "Kostet das …?", "Brauche ich …?", "Gilt der …?"
_SUBJECT = re.compile(r"^(ich|du|er|sie|es|man|wir|ihr|das|der|die|den|dem|dies\w*|ein\w*|mein\w*|dein\w*|"
                      r"ihr\w*|unser\w*|euer\w*)$", re.I)
# a count or rank: a follow-up naming one asks about it instead of the previous question's
_NUMERAL = re.compile(r"\b(\d+(?:[.,]\d+)?\.?|(erst|zweit|dritt|viert|fünft|sechst|letzt|nächst)e[nmrs]?)\b", re.I)
MAX_CARRIED = 6
MAX_WORDS = 10  # per sentence: "Kann man den heimschicken lassen? Was kostet das?" is two short follow-ups
MAX_SENTENCES = 3


def looks_like_follow_up(question: str) -> bool:
    """Short, and either continuing ('Und …'), made of question words only ('Wer ist zuständig?') or pointing
    back ('das', 'dafür') without a topic of its own. Short means each sentence: people chain two quick
    questions in one message, and the pair points back as much as either does."""
    question = question.strip()
    sentences = split_sentences(question) or [question]
    if len(sentences) > MAX_SENTENCES or any(len(s.split()) > MAX_WORDS for s in sentences):
        return False
    if _CONTINUES.match(question) or generic_only(question):
        return True  # 'Wer ist zuständig?' in a chat about Wohngeld asks about Wohngeld
    return bool(_PRONOUN.search(question)) and not any(_own_topic(s) for s in sentences)


def _own_topic(sentence: str) -> list[str]:
    """Capitalised content words: nouns and names, but not the generic ones of the asked kind of fact
    ("Welche Unterlagen brauche ich dafür?" asks about the chat's topic). A sentence's first word is
    capitalised anyway; it names a topic unless it is a question word or a verb that opens a yes/no
    question ("Kostet das was?")."""
    words = re.findall(r"[\wÄÖÜäöüß§.-]+", sentence)
    topic = []
    for i, word in enumerate(words):
        if not word[:1].isupper() or word not in key_terms(word) or generic_only(word):
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        if i == 0 and (_QUESTION_WORD.match(word) or _SUBJECT.match(following)):
            continue
        topic.append(word)
    return topic


def key_terms(text: str) -> list[str]:
    """Content words of a question, capitalised words (nouns, names) first."""
    words = [w for w in re.findall(r"[\wÄÖÜäöüß§.-]+", text) if len(w) > 2]
    content = [w for w in words if tokenize(w) and tokenize(w)[0] not in STOPWORDS]
    nouns = [w for w in content if w[:1].isupper() or w[:1] in "§" or any(c.isdigit() for c in w)]
    rest = [w for w in content if w not in nouns]
    return list(dict.fromkeys(nouns + rest))[:MAX_CARRIED]


def condense(question: str, history: list[tuple[str, str]]) -> str:
    """'Und wie lange dauert das?' after 'Wie beantrage ich Wohngeld?' -> adds 'Wohngeld beantrage'; 'Und für
    einen Kampfhund?' after 'Was kostet die Hundesteuer?' also carries 'kostet': it still asks for an amount.
    'Wohngeld' after Auskunft asked back which topic is meant joins the question it answers."""
    if (specified := continues_ask_back(question, history)) is not None:
        return specified
    if not history or not looks_like_follow_up(question):
        return question
    previous = history[-1][0]
    asked = cue(previous)  # what kind of fact the chat asks for; a follow-up with a cue of its own asks that
    cue_words = set(asked.lower().split()) if asked else set()
    replaced = _NUMERAL.search(question) is not None  # "Und für den zweiten?" replaces "erster"
    carried = [t for t in key_terms(previous) if t.lower() not in question.lower() and t.lower() not in cue_words
               and not (replaced and _NUMERAL.fullmatch(t))]
    if asked and cue(question) is None:
        carried.append(asked)
    return f"{question} ({' '.join(carried)})" if carried else question
