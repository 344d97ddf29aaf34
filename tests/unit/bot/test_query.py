import pytest

from bot.query import LegalRef, document_numbers, legal_references, topic_terms

pytestmark = pytest.mark.unit


def test_legal_references_with_and_without_law() -> None:
    refs = legal_references("Was steht in § 17 BMG, Art. 28 GG und § 34 Abs. 1 BauGB? Und §8a SGB VIII?")
    assert refs == [LegalRef("§ 17", "BMG"), LegalRef("Art 28", "GG"), LegalRef("§ 34", "BauGB"),
                    LegalRef("§ 8a", "SGB VIII")]
    assert legal_references("Gilt Artikel 3 auch hier?") == [LegalRef("Art 3", None)]
    assert legal_references("Wie hoch ist die Hundesteuer?") == []


def test_drucksache_numbers_and_signatures() -> None:
    assert document_numbers("Was wurde zu DS 2025/0412 beschlossen?") == ["2025/0412"]
    assert document_numbers("Vorlage Nr. 2025 / 0587") == ["2025/0587"]
    assert document_numbers("Urkunde StAM U 1488/3 einsehen") == ["StAM U 1488/3"]
    assert document_numbers("Was steht in der Vorlage 20-26 / V 02318?") == ["20-26 / V 02318"]
    assert document_numbers("Sitzungsvorlage Nr. 20-26/V02318") == ["20-26 / V 02318"]
    assert document_numbers("Was wurde zur Vorlage V 02318 beschlossen?") == ["V 02318"]
    assert document_numbers("Antrag Nr. a 01234") == ["A 01234"]
    assert document_numbers("Die Postleitzahl 80331 und Zimmer B 12345") == []  # no paper named


def test_topic_terms_are_the_nouns() -> None:
    assert topic_terms("Was kostet die Gelbe Tonne in Dresden?") == ["gelb", "tonn", "dresd"]
    assert topic_terms("Wie beantrage ich Wohngeld?") == ["wohngeld"]
    assert topic_terms("hundesteuer wie hoch") == []
