"""One typed chunk record end to end: string-keyed chunk metadata exists only at the storage boundary.

`core/records.py` (`to_metadata` / `from_metadata`) is the one place that knows the stored keys; Chroma
(`core/store.py`) and the catalog (`core/catalog.py`) call it. No other module reads an attribute named
`metadata`, except the few below, which are not chunk metadata.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "bot", "ingest", "eval", "ui")
BOUNDARY = "core/records.py"  # llama-index nodes carry the stored keys too: converted there
# (module, owner of `.metadata`): what else is called metadata
NOT_CHUNK_METADATA = {
    ("bot/backends/llm.py", "model"),  # llama-cpp's GGUF header (the chat template)
    ("eval/systems.py", "node"),  # the textbook llama-index baseline's own nodes, not Auskunft's chunks
    ("ingest/loaders/pdf.py", "reader"),  # pypdf's document information (the PDF title)
}
STORAGE_CALLS = {"to_metadata": {"core/store.py", "core/catalog.py"}, "from_metadata": {"core/catalog.py"}}


def metadata_reads(source: str) -> list[tuple[int, str]]:
    """Every `<owner>.metadata` read in a module: line and owner expression."""
    return [(node.lineno, ast.unparse(node.value)) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr == "metadata" and isinstance(node.ctx, ast.Load)]


def calls_of(source: str, names: set[str]) -> set[str]:
    return {node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and (getattr(node.func, "id", None) in names or getattr(node.func, "attr", None) in names)}


def _modules() -> dict[str, str]:
    return {path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
            for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))}


def test_no_module_reads_chunk_metadata_by_key() -> None:
    found = [f"{module}:{line}: {owner}.metadata" for module, source in _modules().items() if module != BOUNDARY
             for line, owner in metadata_reads(source) if (module, owner) not in NOT_CHUNK_METADATA]
    assert found == [], "read the typed fields of core.records.Chunk instead"


def test_the_exceptions_are_still_there() -> None:
    """A stale exception would let a chunk-metadata read of the same name through unnoticed."""
    modules = _modules()
    for module, owner in NOT_CHUNK_METADATA:
        assert owner in {o for _, o in metadata_reads(modules[module])}, (module, owner)


def test_only_the_storage_converts_to_and_from_metadata() -> None:
    for module, source in _modules().items():
        if module != BOUNDARY:
            for name in calls_of(source, set(STORAGE_CALLS)):
                assert module in STORAGE_CALLS[name], f"{module} calls {name}"


def test_the_check_catches_a_read_by_key() -> None:
    planted = "def f(hit):\n    meta = hit.metadata\n    return hit.chunk.metadata.get('section'), meta['page']\n"
    assert metadata_reads(planted) == [(2, "hit"), (3, "hit.chunk")]
