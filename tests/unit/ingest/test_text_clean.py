import pytest

from ingest.text_clean import guess_title, join_hyphenated, normalize_whitespace, strip_repeated_lines

pytestmark = pytest.mark.unit


def test_hyphenation_at_line_end_is_joined_only_for_lowercase_continuations() -> None:
    assert join_hyphenated("Der Wohn-\ngeldantrag") == "Der Wohngeldantrag"
    assert join_hyphenated("Bau-\nUnd Planungsamt") == "Bau-\nUnd Planungsamt"


def test_whitespace_is_normalised_and_soft_hyphens_removed() -> None:
    assert normalize_whitespace("a\u00a0 b\r\n\n\n\nc\u00adde\x00") == "a b\n\ncde"


def test_running_headers_and_page_numbers_are_stripped() -> None:
    pages = [f"Stadt Musterstadt – Merkblatt\nInhalt {n} mit Text\nSeite {n} von 4" for n in range(1, 5)]
    cleaned = strip_repeated_lines(pages)
    assert cleaned == [f"Inhalt {n} mit Text" for n in range(1, 5)]


def test_title_skips_letterhead_lines() -> None:
    page = "Telefon: 233 – 26228\nDatum: 22.12.2020\nEntscheidung über die Gewährung\neines Zuschusses\n\nText"
    assert guess_title([page]) == "Entscheidung über die Gewährung eines Zuschusses"


def test_a_table_header_repeated_on_every_page_goes_as_a_block() -> None:
    header = "Lfd.\nNr.\nBeschlussnummer\nBeschlossen\nam VPA/VV\nBeschlusstitel\n(Betreff)\nBeschlussaufträge"
    bodies = ["Der Stadtrat beschließt 8,5 Stellen.", "Zu 5. Es wurden 8,5 Stellen eingerichtet.",
              "Erledigt im Jahr 2019.", "Der Antrag ist erledigt."]
    pages = [f"{n}\n{header}\n{body}\nLfd. Nr. {n}" for n, body in enumerate(bodies, start=7)]
    cleaned = strip_repeated_lines(pages)
    assert [page.split("\n")[0] for page in cleaned] == bodies  # page number and all eight header lines gone
    assert all("Beschlusstitel" not in page for page in cleaned)
    assert strip_repeated_lines([f"Kopf\n{body}" for body in bodies]) == bodies


def test_body_lines_that_merely_recur_stay() -> None:
    """A checklist item on two pages of a short leaflet is content, not a running header."""
    pages = ["Merkblatt Reisepass\nDen Antrag stellen Sie im Bürgerbüro.\nSie brauchen einen Termin.\nDer Pass ist "
             "zehn Jahre gültig.\nKinder erhalten einen Kinderreisepass.\nErforderliche Unterlagen:\n- Personalausweis",
             "Für Kinder\nErforderliche Unterlagen:\n- Personalausweis\n- Geburtsurkunde\nDie Gebühr beträgt 37,50 "
             "Euro.\nDer Pass gilt zehn Jahre.\nAbholung nach vier Wochen.\nBitte Termin vereinbaren.\nFragen an "
             "das Bürgerbüro.\nTelefon 0123 456-0.\nÖffnungszeiten siehe Aushang.",
             "Gebühren\nReisepass 37,50 Euro\nExpresspass 69,50 Euro"]
    cleaned = strip_repeated_lines(pages)
    assert cleaned[0].endswith("Erforderliche Unterlagen:\n- Personalausweis")
    assert "Erforderliche Unterlagen:" in cleaned[1]


def test_a_form_printed_twice_keeps_its_text() -> None:
    form = "\n".join(f"Feld {name}: ________" for name in ("Name", "Vorname", "Anschrift", "Geburtsdatum", "Datum",
                                                          "Unterschrift", "Aktenzeichen", "Betrag"))
    cleaned = strip_repeated_lines(["Antrag auf Zuschuss\nBitte füllen Sie beide Ausfertigungen aus.", form, form])
    assert all("Feld Anschrift" in page and "Feld Datum" in page for page in cleaned[1:])


def test_a_line_on_half_of_the_pages_is_no_running_header() -> None:
    pages = [f"Hinweis: Termin vereinbaren\nInhalt {n}" if n < 3 else f"Inhalt {n}" for n in range(1, 5)]
    assert strip_repeated_lines(pages)[0] == "Hinweis: Termin vereinbaren\nInhalt 1"
