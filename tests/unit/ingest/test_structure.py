import pytest

from ingest.structure import markdown_blocks, section_label, section_of, split_front_matter, text_blocks

pytestmark = pytest.mark.unit


def test_front_matter_is_split_and_lowercased() -> None:
    meta, body = split_front_matter("---\nTitle: Bundesmeldegesetz\nvalid_from: 2024-01-01\n---\n\n# BMG\n")
    assert meta == {"title": "Bundesmeldegesetz", "valid_from": "2024-01-01"}
    assert body.strip() == "# BMG"


def test_text_without_front_matter_is_untouched() -> None:
    assert split_front_matter("# Titel\nText") == ({}, "# Titel\nText")


@pytest.mark.parametrize(
    ("heading", "label"),
    [
        ("§ 17 Anmeldung, Abmeldung", "§ 17"),
        ("§ 8a Schutzauftrag bei Kindeswohlgefährdung", "§ 8a"),
        ("§17 Anmeldung", "§ 17"),
        ("Art 20", "Art 20"),
        ("Art. 28 Selbstverwaltung", "Art 28"),
        ("Artikel 3", "Art 3"),
        ("1. Zweck", None),
        ("Abschnitt 3 - Allgemeine Meldepflichten", None),
    ],
)
def test_section_labels(heading: str, label: str | None) -> None:
    assert section_label(heading) == label


def test_section_of_prefers_innermost_legal_label() -> None:
    assert section_of(("Teil 2", "§ 4 Berechnungsgrößen", "Nummer 1")) == "§ 4"
    assert section_of(("Öffnungszeiten", "Bürgerbüro Nord")) == "Bürgerbüro Nord"
    assert section_of(()) is None


def test_markdown_headings_become_paths_and_h1_the_title() -> None:
    body = (
        "# Bundesmeldegesetz (BMG)\n\nVorspann\n\n## Abschnitt 3 - Meldepflichten\n\n### § 17 Anmeldung\n\n"
        "(1) Wer eine Wohnung bezieht, hat sich innerhalb von zwei Wochen\nnach dem Einzug anzumelden.\n\n"
        "### § 18 Meldebescheinigung\n\n(1) Die Meldebehörde erteilt **auf Antrag** eine Bescheinigung.\n"
    )
    title, blocks = markdown_blocks(body)
    assert title == "Bundesmeldegesetz (BMG)"
    assert blocks[0].headings == ()
    assert blocks[1].headings == ("Abschnitt 3 - Meldepflichten", "§ 17 Anmeldung")
    assert blocks[1].text.startswith("(1) Wer eine Wohnung bezieht, hat sich innerhalb von zwei Wochen nach dem")
    assert blocks[2].headings[-1] == "§ 18 Meldebescheinigung"
    assert "**" not in blocks[2].text


def test_markdown_escapes_mean_the_character_itself() -> None:
    """'1\\. Januar' at a line start is escaped so that it is no list item: the text reads '1. Januar' (the
    backslash once split the sentence there), still no list item, and an escaped star is no emphasis."""
    _, blocks = markdown_blocks("## § 51 Ruhestand\n\n(2) Wer vor dem\n1\\. Januar 1947 geboren ist,\n"
                                "\\*erreicht\\* die Grenze mit 65.\n")
    assert blocks[0].text == "(2) Wer vor dem 1. Januar 1947 geboren ist, *erreicht* die Grenze mit 65."
    title, _ = markdown_blocks("# Gesetz über Abs\\. 1\n\nText.")
    assert title == "Gesetz über Abs. 1"


def test_list_items_keep_their_own_lines() -> None:
    _, blocks = markdown_blocks("## Unterlagen\n\n- Mietvertrag\n- Einkommensnachweise der\n  letzten 12 Monate\n")
    assert blocks[0].text == "- Mietvertrag\n- Einkommensnachweise der letzten 12 Monate"


_FULL = "Die Bauaufsicht erhebt für jede Amtshandlung eine Gebühr nach dem geltenden Gebührentarif,"


def test_a_paragraph_after_a_hard_wrapped_list_is_no_part_of_its_last_item() -> None:
    page = "\n".join([_FULL] * 8 + [
        "Als Orientierung gilt:",
        "• Einzelfrage zur Art der baulichen Nutzung oder zur Zulässigkeit eines kleinen",
        "Vorhabens: 50 bis 300 Euro",  # wrapped after a full line: still the item
        "• umfassende Voranfrage: 800 bis 2.000 Euro",  # short, ends in an amount
        "Wird innerhalb der Geltungsdauer ein Bauantrag gestellt, wird die Gebühr",
        "zur Hälfte angerechnet.",
    ])
    texts = [b.text for b in text_blocks([(1, page)])]
    assert texts[-2].endswith("• Einzelfrage zur Art der baulichen Nutzung oder zur Zulässigkeit eines kleinen "
                              "Vorhabens: 50 bis 300 Euro\n• umfassende Voranfrage: 800 bis 2.000 Euro")
    assert texts[-1] == ("Wird innerhalb der Geltungsdauer ein Bauantrag gestellt, wird die Gebühr zur Hälfte "
                         "angerechnet.")


