"""Procedure answers: the classifier, the assembly from passages, the checklist, the LLM path's checks."""

from collections.abc import Iterator

import pytest

from bot.backends.base import AnswerRequest, BackendResult, BaseBackend, QueryTerm
from bot.backends.extractive import ExtractiveBackend
from bot.citations import make_sources
from bot.models import Answer, Hit
from bot.procedure import Item, Procedure, build, checked, is_procedure_question, markdown, parse, structured
from bot.procedure_assembly import assemble, kind_of, topic_terms
from bot.prompts import system_prompt
from core.analysis import analyze

from conftest import make_chunk

pytestmark = pytest.mark.unit

LEAFLET = """2. Antragsunterlagen
Folgende Unterlagen sind einzureichen:
• Antragsformular A 1, vollständig ausgefüllt
• Kopie des Personalausweises
• Nachweis über das Einkommen der letzten drei Monate
3. Ablauf
Stellen Sie den Antrag schriftlich bei der Fachstelle. Anschließend erhalten Sie eine Eingangsbestätigung.
Die Gebühr beträgt 25,00 Euro. Der Bescheid ergeht innerhalb von vier Wochen.
Zuständig ist die Fachstelle im Rathaus, Marktstraße 3, Tel. 0123 456-78, Montag bis Freitag 8 bis 12 Uhr."""
LAW = "§ 12 Fördergesetz (2) Der Antrag ist innerhalb eines Monats nach Erhalt des Bescheids zu stellen."
OTHER = """Hinweise zur Hundesteuer
• Kopie des Impfpasses des Hundes
• Nachweis der Haftpflichtversicherung"""


def _sources(texts: list[tuple[str, str]]):  # (source path, text)
    hits = [Hit(make_chunk(str(i), text, source=path, title=f"Dokument {i}", collection="c"), score=1.0)
            for i, (path, text) in enumerate(texts)]
    sources = make_sources(hits)
    return sources, {s.number: text for s, (_, text) in zip(sources, texts, strict=True)}


TOPIC = [(3.0, frozenset(analyze("Förderantrag Fördergesetz"))), (1.0, frozenset(analyze("Unterlagen")))]


@pytest.mark.parametrize("question", [
    "Wie beantrage ich Wohngeld?", "Welche Unterlagen brauche ich für einen Bauantrag?",
    "Was muss ich tun, wenn ich umziehe?", "Wo kann ich einen Reisepass beantragen?",
    "Was muss ich zur Anmeldung mitbringen?", "Wie kann ich meinen Wohnsitz ummelden?",
    "Welche Nachweise brauche ich für die Kita?"])
def test_how_to_questions_are_procedure_questions(question: str) -> None:
    assert is_procedure_question(question)


@pytest.mark.parametrize("question", [
    "Was kostet ein Personalausweis?", "Bis wann muss ich mich ummelden?", "Wer ist für Wohngeld zuständig?",
    "Wie hoch ist die Hundesteuer?", "Was ist Wohngeld?", ""])
def test_single_fact_questions_are_not(question: str) -> None:
    assert not is_procedure_question(question)


def test_items_are_sorted_under_the_headings_by_general_cues() -> None:
    assert kind_of("Kopie des Personalausweises", True, "Folgende Unterlagen sind einzureichen:") == "unterlagen"
    assert kind_of("Die Gebühr beträgt 25,00 Euro.", False, "") == "gebuehren"
    assert kind_of("Der Bescheid ergeht innerhalb von vier Wochen.", False, "") == "fristen"
    assert kind_of("Zuständig ist die Fachstelle, Tel. 0123 456-78.", False, "") == "stelle"
    assert kind_of("Stellen Sie den Antrag schriftlich bei der Fachstelle.", False, "") == "schritte"
    assert kind_of("Für Kinder unter 16 Jahren gilt dasselbe.", False, "") is None  # an age is no deadline
    # a sentence that lists what to bring stays under Unterlagen, though it names what one of them costs
    brought = "Mitzubringen sind der alte Ausweis und ein Lichtbild (Fototerminal im Amt für 6,00 Euro)."
    assert kind_of(brought, False, "") == "unterlagen"
    assert kind_of("Folgende Unterlagen sind vorzulegen: Ausweis, Lichtbild.", False, "") == "unterlagen"
    assert kind_of("Mitzubringen ist eine Gebühr von 6,00 Euro.", False, "") == "gebuehren"  # no document named


def test_assembly_cites_each_item_and_leaves_out_other_topics() -> None:
    sources, passages = _sources([("foerderung.pdf", LEAFLET), ("gesetz.md", LAW), ("hund.pdf", OTHER)])
    passages[2] = "Förderantrag nach dem Fördergesetz: " + passages[2]  # the law names the topic
    procedure = assemble(sources, passages, TOPIC, {"c": ("Förderung", "Fachstelle, Tel. 0123 456-78")})
    got = {key: [(i.text, i.source) for i in items] for key, items in procedure.sections.items()}
    assert got["unterlagen"] == [("Antragsformular A 1, vollständig ausgefüllt", 1),
                                 ("Kopie des Personalausweises", 1),
                                 ("Nachweis über das Einkommen der letzten drei Monate", 1)]
    assert ("Stellen Sie den Antrag schriftlich bei der Fachstelle.", 1) in got["schritte"]
    assert ("Die Gebühr beträgt 25,00 Euro.", 1) in got["gebuehren"]
    assert ("Der Bescheid ergeht innerhalb von vier Wochen.", 1) in got["fristen"]
    assert any(source == 2 and "innerhalb eines Monats" in text for text, source in got["fristen"])  # the law
    assert got["stelle"][0][1] == 1 and len(got["stelle"]) == 1  # the contact is quoted already: not repeated
    assert ("§ 12 Fördergesetz", 2) in got["rechtsgrundlage"]
    assert not any(source == 3 for items in got.values() for _, source in items)  # the dog leaflet stays out


