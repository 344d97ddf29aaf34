"""Ask back when a question names no topic (pure).

"Wie stelle ich einen Antrag?" or, as a first message, "Was kostet das?" says what kind of fact is wanted
but not about what. The documents answer it for many topics; quoting the best-scored one (a Wohngeld
checklist mixed with the Personalausweis) is a guess. Offices answer such a question with a question:
"Worum geht es?", naming the topics they have. A follow-up of a few words ("Wohngeld") then continues
the question it answers (`bot.conversation.condense`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.candidates import QueryTerms
from bot.models import Hit
from bot.procedure_assembly import PROCEDURE_WORDS
from core.analysis import analyze

# Words that say what kind of fact or step is asked for, not about what: the procedure words ('Welche
# Unterlagen brauche ich …') and the question words of amounts, deadlines and offices as German speakers ask
# them (not taken from any question set).
GENERIC_WORDS = PROCEDURE_WORDS | frozenset(analyze(
    "beachten dauern dauert lange kosten kostet gelten gilt zuständig zuständigkeit frist fristen gebühr gebühren "
    "finden hoch höhe wichtig passiert geht"))
MAX_CHOICES = 4
ASK_BACK = "Ihre Frage passt zu mehreren Themen in den Unterlagen. Worum geht es?"
# "Wohngeld", "für den Personalausweis", "Merkblatt Wohngeld": a reply, not a new question
SHORT_REPLY_WORDS = 8


def names_no_topic(terms: QueryTerms) -> bool:
    """True when every term of the question is a generic question word (and none is unknown to the index:
    an unknown word is a topic the documents lack, for the decline to handle)."""
    return not terms.unknown and all(term in GENERIC_WORDS for term in terms.terms)


def generic_only(question: str) -> bool:
    """Made of generic question words alone, before the index is asked (a chat's follow-up check)."""
    return all(term in GENERIC_WORDS for term in analyze(question))


def choices(hits: Sequence[Hit], most: int = MAX_CHOICES) -> list[Hit]:
    """The best-ranked hit of each document, in rank order: one choice per topic the documents offer."""
    seen: set[tuple[str, str]] = set()
    chosen = []
    for hit in hits:
        document = (hit.chunk.collection, hit.chunk.source)
        if document not in seen:
            seen.add(document)
            chosen.append(hit)
    return chosen[:most]


def ask_back_text(titles: Sequence[str]) -> str:
    """The ask-back with one cited line per document ([1] is the first of `titles`)."""
    lines = [f"- {title} [{number}]" for number, title in enumerate(titles, start=1)]
    return "\n\n".join([ASK_BACK, "\n".join(lines),
                        "Antworten Sie einfach mit dem Thema, oder stellen Sie die Frage mit dem Thema neu."])


def is_ask_back(answer_text: str) -> bool:
    return answer_text.startswith(ASK_BACK)


def continues_ask_back(reply: str, history: Sequence[tuple[str, str]]) -> str | None:
    """A short reply to an ask-back joined to the question it specifies ("Wie stelle ich einen Antrag?
    (Wohngeld)"); None when the last answer asked nothing back or the reply is a question of its own."""
    if not history or not is_ask_back(history[-1][1]):
        return None
    reply = reply.strip()
    offered = f"\n- {reply} [" in history[-1][1]  # a title picked in the UI, however long
    if not offered and (reply.endswith("?") or len(reply.split()) > SHORT_REPLY_WORDS):
        return None
    return f"{history[-1][0]} ({reply})"
