from pathlib import Path

import pytest

from ingest.collections import CollectionsError, load_collections

pytestmark = pytest.mark.unit

CONFIG = """
default_collection = "allgemein"
[departments]
personalamt = "Personalamt"
bauamt = "Bauamt"
[collections.personal]
paths = ["personal/"]
departments = ["personalamt"]
contact = "Personalamt, Tel. 200"
[collections.bauen]
paths = ["bauen/", "*.dwg.pdf"]
departments = ["*"]
"""


def _load(tmp_path: Path, text: str = CONFIG):
    path = tmp_path / "collections.toml"
    path.write_text(text, encoding="utf-8")
    return load_collections(path)


def test_paths_map_to_collections(tmp_path: Path) -> None:
    config = _load(tmp_path)
    assert config.collection_for("personal/reisekosten.docx") == "personal"
    assert config.collection_for("bauen/faq.html") == "bauen"
    assert config.collection_for("plan.dwg.pdf") == "bauen"
    assert config.collection_for("sonstiges.md") == "allgemein"


def test_departments_see_only_their_collections(tmp_path: Path) -> None:
    config = _load(tmp_path)
    assert config.visible_to("bauamt") == ["bauen"]
    assert config.visible_to("personalamt") == ["bauen", "personal"]
    assert config.visible_to(None) == ["bauen", "personal"]
    assert not config.can_see("bauamt", "personal")
    # positive control: an undeclared collection (e.g. `--collection gesetze`) is open by default
    assert config.visible_to("bauamt", existing=["gesetze"]) == ["bauen", "gesetze"]


def test_undeclared_collections_can_be_closed(tmp_path: Path) -> None:
    config = _load(tmp_path, "undeclared_visible = false\n" + CONFIG)
    assert not config.can_see("bauamt", "gesetze")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[collections.x]\ndepartments = \"alle\"\n", "departments"),
        ("[departments]\na = \"A\"\n[collections.x]\ndepartments = [\"b\"]\n", "unbekannte Abteilung"),
        ("[collections.x\n", "TOML"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CollectionsError, match=message):
        _load(tmp_path, text)


def test_missing_file_means_one_open_default(tmp_path: Path) -> None:
    config = load_collections(tmp_path / "none.toml")
    assert config.collection_for("a/b.md") == "allgemein"
    assert config.can_see("bauamt", "allgemein")
