"""The test session's law excerpt keeps the asked sections, their neighbours and the law's frame."""

from __future__ import annotations

from pathlib import Path

from law_excerpt import excerpt, gold_sections, section_label

LAW = """# Bundesmeldegesetz (BMG)

Eingangsformel.

## Abschnitt 1 - Allgemeines

### § 1 Meldebehörden
Erster.
### § 2 Aufgaben
Zweiter.
### § 3 Speicherung
Dritter.
### § 4 Ordnungsmerkmale
Vierter.
## Abschnitt 2 - Pflichten
Zwischentext.
### § 17 Anmeldung
Zwei Wochen.
### § 18 Abmeldung
Achtzehnter.
### § 19 Wohnungsgeber
Neunzehnter.
"""


def test_section_labels_read_as_the_question_sets_write_them() -> None:
    assert section_label("### § 8a Schutzauftrag") == "§ 8a"
    assert section_label("### Art 28") == "Art 28" and section_label("### Art. 1 Würde") == "Art 1"
    assert section_label("## Abschnitt 2 - Pflichten") is None


def test_asked_section_comes_with_its_neighbours_the_opening_and_every_heading() -> None:
    text = excerpt(LAW, {"§ 18"}, window=1, lead=1)
    for kept in ("Eingangsformel.", "Erster.", "Zwei Wochen.", "Achtzehnter.", "Neunzehnter.",
                 "## Abschnitt 2 - Pflichten"):
        assert kept in text, kept
    for dropped in ("### § 2 Aufgaben", "Zweiter.", "Dritter.", "Vierter.", "Zwischentext."):
        assert dropped not in text, dropped


def test_gold_sections_are_gathered_per_law(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"gold": [{"doc": "bmg.md", "section": "§ 17"}]}\n{"gold": []}\n\n'
                         '{"gold": [{"doc": "bmg.md", "section": "§ 19"}, {"doc": "gg.md", "section": "Art 28"}]}\n',
                         encoding="utf-8")
    assert gold_sections([questions]) == {"bmg.md": {"§ 17", "§ 19"}, "gg.md": {"Art 28"}}
