import pytest

from bot.citations import (
    cited_numbers,
    drop_invalid_markers,
    make_sources,
    snippet,
    split_cited_sentences,
    unsupported_sentences,
)
from bot.models import Hit

from conftest import make_chunk

pytestmark = pytest.mark.unit


def _hit(cid: str, text: str, **fields: object) -> Hit:
    return Hit(make_chunk(cid, text, source="satzungen/hund.pdf", title="Hundesteuersatzung", collection="satzungen",
                          **fields), score=0.9)


def test_sources_are_numbered_with_location_and_the_link_the_caller_builds() -> None:
    asked: list[tuple[str, int | None, str | None]] = []

    def links(doc_id: str, page: int | None, section: str | None) -> str | None:
        asked.append((doc_id, page, section))
        return f"link:{doc_id}:{page}" if page else None

    sources = make_sources([_hit("a", "Die Steuer beträgt 96 Euro.", page=2, section="§ 4"),
                            _hit("b", "Text.", section="§ 17")], {"a": "Die Steuer beträgt 96 Euro."}, links)
    assert [s.number for s in sources] == [1, 2]
    assert sources[0].location == "S. 2" and sources[0].link == "link:satzungen/satzungen/hund.pdf:2"
    assert sources[0].highlight == "Die Steuer beträgt 96 Euro."
    assert sources[1].location == "§ 17" and sources[1].link is None
    assert asked == [("satzungen/satzungen/hund.pdf", 2, "§ 4"), ("satzungen/satzungen/hund.pdf", None, "§ 17")]


def test_without_a_link_builder_the_engine_links_nowhere() -> None:
    assert make_sources([_hit("a", "Text.", page=2)])[0].link is None


def test_snippet_is_a_window_around_the_highlight() -> None:
    text = "A" * 600 + " Die Frist beträgt zwei Wochen. " + "B" * 600
    cut = snippet(text, "Die Frist beträgt zwei Wochen.", limit=200)
    assert "Die Frist beträgt zwei Wochen." in cut and cut.startswith("…") and cut.endswith("…")
    assert len(cut) <= 202


def test_markers_are_parsed_and_invalid_ones_removed() -> None:
    text = "Die Steuer beträgt 96 Euro [1]. Befreit sind Blindenhunde [2, 7]. Erfunden [9]."
    assert cited_numbers(text) == [1, 2, 7, 9]
    cleaned = drop_invalid_markers(text, {1, 2})
    assert cleaned == "Die Steuer beträgt 96 Euro [1]. Befreit sind Blindenhunde [2]. Erfunden."
    assert split_cited_sentences(cleaned)[1] == ("Befreit sind Blindenhunde.", [2])


def test_a_sentence_its_source_does_not_support_is_flagged() -> None:
    sources = make_sources([_hit("a", "Die Hundesteuer beträgt 96 Euro im Jahr.")])
    text = "Die Hundesteuer beträgt 96 Euro im Jahr [1]. Parkausweise kosten 30 Euro im Bürgerbüro [1]."
    flagged = unsupported_sentences(text, sources, {1: "Die Hundesteuer beträgt 96 Euro im Jahr."})
    assert flagged == ["Parkausweise kosten 30 Euro im Bürgerbüro."]


def test_abbreviations_do_not_split_a_cited_sentence() -> None:
    sentences = split_cited_sentences("Die Frist gilt gem. § 17 Abs. 1 BMG, z. B. beim Umzug [1]. Sie ist kurz [2].")
    assert sentences == [("Die Frist gilt gem. § 17 Abs. 1 BMG, z. B. beim Umzug.", [1]), ("Sie ist kurz.", [2])]


def test_a_source_carries_the_municipal_fields_of_its_chunk() -> None:
    (source,) = make_sources([_hit("v", "Der Rat beschließt.", reference="2025/0412", signature="StAM U 1488/3",
                                   provenance="Tiefbauamt", valid_from="2025-01-01", valid_until="2027-12-31",
                                   source_url="https://ratsinfo.musterstadt.de/vo.pdf",
                                   heading_path=("2 Beschluss", "2.1 Kosten"))])
    assert (source.reference, source.signature, source.provenance) == ("2025/0412", "StAM U 1488/3", "Tiefbauamt")
    assert (source.valid_from, source.valid_until) == ("2025-01-01", "2027-12-31")
    assert source.validity == "gültig ab 2025-01-01 bis 2027-12-31"
    assert source.source_url == "https://ratsinfo.musterstadt.de/vo.pdf"
    assert source.heading == "2 Beschluss > 2.1 Kosten"
    (plain,) = make_sources([_hit("p", "Text.")])
    assert plain.reference is plain.signature is plain.source_url is None and plain.validity == ""
    assert plain.title == "Hundesteuersatzung"
    (untitled,) = make_sources([Hit(make_chunk("u", "Text.", source="a/b.md"), score=1.0)])
    assert untitled.title == "a/b.md"  # a document without a title is named by its path
