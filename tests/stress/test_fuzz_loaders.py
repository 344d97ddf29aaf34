"""Fuzzing the loaders: whatever the bytes, only the project's own `LoadError` may escape `load_document`.

A few dozen examples run in `make test`; `make stress` repeats the same property for STRESS_SECONDS (600).
In-process on purpose: the worker would turn any escaping exception into a LoadError and hide the bug.
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.loaders import LoadError, LoadLimits, load_document
from ingest.models import LoadedDocument

from files import make_docx, make_pdf
from hostile import deep_html

MB = 1_000_000
FORMATS = (".pdf", ".docx", ".html", ".md", ".txt")
LIMITS = LoadLimits(max_unpacked_bytes=2 * MB, max_elements=20_000, max_nesting=100)
TEXT = "Die Hundesteuer beträgt für den ersten Hund 96 Euro im Jahr. "


@functools.cache
def seeds() -> dict[str, bytes]:
    """One small valid file per format, the starting point of the mutations."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        pdf = make_pdf(base / "s.pdf", [TEXT * 3, "§ 2 Ermäßigung\n" + TEXT], title="Satzung")
        docx = make_docx(base / "s.docx", "Merkblatt", [("Antrag", [TEXT, TEXT]), ("Gebühren", ["13 Euro"])])
        html = deep_html(base / "s.html", 5)
        return {
            ".pdf": pdf.read_bytes(),
            ".docx": docx.read_bytes(),
            ".html": html.read_bytes(),
            ".md": f"---\ntitle: Merkblatt\n---\n# Hundesteuer\n\n## Antrag\n\n{TEXT}\n- Liste\n".encode(),
            ".txt": f"Benutzungsordnung\n\n§ 1 Zweck\n{TEXT}\n".encode("cp1252"),
        }


def _mutate(seed: bytes, edits: list[tuple[int, int, bytes]], keep: float) -> bytes:
    data = bytearray(seed[: max(1, int(len(seed) * keep))])
    for position, deleted, inserted in edits:
        at = position % len(data) if data else 0
        data[at : at + deleted] = inserted
    return bytes(data)


def mutated(suffix: str) -> st.SearchStrategy[bytes]:
    edit = st.tuples(st.integers(0, 1 << 20), st.integers(0, 16), st.binary(max_size=16))
    return st.builds(_mutate, st.just(seeds()[suffix]), st.lists(edit, max_size=8),
                     st.one_of(st.just(1.0), st.floats(0.0, 1.0)))


MARKUP = st.lists(
    st.one_of(
        st.sampled_from([*"<>/=\"' &;#\n", "ü", "€", "\x00"]),
        st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<h2>", "<table>", "<tr>", "<td>", "<li>", "<script>",
                         "<w:p>", "</w:p>", "<w:r>", "<w:t>", "</w:t>", "<w:tbl>", "<!--", "-->", "<![CDATA[",
                         "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", "&a;", "&amp;", "&#0;", TEXT]),
    ),
    max_size=60,
).map("".join)


def docx_around(xml: str) -> bytes:
    """A zip with the parts of a DOCX and fuzzed text as its document part."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    buffer = BytesIO()
    with zipfile.ZipFile(BytesIO(seeds()[".docx"])) as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.infolist():
            if member.filename != "word/document.xml":
                target.writestr(member, source.read(member))
        target.writestr("word/document.xml", f'<w:document {w}><w:body>{xml}</w:body></w:document>')
    return buffer.getvalue()


FILES = st.one_of(
    st.tuples(st.sampled_from(FORMATS), st.binary(max_size=2048)),
    st.sampled_from(FORMATS).flatmap(lambda suffix: st.tuples(st.just(suffix), mutated(suffix))),
    st.tuples(st.just(".html"), MARKUP.map(lambda t: t.encode("utf-8"))),
    st.tuples(st.just(".docx"), MARKUP.map(docx_around)),
    st.tuples(st.sampled_from([".md", ".txt"]), st.text(max_size=800).map(lambda t: t.encode("utf-8"))),
)


def only_load_error_escapes(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            doc = load_document(path, path.name, 5 * MB, LIMITS)
        except LoadError as exc:
            assert str(exc)  # every refusal says why
            return
        assert isinstance(doc, LoadedDocument) and doc.blocks and isinstance(doc.title, str)


FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.unit
@settings(FUZZ, max_examples=30)
@given(FILES)
def test_loaders_let_only_load_error_escape(case: tuple[str, bytes]) -> None:
    only_load_error_escapes(case)


@pytest.mark.stress
def test_loaders_fuzzed_for_the_stress_budget() -> None:
    budget = float(os.environ.get("STRESS_SECONDS", "0"))
    if budget <= 0:
        pytest.skip("nur in `make stress` (STRESS_SECONDS) / only with a stress budget")
    round_of_examples = settings(FUZZ, max_examples=200)(given(FILES)(only_load_error_escapes))
    rounds, end = 0, time.monotonic() + budget
    while time.monotonic() < end:
        round_of_examples()  # a fresh random seed each round
        rounds += 1
    print(f"\n{rounds * 200} Beispiele in {budget:g} s: nur LoadError / only LoadError escaped")
    assert rounds >= 1