def test_a_short_item_line_cut_by_the_layout_or_going_on_in_lower_case_stays_one_item() -> None:
    page = "\n".join([_FULL] * 8 + [
        "• einen Zeitplan zur Durchführung der psychischen",  # short, but no item ends in an adjective
        "Gefährdungsbeurteilung zu entwickeln.",
        "• Kinder unter drei Jahren: 120 Plätze",
        "sowie weitere Plätze in der Kindertagespflege.",  # lower case: the item's sentence goes on
        "• Mitzubringen sind:",  # a colon announces what follows
        "Personalausweis und Meldebescheinigung.",
    ])
    assert text_blocks([(1, page)])[-1].text.endswith(
        "• einen Zeitplan zur Durchführung der psychischen Gefährdungsbeurteilung zu entwickeln.\n"
        "• Kinder unter drei Jahren: 120 Plätze sowie weitere Plätze in der Kindertagespflege.\n"
        "• Mitzubringen sind: Personalausweis und Meldebescheinigung.")
    short_text = "• Kinder unter drei Jahren: 120 Plätze\nInsgesamt fehlen 420 Plätze."
    assert len(text_blocks([(1, short_text)])) == 1  # too few lines to tell a full line: joined as before


def test_agenda_items_open_the_sections_of_council_minutes_but_the_agenda_itself_is_a_list() -> None:
    minutes = ("Tagesordnung (öffentlicher Teil)\nTOP 1 Eröffnung der Sitzung\n"
               "TOP 2 Benennung einer Straße (DS 2025/0433)\n\n"
               "TOP 1 Eröffnung der Sitzung\n\nDer Oberbürgermeister eröffnet die Sitzung.\n\n"
               "TOP 2 Benennung einer Straße (DS 2025/0433)\n\nDie Planstraße A erhält den Namen Clara-Zetkin-Straße.\n"
               "\nTOP Ö 2.1 Nachtrag\n\nEin Nachtrag.\n")
    blocks = text_blocks([(None, minutes)])
    assert blocks[0].headings == () and "TOP 2 Benennung" in blocks[0].text  # the agenda lines stay text
    named = next(b for b in blocks if b.text.startswith("Die Planstraße A"))
    assert named.headings == ("TOP 2 Benennung einer Straße (DS 2025/0433)",)
    assert blocks[-1].headings == ("TOP 2 Benennung einer Straße (DS 2025/0433)", "TOP Ö 2.1 Nachtrag")
    assert section_of(named.headings) == "TOP 2 Benennung einer Straße (DS 2025/0433)"


def test_plain_text_sections_run_across_pages() -> None:
    pages = [
        (1, "Hundesteuersatzung\n§ 1 Steuergegenstand\n(1) Gegenstand ist das Halten von Hunden."),
        (2, "(2) Fortsetzung auf Seite zwei.\n§ 2 Steuersatz\nDie Steuer beträgt 96 Euro."),
    ]
    blocks = text_blocks(pages)
    by_text = {b.text.split("\n")[0][:12]: b for b in blocks}
    continued = next(b for b in blocks if b.text.startswith("(2) Fortsetzung"))
    assert continued.page == 2
    assert continued.headings == ("§ 1 Steuergegenstand",)
    assert any(b.headings == ("§ 2 Steuersatz",) and "96 Euro" in b.text for b in blocks)
    assert by_text  # heading lines stay in the text, nothing is dropped
    assert "§ 2 Steuersatz" in " ".join(b.text for b in blocks)


def test_references_and_list_items_are_not_headings() -> None:
    blocks = text_blocks([(1, "§ 3 Abs. 2 gilt entsprechend.\n1. Lageplan\n2. Bauzeichnungen\nText")])
    assert all(b.headings == () for b in blocks)


def test_numbered_headings_are_detected_but_toc_lines_are_not() -> None:
    blocks = text_blocks([(1, "1. Zweck\nDiese Anweisung regelt das.\n2. Aktuelle Situation 4\n")])
    assert blocks[0].headings == ("1. Zweck",)
    assert blocks[-1].headings == ("1. Zweck",)


def test_a_date_wrapped_to_a_line_start_is_no_list_item() -> None:
    blocks = text_blocks([(1, "Resturlaub kann bis zum\n31. Mai des Folgejahres übertragen werden.")])
    assert blocks[0].text == "Resturlaub kann bis zum 31. Mai des Folgejahres übertragen werden."


def test_heading_lines_stay_apart_from_the_first_sentence() -> None:
    from ingest.chunking import chunk_document
    from ingest.models import LoadedDocument

    blocks = text_blocks([(1, "1.4 Übertragung und Verfall\nDer Urlaub soll im Kalenderjahr genommen werden.")])
    assert blocks[0].is_heading and blocks[0].text == "1.4 Übertragung und Verfall"
    chunk = chunk_document(LoadedDocument("u.pdf", "Urlaub", blocks), collection="p", chunk_size=300,
                           chunk_overlap=0)[0]
    assert chunk.text == "1.4 Übertragung und Verfall\nDer Urlaub soll im Kalenderjahr genommen werden."
    assert chunk.section == "1.4 Übertragung und Verfall"


def test_a_wrapped_sentence_starting_with_a_number_is_no_heading() -> None:
    page = ("(3) Bei einem Betreuungsumfang von 25 Wochenstunden ermäßigt sich der Beitrag um\n"
            "25 Prozent, bei 45 Wochenstunden erhöht er sich um 25 Prozent. In der\n"
            "Kindertagespflege gelten die Beiträge entsprechend.\n"
            "4. Ermäßigungen\nGeschwisterkinder zahlen weniger.")
    blocks = text_blocks([(3, page)])
    assert blocks[0].headings == () and "um 25 Prozent, bei 45" in blocks[0].text
    assert blocks[-1].headings == ("4. Ermäßigungen",)
