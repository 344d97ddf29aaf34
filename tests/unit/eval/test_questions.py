import json
from pathlib import Path

import pytest

from eval.questions import QuestionFileError, load_questions

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows),
                    encoding="utf-8")
    return path


def test_loads_the_format_including_page_gold_and_department(tmp_path: Path) -> None:
    path = write(tmp_path,
                 {"id": "a", "question": "Frist?", "gold": [{"doc": "bmg.md", "section": "§ 17"}], "type": "fact"},
                 "",
                 {"id": "b", "question": "Seite?", "gold": [{"doc": "x.pdf", "page": 4}], "department": "bauamt"},
                 {"id": "c", "question": "Parkplatz?", "gold": [], "type": "unanswerable"})
    a, b, c = load_questions(path)
    assert a.gold[0]["section"] == "§ 17" and b.type == "fact" and b.department == "bauamt"
    assert not c.answerable and a.answerable


@pytest.mark.parametrize(("row", "message"), [
    ("{kaputt", "kein gültiges JSON"),
    ({"id": "a", "gold": []}, "'question' fehlt"),
    ({"id": "a", "question": "q", "gold": {}}, "muss eine Liste sein"),
    ({"id": "a", "question": "q", "gold": [{"section": "§ 1"}]}, "braucht 'doc'"),
    ({"id": "a", "question": "q", "gold": [{"doc": "x.pdf", "page": 0}]}, "Seitenzahl"),
    ({"id": "a", "question": "q", "gold": [], "type": "fact"}, "genau dann"),
    ({"id": "a", "question": "q", "gold": [], "type": "quiz"}, "unbekannter type"),
])
def test_bad_lines_name_file_line_and_field(tmp_path: Path, row: object, message: str) -> None:
    path = write(tmp_path, {"id": "ok", "question": "q", "gold": []}, row)
    with pytest.raises(QuestionFileError, match=message) as error:
        load_questions(path)
    assert f"{path}:2" in str(error.value)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match="doppelt"):
        load_questions(write(tmp_path, {"id": "a", "question": "q", "gold": []}, {"id": "a", "question": "r",
                                                                                  "gold": []}))


def test_shipped_and_shared_question_sets_load() -> None:
    shipped = sorted((REPO / "eval" / "questions").glob("*.jsonl"))
    shared = sorted((REPO.parent / "shared" / "eval-public").glob("*.jsonl"))
    for path in shipped + shared:
        assert load_questions(path), path
    assert shipped
