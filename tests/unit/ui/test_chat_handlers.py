from pathlib import Path

import pytest

from bot.models import Answer, Source
from core.index import Index
from ui.chat import KEEP, THINKING, ChatState, give_feedback, respond
from ui.render import answer_markdown, highlighted, sources_html
from ui.service import Services

from ui_services import make_services

pytestmark = pytest.mark.unit


@pytest.fixture
def services(fake_musterstadt: Index, tmp_path: Path) -> Services:
    return make_services(fake_musterstadt, tmp_path)


def test_answer_streams_then_shows_sources_and_remembers_the_turn(services: Services) -> None:
    anna = services.account("anna")
    updates = list(respond(services, anna, "Was kostet ein Personalausweis?", [], "standard", "de", [], ChatState()))
    assert updates[0].messages[-1]["content"] == THINKING and updates[0].sources == KEEP
    final = updates[-1]
    streamed = [u.messages[-1]["content"] for u in updates[1:-1]]
    assert streamed and all(final.messages[-1]["content"].startswith(part) for part in streamed)  # text grows
    assert final.messages[0] == {"role": "user", "content": "Was kostet ein Personalausweis?"}
    assert "Quellen:" in final.messages[-1]["content"]
    assert final.state.turns[-1][0] == "Was kostet ein Personalausweis?" and final.state.last is not None
    assert 'class="quelle"' in final.sources


def test_empty_question_changes_nothing(services: Services) -> None:
    history = [{"role": "user", "content": "Frage"}, {"role": "assistant", "content": "Antwort"}]
    state = ChatState(turns=[("Frage", "Antwort")])
    (update,) = respond(services, services.account("anna"), "   ", history, "standard", "de", [], state)
    assert update.status == "Bitte eine Frage eingeben." and update.messages == history
    assert update.state is state and update.sources == KEEP


def test_unknown_style_is_reported_not_raised(services: Services) -> None:
    updates = list(respond(services, services.account("anna"), "Hundesteuer?", [], "piratisch", "de", [],
                           ChatState()))
    assert "Unbekannter Antwortstil" in updates[-1].status and updates[-1].messages == []


def test_signed_out_user_gets_nothing(services: Services) -> None:
    (update,) = respond(services, None, "Hundesteuer?", [], "standard", "de", [], ChatState())
    assert update.status == "Bitte zuerst anmelden." and update.messages == []


def test_collection_filter_cannot_widen_permissions(services: Services) -> None:
    anna = services.account("anna")
    assert "personal" not in services.visible_collections(anna)
    assert "personal" in services.visible_collections(services.account("paula"))
    final = list(respond(services, anna, "Arbeitsbefreiung Geburt Urlaub", [], "standard", "de", ["personal"],
                         ChatState()))[-1]
    assert "personal/" not in final.sources  # asking for a forbidden collection falls back to the permitted ones


def test_feedback_is_stored_without_user_name_unless_enabled(services: Services) -> None:
    anna = services.account("anna")
    assert "noch keine Antwort" in give_feedback(services, anna, 1, "", ChatState())
    final = list(respond(services, anna, "Hundesteuer erster Hund", [], "standard", "de", [], ChatState()))[-1]
    assert give_feedback(services, anna, -1, "Fehlt etwas", final.state).startswith("Danke")
    services.settings = services.settings.model_copy(update={"feedback_with_user": True})
    give_feedback(services, anna, 1, "", final.state)
    stored = services.logbook.feedback()
    assert [(f.rating, f.comment, f.user) for f in stored] == [(1, "", "anna"), (-1, "Fehlt etwas", None)]
    assert stored[0].question == "Hundesteuer erster Hund"


def test_thumbs_on_an_earlier_message_rate_that_answer(services: Services) -> None:
    anna = services.account("anna")
    first = list(respond(services, anna, "Hundesteuer erster Hund", [], "standard", "de", [], ChatState()))[-1]
    second = list(respond(services, anna, "Was kostet ein Personalausweis?", first.messages, "standard", "de", [],
                          first.state))[-1]
    assert len(second.messages) == 4 and len(second.state.answers) == 2
    assert give_feedback(services, anna, -1, "", second.state, message_index=1).startswith("Danke")
    assert services.logbook.feedback()[0].question == "Hundesteuer erster Hund"
    assert "noch keine Antwort" in give_feedback(services, anna, 1, "", second.state, message_index=9)


def _source(**overrides: object) -> Source:
    values = dict(number=1, chunk_id="c", title="Satzung <b>", path="s.md", collection="satzungen",
                  snippet="Vorher. Die Steuer beträgt 96 Euro. Nachher <script>x</script>",
                  highlight="Die Steuer beträgt 96 Euro.", link="/dokument/satzungen/s.md#%C2%A7%204", score=1.0,
                  section="§ 4")
    return Source(**{**values, **overrides})  # type: ignore[arg-type]


def test_sources_html_escapes_document_text_and_marks_the_cited_sentence() -> None:
    html = sources_html(Answer("q", "a [1]", [_source()]), {"satzungen": "Ortsrecht"})
    assert "<mark>Die Steuer beträgt 96 Euro.</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "Satzung &lt;b&gt;" in html
    assert 'href="/dokument/satzungen/s.md#%C2%A7%204"' in html and "§ 4" in html and "Ortsrecht" in html
    assert highlighted("abc", "zzz") == "abc"
    assert "Drucksache" not in html and "Signatur" not in html and "gültig" not in html  # none declared


def test_a_source_card_shows_the_documents_reference_signature_date_and_validity() -> None:
    source = _source(reference="2025/0412", signature="StAM <U> 1488/3", provenance="Tiefbauamt",
                     date="1921–1929", valid_from="2025-01-01", valid_until="2027-12-31")
    html = sources_html(Answer("q", "a [1]", [source]), {"satzungen": "Ortsrecht"})
    assert "Drucksache/Az.: 2025/0412" in html and "Signatur: StAM &lt;U&gt; 1488/3" in html
    assert "Provenienz: Tiefbauamt" in html and "gültig ab 2025-01-01 bis 2027-12-31" in html
    assert "Datum: 1921–1929" in html
    only_until = sources_html(Answer("q", "a [1]", [_source(valid_until="2027-12-31")]), {})
    assert "gültig bis 2027-12-31" in only_until and "gültig ab" not in only_until


def test_a_source_card_links_the_published_original_but_only_over_http() -> None:
    council = "https://risi.muenchen.de/risi/sitzungsvorlage/detail/6414694?a=1&b=<2>"
    html = sources_html(Answer("q", "a [1]", [_source(source_url=council)]), {})
    escaped = "https://risi.muenchen.de/risi/sitzungsvorlage/detail/6414694?a=1&amp;b=&lt;2&gt;"
    assert f'class="quelle-original" href="{escaped}"' in html
    assert 'rel="noopener noreferrer"' in html
    for hostile in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"):
        assert "quelle-original" not in sources_html(Answer("q", "a [1]", [_source(source_url=hostile)]), {})


def test_answer_markdown_lists_sources_and_neutralises_images() -> None:
    text = answer_markdown(Answer("q", "Siehe ![x](http://evil/a.png) <img src=x> [1].", [_source()],
                                  flagged=["x"], notice="Sprachmodell nicht erreichbar"))
    assert "![" not in text and "<img" not in text
    assert "**Quellen:** [1] Satzung <b>, § 4" in text
    assert "Hinweis: Sprachmodell" in text and "nicht eindeutig belegt" in text
