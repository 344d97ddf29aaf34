"""Render the archive items of corpus/archiv/ that are not Markdown: three digitised old prints as PDFs
(long s, ligatures, old spellings; their finding-aid fields in a `<file>.meta.json` sidecar) and a DOCX
finding aid whose fields sit in its document properties (core: title, category, identifier; custom:
provenienz, date, issuer).

Run after editing a text below: `.venv/bin/python scripts/make_archive_files.py`. The output is committed,
so `make run` and the tests never need this script or fpdf2. Output is deterministic (fixed dates).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "corpus" / "archiv"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FIXED_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
ISSUER = "Stadtarchiv Musterstadt"

_LIGATURES = (("ffi", "ﬃ"), ("ffl", "ﬄ"), ("ff", "ﬀ"), ("fi", "ﬁ"), ("fl", "ﬂ"), ("ſt", "ﬅ"))
# a lower-case s is long except at the end of a word (and of a syllable before these letters)
_LONG_S = re.compile(r"s(?=[a-zäöüſ])(?![kpr])")


def old_print(text: str) -> str:
    """Modern letters -> the typography of an old print: long s inside words, ligature code points."""
    text = _LONG_S.sub("ſ", text)
    text = re.sub(r"s(?=s)", "ſ", text)
    for plain, ligature in _LIGATURES:
        text = text.replace(plain, ligature)
    return text


@dataclass(frozen=True)
class OldPrint:
    name: str
    meta: dict[str, str]
    cover: list[str]  # the archive's cover sheet of the digitised copy, modern type
    heading: str
    paragraphs: list[str]  # the print itself, written in old spelling with round s; `old_print` sets it


PRINTS = [
    OldPrint(
        name="archiv-policeyordnung-1612.pdf",
        meta={"title": "Verzeichnungseinheit StAM D 1/2: Policey-Ordnung der Stadt Musterstadt, 1612 (Druck)",
              "doc_type": "Archivgut", "issuer": ISSUER, "date": "1612-09-29", "signatur": "StAM D 1/2",
              "provenienz": "Rat der Stadt; Drucksachensammlung"},
        cover=["Stadtarchiv Musterstadt – Digitalisat", "Signatur: StAM D 1/2",
               "Datierung: 1612 September 29 (Michaelis)", "Provenienz: Rat der Stadt; Drucksachensammlung",
               "Umfang: 1 Druck, 4 Blatt, Quart; Druckerei Johann Fabricius"],
        heading="Eines Erbaren Raths der Stadt Musterstadt Policey-Ordnung",
        paragraphs=[
            "Wir Bürgermeister und Rath dieser Stadt Musterstadt thun kund, daß wir zu Erhaltung guter Zucht "
            "und Ordnung nachfolgende Puncte gesetzet haben, welche ein jeder Bürger und Inwohner bey Straffe "
            "fleißig halten soll.",
            "Erstlich soll an Sonn- und Feyertagen unter der Predigt kein Wirth Bier oder Wein ausschencken, "
            "und sollen alle Wirthshäuser des Abends um neun Uhr geschlossen seyn.",
            "Zum andern sollen die Thore der Stadt des Nachts verschlossen bleiben, und niemand ohne Wissen "
            "des Thorwärters aus- oder eingelassen werden.",
            "Zum dritten soll ein jeder Bürger einen ledernen Feuer-Eimer in seinem Hause haben und keine "
            "Schweine auf der Gassen lauffen lassen.",
            "Wer dawider handelt, der soll einen Gulden Straffe geben, davon der halbe Theil dem Spital und der "
            "andere Theil dem gemeinen Kasten zukommen soll. Gegeben auf Michaelis 1612.",
        ],
    ),
    OldPrint(
        name="archiv-feuerordnung-1743.pdf",
        meta={"title": "Verzeichnungseinheit StAM D 1/7: Erneuerte Feuerordnung der Stadt Musterstadt nach dem "
                       "Stadtbrand, 1743 (Druck)",
              "doc_type": "Archivgut", "issuer": ISSUER, "date": "1743-03-15", "signatur": "StAM D 1/7",
              "provenienz": "Rat der Stadt, Brandkommission; Drucksachensammlung"},
        cover=["Stadtarchiv Musterstadt – Digitalisat", "Signatur: StAM D 1/7", "Datierung: 1743 März 15",
               "Provenienz: Rat der Stadt, Brandkommission; Drucksachensammlung",
               "Umfang: 1 Druck, 6 Blatt, Folio; zugehörige Akte zum Stadtbrand: StAM A 3/88"],
        heading="Erneuerte Feuer-Ordnung der Stadt Musterstadt",
        paragraphs=[
            "Nachdem der allmächtige Gott diese Stadt am 17. Augusti 1742 mit einem schweren Brand-Unglück "
            "heimgesuchet, worinnen der größte Theil der Häuser samt dem Rathhause in die Asche geleget "
            "worden, so hat ein Hochedler Rath diese Feuer-Ordnung erneuert.",
            "Es sollen hinfort keine Dächer mit Stroh oder Schindeln gedecket, sondern alle mit Ziegeln "
            "beleget seyn; wer ein Haus neu erbauet, hat eine steinerne Brand-Mauer aufzuführen.",
            "Die Schornsteine sollen viermal im Jahr von dem geschworenen Schornsteinfeger gefeget werden, "
            "und die Nachtwächter sollen zu jeder Stunde die Gassen begehen und bey Feuers-Gefahr ausrufen.",
            "Bey Feuer-Lärm hat jeder Bürger mit seinem Eimer an die Brandstätte zu lauffen; die große "
            "Feuer-Spritze wird in dem Spritzen-Hause bey der Thür des Rathhauses verwahret.",
            "Wer Feuer und Licht unvorsichtig in Scheunen und Ställe träget, soll mit fünf Thalern "
            "oder nach Befinden mit dem Thurm gestraffet werden.",
        ],
    ),
    OldPrint(
        name="archiv-wasserfluth-1784.pdf",
        meta={"title": "Verzeichnungseinheit StAM D 1/15: Nachricht von der großen Wasserflut und dem Eisgang "
                       "im Februar 1784 (Druck)",
              "doc_type": "Archivgut", "issuer": ISSUER, "date": "1784-03-06", "signatur": "StAM D 1/15",
              "provenienz": "Rat der Stadt; Drucksachensammlung"},
        cover=["Stadtarchiv Musterstadt – Digitalisat", "Signatur: StAM D 1/15", "Datierung: 1784 März 6",
               "Provenienz: Rat der Stadt; Drucksachensammlung", "Umfang: 1 Druck, 2 Blatt, Quart"],
        heading="Kurtze Nachricht von der großen Wasser-Fluth und dem Eis-Gange zu Musterstadt",
        paragraphs=[
            "Im Monat Februarius dieses 1784sten Jahres, nachdem ein sehr harter Winter vorangegangen, brach "
            "das Eis auf dem Muster-Flusse den 27. des Monats mit großer Gewalt auf und setzte die "
            "Unterstadt und die Mühlenwiese unter Wasser.",
            "Das Wasser stieg binnen einer Nacht bis an die Fenster der untern Stuben; die steinerne Brücke "
            "verlohr zween Bogen, und sieben Häuser an der Fischer-Gasse sind gäntzlich eingestürtzet.",
            "Drey Menschen haben in den Fluthen ihr Leben eingebüßet; das Vieh ist zu einem großen Theil "
            "ertrunken, und viele Vorräthe sind verdorben.",
            "Ein Hochedler Rath hat daher eine Collecte für die beschädigten Bürger angeordnet, und werden "
            "alle Christen ersuchet, ihre milde Gabe bey der Stadt-Cämmerey abzugeben.",
        ],
    ),
]

DOCX_NAME = "archiv-verschoenerungsverein-1886-1913.docx"
DOCX_PROPERTIES = {"title": "Verzeichnungseinheit StAM E 3/1: Protokollbuch des Verschönerungsvereins "
                            "Musterstadt, 1886–1913",
                   "category": "Archivgut", "identifier": "StAM E 3/1"}
DOCX_CUSTOM = {"provenienz": "Verschönerungsverein Musterstadt e. V. (Depositum)", "date": "1886–1913",
               "issuer": ISSUER}
DOCX_BODY: list[tuple[str, str]] = [
    ("h1", "Protokollbuch des Verschönerungsvereins Musterstadt (1886–1913)"),
    ("h2", "Verzeichnung"),
    ("li", "Titel: Protokolle der Vorstandssitzungen und Generalversammlungen des Verschönerungsvereins"),
    ("li", "Laufzeit: 1886–1913"),
    ("li", "Signatur: StAM E 3/1"),
    ("li", "Provenienz: Verschönerungsverein Musterstadt e. V. (Depositum seit 1990)"),
    ("li", "Umfang: 1 Band, 286 Seiten, handschriftlich (deutsche Kurrentschrift)"),
    ("li", "Enthält: Gründungsversammlung vom 4. April 1886, Anlage des Stadtparks am Schlossberg (1888), "
           "Bau des Aussichtsturms auf dem Galgenberg (1897), Aufstellung von Ruhebänken, "
           "Markierung der Wanderwege, Mitgliederlisten"),
    ("li", "Darin: Einladung zur Einweihung des Aussichtsturms am 18. Juli 1897"),
    ("h2", "Inhalt"),
    ("p", "Der Verein wurde 1886 von 42 Bürgern gegründet, um die Stadt und ihre Umgebung zu verschönern. "
          "Er legte 1888 den Stadtpark am Schlossberg an und ließ 1897 den 24 Meter hohen Aussichtsturm auf "
          "dem Galgenberg bauen, der 1913 der Stadt geschenkt wurde. Das Protokollbuch ist in deutscher "
          "Kurrentschrift geschrieben; eine Transkription der Jahre 1886–1897 liegt im Lesesaal aus."),
]


def render_pdf(item: OldPrint, out: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))  # A5 in mm
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(item.meta["title"])
    pdf.set_author(ISSUER)
    pdf.add_font("Serif", "", str(FONT_DIR / "DejaVuSerif.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "DejaVuSerif-Bold.ttf"))
    pdf.add_font("Sans", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font("Sans", size=8)
    pdf.set_text_color(90, 90, 90)
    for line in item.cover:
        pdf.multi_cell(0, 4.2, line, new_x="LMARGIN", new_y="NEXT")
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
    pdf.ln(7)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Serif", "B", 12)
    pdf.multi_cell(0, 6, old_print(item.heading), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Serif", size=9.5)
    for paragraph in item.paragraphs:
        pdf.multi_cell(0, 4.8, old_print(paragraph), align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.8)
    pdf.output(str(out))


def render_docx(out: Path) -> None:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = DOCX_PROPERTIES["title"]
    props.category = DOCX_PROPERTIES["category"]
    props.identifier = DOCX_PROPERTIES["identifier"]
    props.author = ISSUER
    props.comments = ""
    props.created = props.modified = props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    for kind, text in DOCX_BODY:
        if kind == "h1":
            document.add_heading(text, level=0)
        elif kind == "h2":
            document.add_heading(text, level=1)
        elif kind == "li":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    document.save(str(out))
    _with_custom_properties(out, DOCX_CUSTOM)


_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"


def _with_custom_properties(path: Path, values: dict[str, str]) -> None:
    """Add docProps/custom.xml (Word: Eigenschaften > Anpassen) and rewrite the zip with fixed dates."""
    from xml.sax.saxutils import escape, quoteattr

    fmtid = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
    props = "".join(f'<property fmtid="{fmtid}" pid="{n}" name={quoteattr(k)}><vt:lpwstr>{escape(v)}</vt:lpwstr>'
                    "</property>" for n, (k, v) in enumerate(values.items(), start=2))
    custom = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="{_CUSTOM_NS}" '
              f'xmlns:vt="{_VT_NS}">{props}</Properties>')
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["docProps/custom.xml"] = custom.encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    parts["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/docProps/custom.xml" ContentType="{_CUSTOM_TYPE}"/></Types>').encode()
    rels = parts["_rels/.rels"].decode("utf-8")
    parts["_rels/.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdCustom" Type="{_CUSTOM_REL}" Target="docProps/custom.xml"/></Relationships>').encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED)


def main() -> int:
    for item in PRINTS:
        out = ARCHIVE / item.name
        render_pdf(item, out)
        (ARCHIVE / f"{item.name}.meta.json").write_text(
            json.dumps(item.meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(out.relative_to(ROOT))
    render_docx(ARCHIVE / DOCX_NAME)
    print((ARCHIVE / DOCX_NAME).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
