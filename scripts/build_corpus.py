"""Render the Markdown sources in scripts/corpus_src/ into the PDF and DOCX files of corpus/.

Run after editing a source: `.venv/bin/python scripts/build_corpus.py`. The output is committed, so
`make run` and the tests never need this script, its fonts or fpdf2. Output is deterministic
(fixed creation date), so re-running it without source changes changes no file.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "corpus_src"
CORPUS = ROOT / "corpus"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FIXED_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

sys.path.insert(0, str(ROOT))
from ingest.structure import split_front_matter  # noqa: E402

_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d+\.)\s+(.*)$")


def parse(body: str) -> list[tuple[str, str]]:
    """Markdown subset -> [(kind, text)] with kind h1/h2/h3/p/li/ol."""
    items: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            items.append(("p", " ".join(paragraph)))
            paragraph.clear()

    for line in body.split("\n"):
        line = line.rstrip()
        if m := _HEADING.match(line):
            flush()
            items.append((f"h{len(m.group(1))}", m.group(2).strip()))
        elif m := _BULLET.match(line):
            flush()
            items.append(("li", m.group(1)))
        elif m := _NUMBERED.match(line):
            flush()
            items.append(("ol", f"{m.group(1)} {m.group(2)}"))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
    flush()
    return [(k, t.replace("**", "")) for k, t in items]


def render_pdf(meta: dict[str, str], items: list[tuple[str, str]], out: Path) -> None:
    from fpdf import FPDF

    title = meta.get("title", out.stem)
    header_left = f"Stadt Musterstadt · {meta.get('doc_type', 'Dokument')}"
    header_right = meta.get("issuer", "")
    stand = meta.get("valid_from") or meta.get("date") or ""

    class Doc(FPDF):
        def header(self) -> None:
            self.set_font("DejaVu", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, header_left, new_x="LMARGIN", new_y="TOP")
            self.cell(0, 5, header_right, align="R", new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
            self.ln(6)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("DejaVu", size=8)
            self.set_text_color(90, 90, 90)
            left = f"Stand: {stand}" if stand else "Stadt Musterstadt"
            self.cell(0, 5, left, new_x="LMARGIN", new_y="TOP")
            self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="R")

    pdf = Doc(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_author("Stadt Musterstadt")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.alias_nb_pages()
    pdf.add_page()
    sizes = {"h1": 16, "h2": 12.5, "h3": 11}
    for kind, text in items:
        if kind in sizes:
            pdf.ln(3 if kind != "h1" else 0)
            pdf.set_font("DejaVu", "B", sizes[kind])
            pdf.multi_cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif kind in {"li", "ol"}:
            pdf.set_font("DejaVu", size=10.5)
            pdf.set_x(pdf.l_margin + 5)
            marker = "•  " if kind == "li" else ""
            pdf.multi_cell(0, 5.2, marker + text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8)
        else:
            pdf.set_font("DejaVu", size=10.5)
            pdf.multi_cell(0, 5.2, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.2)
    pdf.output(str(out))


def render_docx(meta: dict[str, str], items: list[tuple[str, str]], out: Path) -> None:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = meta.get("title", out.stem)
    props.author = "Stadt Musterstadt"
    props.created = props.modified = props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    section = document.sections[0]
    section.header.paragraphs[0].text = f"Stadt Musterstadt · {meta.get('issuer', '')}"
    for kind, text in items:
        if kind == "h1":
            document.add_heading(text, level=0)
        elif kind in {"h2", "h3"}:
            document.add_heading(text, level=int(kind[1]) - 1)
        elif kind == "li":
            document.add_paragraph(text, style="List Bullet")
        elif kind == "ol":
            document.add_paragraph(text, style="List Number")
        else:
            document.add_paragraph(text)
    document.save(str(out))


def main() -> int:
    count = 0
    for source in sorted(SOURCES.glob("*/*.md")):
        meta, body = split_front_matter(source.read_text(encoding="utf-8"))
        kind = meta.get("format", "pdf")
        out = CORPUS / source.parent.name / f"{source.stem}.{kind}"
        out.parent.mkdir(parents=True, exist_ok=True)
        items = parse(body)
        if kind == "pdf":
            render_pdf(meta, items, out)
        elif kind == "docx":
            render_docx(meta, items, out)
        else:
            print(f"{source}: format must be pdf or docx, got {kind!r}", file=sys.stderr)
            return 1
        count += 1
        print(f"{out.relative_to(ROOT)}")
    print(f"{count} Dateien erzeugt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
