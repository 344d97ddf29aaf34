"""Follow-up questions without an LLM: carry the previous question's key terms over (pure)."""

from __future__ import annotations

import re

from bot.answer_type import cue
from bot.clarify import continues_ask_back, generic_only
from core.analysis import STOPWORDS, tokenize

_CONTINUES = re.compile(r"^(und|aber|auch|was ist mit|wie ist es mit|und was|gilt das)\b", re.I)
_PRONOUN = re.compile(r"\b(das|dies|diese[rsnm]?|dafür|dazu|davon|darauf|dort|da|es|er|sie|ihn|ihm|dem|den)\b", re.I)
_QUESTION_WORD = re.compile(r"^(wie|was|wann|wo|wer|wem|wen|warum|wieso|welche\w*|muss|kann|darf|gibt|ist|sind)$", re.I)
MAX_CARRIED = 6


def looks_like_follow_up(question: str) -> bool:
    """Short, and either continuing ('Und …'), made of question words only ('Wer ist zuständig?') or pointing
    back ('das', 'dafür') without a topic of its own."""
    question = question.strip()
    if len(question.split()) > 10:
        return False
    if _CONTINUES.match(question) or generic_only(question):
        return True  # 'Wer ist zuständig?' in a chat about Wohngeld asks about Wohngeld
    own_topic = [w for w in key_terms(question)[1:] if w[:1].isupper()] or [
        w for w in key_terms(question)[:1] if w[:1].isupper() and not _QUESTION_WORD.match(w)
    ]
    return bool(_PRONOUN.search(question)) and not own_topic


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
    carried = [t for t in key_terms(previous) if t.lower() not in question.lower() and t.lower() not in cue_words]
    if asked and cue(question) is None:
        carried.append(asked)
    return f"{question} ({' '.join(carried)})" if carried else question
