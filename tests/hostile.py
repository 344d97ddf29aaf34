"""Hostile files built in code at any size (tests use small ones, bench/reliability_hostile.py the issue's)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_PARAGRAPH = "<w:p><w:r><w:t>Absatz</w:t></w:r></w:p>"


def many_tags_html(path: Path, tags: int, tag: str = "b") -> Path:
    """`<b>x</b>` repeated: tiny per tag, huge as a BeautifulSoup tree."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("<html><head><title>Viele Tags</title></head><body>")
        block = f"<{tag}>x</{tag}>" * 10_000
        for _ in range(tags // 10_000):
            handle.write(block)
        handle.write(f"<{tag}>x</{tag}>" * (tags % 10_000))
        handle.write("</body></html>")
    return path


def deep_html(path: Path, depth: int) -> Path:
    text = "Tief verschachtelter Text über die Hundesteuer und ihre Ermäßigungen. " * 2
    path.write_text("<html><body>" + "<div>" * depth + text + "</div>" * depth + "</body></html>", encoding="utf-8")
    return path


def _docx_parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
    }


def docx_with_paragraphs(path: Path, paragraphs: int, text: str = "Absatz", numbered: bool = False) -> Path:
    """A minimal valid DOCX of `paragraphs` short paragraphs (the document part streamed, never in memory);
    `numbered` appends each paragraph's number, so the file compresses like a real one."""
    paragraph = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in _docx_parts().items():
            archive.writestr(name, content)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>'.encode())
            if numbered:
                for number in range(1, paragraphs + 1):
                    part.write(f"<w:p><w:r><w:t>{text} {number}</w:t></w:r></w:p>".encode())
            else:
                block = (paragraph * 1000).encode()
                for _ in range(paragraphs // 1000):
                    part.write(block)
                part.write((paragraph * (paragraphs % 1000)).encode())
            part.write(b"</w:body></w:document>")
    return path


def docx_unpacking_to(path: Path, unpacked_bytes: int) -> Path:
    """A DOCX whose document part unpacks to about `unpacked_bytes` of XML (the issue's zip bomb)."""
    return docx_with_paragraphs(path, max(1, unpacked_bytes // len(_PARAGRAPH)))


def docx_with_padding(path: Path, padding_bytes: int) -> Path:
    """A small valid DOCX plus one member of zeros: few elements, but a large declared unpacked size."""
    docx_with_paragraphs(path, 20, "Die Hundesteuer beträgt für den ersten Hund 96 Euro.")
    with (zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
          archive.open("word/media/fuellung.bin", "w", force_zip64=True) as member):
        zeros = bytes(1 << 20)
        for _ in range(padding_bytes // len(zeros)):
            member.write(zeros)
        member.write(bytes(padding_bytes % len(zeros)))
    return path


def pdf_inflating_to(path: Path, inflated_bytes: int) -> Path:
    """One page whose FlateDecode content stream inflates to `inflated_bytes` (compressed ~1/1000)."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    parts = [compressor.compress(chunk) for _ in range(inflated_bytes // len(chunk))]
    parts.append(compressor.compress(b" " * (inflated_bytes % len(chunk))))
    parts.append(compressor.flush())
    stream = b"".join(parts)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        # A font, so that text extraction reads the stream (pypdf skips pages without one)
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
