from pathlib import Path

import pytest

from core.permissions import CollectionsError, load_collections

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
    assert not config.can_see("bauamt", "personal")


@pytest.mark.parametrize("department", [None, "", "PERSONALAMT", "gibtesnicht", "personalamt ", "*"])
def test_unknown_or_empty_departments_see_nothing(tmp_path: Path, department: str | None) -> None:
    config = _load(tmp_path)
    assert config.visible_to(department) == []
    assert not config.can_see(department, "bauen")  # even a collection open to all departments


def test_undeclared_collections_are_closed_and_named(tmp_path: Path) -> None:
    config = _load(tmp_path)
    assert not config.can_see("personalamt", "persnal")
    assert config.undeclared(["bauen", "persnal"]) == ["persnal"]
    assert config.access_label("persnal") == ""
    notice = config.undeclared_notice("persnal")
    assert notice is not None and "„personal“?" in notice and "read_all" in notice
    assert config.undeclared_notice("bauen") is None


@pytest.mark.parametrize("name", ["../../etc", "Personal", "a b", "x/y", "", "-x", "a" * 65, "pers\x00nal"])
def test_names_are_validated_with_the_known_ones(tmp_path: Path, name: str) -> None:
    config = _load(tmp_path)
    with pytest.raises(CollectionsError, match=r"Ungültiger Name.*bekannt: bauen, personal"):
        config.check_collection(name)
    assert config.check_collection("gesetze") == "gesetze"  # valid, undeclared: allowed, stays closed


def test_unknown_department_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    config = _load(tmp_path)
    assert config.check_department("bauamt") == "bauamt"
    with pytest.raises(CollectionsError, match=r"Unbekannte Abteilung 'personalam'.*personalamt.*bekannt: bauamt"):
        config.check_department("personalam")
    with pytest.raises(CollectionsError, match="Ungültiger Name"):
        config.check_department("")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[collections.x]\ndepartments = \"alle\"\n", "departments"),
        ("[departments]\na = \"A\"\n[collections.x]\ndepartments = [\"b\"]\n", "unbekannte Abteilung"),
        ("[collections.x\n", "TOML"),
        ("undeclared_visible = true\n", "gibt es nicht mehr"),
        ("[departments]\n\"Bau Amt\" = \"B\"\n", "Ungültiger Name"),
        ("[collections.\"../x\"]\n", "Ungültiger Name"),
        ("[collections.x]\ndepartments = [\"bauamt\"]\n", "unbekannte Abteilung"),  # no [departments] at all
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CollectionsError, match=message):
        _load(tmp_path, text)


def test_missing_file_means_nobody_but_read_all(tmp_path: Path) -> None:
    config = load_collections(tmp_path / "none.toml")
    assert config.collection_for("a/b.md") == "allgemein"
    assert not config.can_see("bauamt", "allgemein")
