"""Test documents built in code (no binaries of unknown origin in the repository)."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[str], title: str | None = None, header: str | None = None) -> Path:
    """A real text PDF (core font, Latin-1 text), one string per page; optional running header."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    if title:
        pdf.set_title(title)
    pdf.set_auto_page_break(True, margin=20)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        if header:
            pdf.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        if header:
            pdf.set_auto_page_break(False)
            pdf.set_y(-15)
            pdf.cell(0, 6, f"Seite {number} von {len(pages)}")
            pdf.set_auto_page_break(True, margin=20)
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with a drawn rectangle but no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.set_fill_color(120, 120, 120)
        pdf.rect(20, 20, 150, 200, style="F")
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="geheim", owner_password="nochgeheimer", algorithm="AES-256")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def make_docx(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def make_broken_files(folder: Path, good_pdf_text: str) -> dict[str, str]:
    """The classic bad inputs; returns {file name: a word its error message must contain}."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_pdf(folder / "_vorlage.pdf", [good_pdf_text] * 2)
    truncated = good.read_bytes()
    (folder / "abgeschnitten.pdf").write_bytes(truncated[: len(truncated) // 3])
    make_encrypted_pdf(folder / "verschluesselt.pdf", good)
    (folder / "leer.txt").write_bytes(b"")
    make_image_only_pdf(folder / "scan.pdf")
    (folder / "kaputt.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (folder / "binaer.md").write_bytes(b"\x00\x01\x02" * 500)
    good.unlink()
    return {
        "abgeschnitten.pdf": "beschädigt",
        "verschluesselt.pdf": "verschlüsselt",
        "leer.txt": "leer",
        "scan.pdf": "Textebene",
        "kaputt.pdf": "beschädigt",
        "binaer.md": "Binärdaten",
    }


def make_chunks(source: str, collection: str, texts: list[str]) -> list:
    """One chunk per text, each under its own `§ i` heading."""
    from ingest.chunking import chunk_document
    from ingest.models import Block, LoadedDocument

    blocks = [Block(t, headings=(f"§ {i}",)) for i, t in enumerate(texts)]
    doc = LoadedDocument(source=source, title=source, blocks=blocks)
    return chunk_document(doc, collection=collection, chunk_size=300, chunk_overlap=0)