def test_empty_headings_are_left_out_and_the_declared_contact_joins() -> None:
    sources, passages = _sources([("a.md", "Folgende Unterlagen sind mitzubringen:\n- Kopie des Mietvertrags")])
    procedure = assemble(sources, passages, TOPIC, {"c": ("Soziales", "Sozialamt, Tel. 0123 789-5300")})
    assert list(procedure.sections) == ["unterlagen", "stelle"]
    contact = procedure.sections["stelle"][0]
    assert contact.source is None and contact.note == "Kontakt der Sammlung „Soziales“"
    assert not assemble(sources, {1: "Ein Satz ohne jeden Hinweis."}, TOPIC)


def test_checklist_markdown_and_fields() -> None:
    procedure = build({"fristen": [Item("Innerhalb von zwei Wochen.", 2)],
                       "unterlagen": [Item("Kopie des Ausweises", 1), Item("Kopie des  Ausweises", 1)],
                       "gebuehren": []})
    text = markdown(procedure)
    assert text == "**Unterlagen**\n- ☐ Kopie des Ausweises [1]\n\n**Fristen**\n- Innerhalb von zwei Wochen. [2]"
    assert procedure.to_dict() == {"unterlagen": [{"text": "Kopie des Ausweises", "source": 1}],
                                   "fristen": [{"text": "Innerhalb von zwei Wochen.", "source": 2}]}
    assert build({"unterlagen": [Item("x " * 200, 1)]}).sections["unterlagen"][0].text.endswith(" …")


def test_extractive_backend_answers_with_the_checklist() -> None:
    sources, passages = _sources([("foerderung.pdf", LEAFLET)])
    terms = {"forderantrag": QueryTerm(3.0, frozenset(analyze("Förderantrag"))),
             "unterlag": QueryTerm(1.0, frozenset(analyze("Unterlagen")))}
    request = AnswerRequest(question="Welche Unterlagen brauche ich für den Förderantrag?", search_query="x",
                            sources=sources, passages=passages, terms=terms, procedure=True)
    result = BackendResult()
    text = "".join(ExtractiveBackend().stream(request, result))
    assert result.procedure and "unterlagen" in result.procedure.sections
    assert "**Unterlagen**\n- ☐ Antragsformular A 1, vollständig ausgefüllt [1]" in text
    assert text.count("Kopie des Personalausweises") == 1  # the lead does not repeat the checklist
    plain = BackendResult()
    "".join(ExtractiveBackend().stream(AnswerRequest(**{**request.__dict__, "procedure": False}), plain))
    assert plain.procedure is None


LLM_ANSWER = """Den Antrag stellen Sie bei der Fachstelle [1].

**Unterlagen**
- Kopie des Personalausweises [1]
- Geburtsurkunde des Hundes [1]
- Nachweis über das Einkommen [7]

## Fristen
- Der Bescheid ergeht innerhalb von vier Wochen [1]
"""


def test_llm_headings_are_parsed_and_each_citation_checked() -> None:
    lead, found = parse(LLM_ANSWER)
    assert lead == "Den Antrag stellen Sie bei der Fachstelle [1]."
    assert found["unterlagen"][0] == ("Kopie des Personalausweises", [1])
    procedure, dropped = checked(found, {1: LEAFLET})
    assert [i.text for i in procedure.sections["unterlagen"]] == ["Kopie des Personalausweises"]
    assert dropped == ["Geburtsurkunde des Hundes", "Nachweis über das Einkommen"]  # unsupported; no such source
    assert procedure.sections["fristen"][0].source == 1
    text, fields = structured(LLM_ANSWER, {1: LEAFLET})
    assert fields is not None and "Geburtsurkunde" not in text and text.startswith(lead)
    assert structured("Nur ein Satz [1].", {1: LEAFLET}) == ("Nur ein Satz [1].", None)


class FakeLLM(BaseBackend):
    """Writes the headings as an instructed model would (one invented item)."""

    name = "fake-llm"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        self.prompts.append(system_prompt(request))
        yield LLM_ANSWER.replace("[1]", f"[{request.sources[0].number}]")


def test_assistant_asks_an_llm_for_the_headings_and_checks_them(fake_musterstadt) -> None:
    from bot.assistant import Assistant

    settings = fake_musterstadt.settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                                            "abstain_min_known": 0.0,
                                                            "abstain_min_document_known": 0.0})
    backend = FakeLLM()
    assistant = Assistant.from_settings(settings, index=fake_musterstadt, backend=backend)
    answer = assistant.ask("Welche Unterlagen brauche ich für einen Bauantrag?")
    assert "**Unterlagen**" in backend.prompts[-1] and "erfinde nichts" in backend.prompts[-1]
    assert isinstance(answer, Answer)
    # the fake index holds no leaflet with these items: every item fails its check, none is shown uncited
    assert answer.procedure is None or all(i.source for items in answer.procedure.sections.values()
                                           for i in items)
    assert "Geburtsurkunde des Hundes" not in answer.text
    assert answer.to_dict()["procedure"] == (answer.procedure.to_dict() if answer.procedure else None)
    assistant.ask("Wie hoch ist die Hundesteuer?")
    assert "**Unterlagen**" not in backend.prompts[-1]


def test_topic_leaves_out_the_cue_words() -> None:
    terms = [(1.0, frozenset({"unterlag"})), (2.0, frozenset({"bauantrag"})), (1.0, frozenset({"brauch"}))]
    assert topic_terms(terms) == [(2.0, frozenset({"bauantrag"}))]
    assert not Procedure()
