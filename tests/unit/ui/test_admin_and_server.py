"""Admin actions and the HTTP routes (document, health, login) with the fake embedder; no browser."""

import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.index import Index
from ui import admin
from ui.documents import document_link
from ui.server import create_app
from ui.service import NotAllowed, Services

from ui_services import PASSWORD, make_services

pytestmark = pytest.mark.unit
PERSONAL = "/dokument/personal/personal/urlaub-sonderurlaub.pdf"
PUBLIC_PDF = "/dokument/buergerservice/buergerservice/personalausweis.pdf"
PUBLIC_TEXT = "/dokument/satzungen/satzungen/abfallgebuehrensatzung.md"


@pytest.fixture
def services(fake_musterstadt: Index, tmp_path: Path) -> Services:
    return make_services(fake_musterstadt, tmp_path)


def test_admin_actions_refuse_staff(services: Services, tmp_path: Path) -> None:
    anna = services.account("anna")
    for action in (lambda: admin.upload(services, anna, [], "buergerservice"), lambda: admin.documents(services, anna),
                   lambda: next(admin.reingest(services, anna)), lambda: admin.delete_document(services, anna, "x"),
                   lambda: admin.statistics(services, anna), lambda: admin.gap_csv(services, anna, lambda: tmp_path)):
        with pytest.raises(NotAllowed):
            action()


def test_upload_reingest_delete_cycle(services: Services, tmp_path: Path) -> None:
    boss = services.account("admin")
    note = tmp_path / "Neue Regel.md"
    note.write_text("# Neue Regel\n\nDie Kantine im Rathaus öffnet künftig montags bis freitags um 7 Uhr.\n",
                    encoding="utf-8")
    bad = tmp_path / "x.exe"
    bad.write_bytes(b"MZ")
    message = admin.upload(services, boss, [admin.Upload(note, note.name), admin.Upload(bad, "x.exe")], "intern")
    assert "Neue-Regel.md" in message and "x.exe: Dateityp .exe wird nicht unterstützt" in message
    steps = list(admin.reingest(services, boss))
    text, rows = steps[-1]
    assert text.startswith("Fertig") and ["intern/Neue-Regel.md", "intern", "neu", 1, ""] in rows
    assert any(r[0] == "intern/intern/Neue-Regel.md" for r in admin.documents(services, boss))

    assert "gelöscht (Index und hochgeladene Datei)" in admin.delete_document(services, boss,
                                                                              "intern/intern/Neue-Regel.md")
    assert not (services.settings.uploads_dir / "intern" / "Neue-Regel.md").exists()
    assert services.catalog.file("intern/intern/Neue-Regel.md") is None
    kept = admin.delete_document(services, boss, "intern/intern/da-ki-assistent.md")  # a corpus file stays on disk
    assert "bitte auch dort löschen" in kept


def test_upload_refuses_a_name_that_clashes_with_a_corpus_document(services: Services, tmp_path: Path) -> None:
    clash = tmp_path / "da-ki-assistent.md"
    clash.write_text("# Anders\n\nText.\n", encoding="utf-8")
    message = admin.upload(services, services.account("admin"), [admin.Upload(clash, clash.name)], "intern")
    assert "gibt es in der Sammlung schon" in message
    assert not services.settings.uploads_dir.exists() or not any(services.settings.uploads_dir.rglob("*.md"))


def test_statistics_and_gap_report_csv(services: Services, tmp_path: Path) -> None:
    boss = services.account("admin")
    for question in ["Wo parke ich?", "wo parke ich? ", "Gibt es WLAN?"]:
        services.logbook.record_gap(question, None)
    text, rows = admin.statistics(services, boss)
    assert "Dokumente" in text and {r[1] for r in rows} >= {"buergerservice", "personal"}
    visible = {r[1]: r[4] for r in rows}
    assert visible["personal"] == "Personalamt" and visible["buergerservice"] == "alle Abteilungen"
    csv_text = admin.gap_csv(services, boss, lambda: tmp_path).read_text(encoding="utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0] == "Frage;Anzahl;Zuletzt gefragt" and lines[1].startswith("Wo parke ich?;2;")


def test_a_refused_export_makes_no_folder(services: Services, tmp_path: Path) -> None:
    made: list[Path] = []

    def folder() -> Path:
        made.append(tmp_path)
        return tmp_path

    with pytest.raises(NotAllowed):
        admin.gap_csv(services, services.account("anna"), folder)
    assert made == []
    assert admin.gap_csv(services, services.account("admin"), folder).parent == tmp_path and made == [tmp_path]


def test_building_the_page_makes_no_export_folder_the_first_export_does(
        fake_musterstadt: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The UI was built at every start (and in many tests) with a temp folder that nobody removed."""
    from ui.layout import build_ui

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # the system temp folder, for this test only
    services = make_services(fake_musterstadt, tmp_path, with_users=False)  # demo: the page's user is admin
    services.logbook.record_gap("Wo parke ich?", None)
    page = build_ui(services)
    assert not list(temp.glob("auskunft-export-*"))
    export = next(block.fn for block in page.fns.values() if block.name == "do_export")
    csv_file = Path(export(None))
    assert csv_file.parent.parent == temp and csv_file.parent.name.startswith("auskunft-export-")
    assert csv_file.read_text(encoding="utf-8-sig").splitlines()[1].startswith("Wo parke ich?;1;")
    assert Path(export(None)).parent == csv_file.parent  # one folder per page, reused


def test_statistics_call_out_an_undeclared_collection(services: Services, tmp_path: Path) -> None:
    from ingest.pipeline import Ingestor

    folder = tmp_path / "tippfehler"
    folder.mkdir()
    (folder / "faq.md").write_text("# FAQ\n\nDie Beurteilungsrunde beginnt im Mai mit Gesprächen im Team.\n")
    Ingestor(services.index).run([folder], collection="persnal")
    _, rows = admin.statistics(services, services.account("admin"))
    assert "NICHT EINGETRAGEN" in {r[1]: r[4] for r in rows}["persnal"]


def test_document_route_checks_the_department_of_the_signed_in_user(services: Services) -> None:
    client = TestClient(create_app(services))
    assert client.get(PUBLIC_PDF).status_code == 401  # not signed in
    assert client.post("/login", data={"username": "anna", "password": "falsch"}).status_code == 400
    assert client.post("/login", data={"username": "anna", "password": PASSWORD}).status_code == 200
    pdf = client.get(PUBLIC_PDF)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-disposition"].startswith("inline")
    refused = client.get(PERSONAL)
    assert refused.status_code == 404 and "nicht freigegeben" in refused.text
    for probe in ("/dokument/%2e%2e/%2e%2e/pyproject.toml", "/dokument/buergerservice/nichts.pdf"):
        assert client.get(probe).status_code in {401, 404}

    paula = TestClient(create_app(services))
    paula.post("/login", data={"username": "paula", "password": PASSWORD})
    assert paula.get(PERSONAL).status_code == 200


def test_answers_link_their_sources_to_the_document_route(services: Services) -> None:
    assert document_link("a b.md", None, None) == "/dokument/a%20b.md"
    assert document_link("satzungen/hund.pdf", 2, "§ 4") == "/dokument/satzungen/hund.pdf#page=2"
    assert document_link("satzungen/hund.md", None, "§ 17") == "/dokument/satzungen/hund.md#%C2%A7%2017"
    anna = services.account("anna")
    assert anna is not None
    answer = services.assistant.ask("Was kostet ein Personalausweis?", user=services.user_of(anna))
    links = [s.link for s in answer.sources]
    assert links and all(link and link.startswith("/dokument/") for link in links)
    client = TestClient(create_app(services))
    assert client.post("/login", data={"username": "anna", "password": PASSWORD}).status_code == 200
    assert all(client.get(str(link).split("#")[0]).status_code == 200 for link in links)  # each one opens


def test_text_documents_are_rendered_safely_with_section_anchors(services: Services) -> None:
    client = TestClient(create_app(services))
    client.post("/login", data={"username": "anna", "password": PASSWORD})
    page = client.get(PUBLIC_TEXT)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'id="§ 1"' in page.text or 'id="§ 2"' in page.text


def test_document_view_escapes_hostile_text() -> None:
    from ingest.models import Block, LoadedDocument
    from ui.documents import render_document

    hostile = LoadedDocument("x.md", "Titel <img src=x onerror=alert(1)>", [
        Block("<script>alert(1)</script> Text.", headings=('§ 3 "><b>Steuer',)),
    ])
    page = render_document(hostile, "Ortsrecht")
    assert "<script>" not in page and "&lt;script&gt;" in page and "<img" not in page
    assert '<h2 id="§ 3">§ 3 &quot;&gt;&lt;b&gt;Steuer</h2>' in page


def test_trusted_header_mode_and_health(fake_musterstadt: Index, tmp_path: Path) -> None:
    services = make_services(fake_musterstadt, tmp_path, trusted_header="X-Remote-User")
    client = TestClient(create_app(services))
    assert client.get("/health").json()["status"] == "ok"
    assert client.get(PERSONAL, headers={"X-Remote-User": "anna"}).status_code == 404
    assert client.get(PERSONAL, headers={"X-Remote-User": "paula"}).status_code == 200
    assert client.get(PUBLIC_PDF, headers={"X-Remote-User": "unbekannt"}).status_code == 401
    assert client.get(PUBLIC_PDF).status_code == 401


def test_demo_mode_without_users_file_sees_everything(fake_musterstadt: Index, tmp_path: Path) -> None:
    services = make_services(fake_musterstadt, tmp_path, with_users=False)
    assert services.demo and services.account(None).admin
    assert TestClient(create_app(services)).get(PERSONAL).status_code == 200


def test_gradio_file_route_serves_no_index_or_corpus_files(services: Services) -> None:
    client = TestClient(create_app(services))
    client.post("/login", data={"username": "anna", "password": PASSWORD})
    secrets = [services.settings.data_dir / "catalog.sqlite", services.settings.users_path,
               services.settings.corpus_dir / "personal" / "urlaub-sonderurlaub.pdf"]
    for path in secrets:
        for url in (f"/gradio_api/file={path.resolve()}", f"/file={path.resolve()}"):
            response = client.get(url)
            assert response.status_code >= 400 or not response.content.startswith((b"SQLite", b"%PDF", b"#")), url


def test_start_and_first_page_make_no_outside_connections(fake_musterstadt: Index, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    attempts: list[object] = []
    original = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in {"127.0.0.1", "::1", "localhost", "testserver"} and sock.family != socket.AF_UNIX:
            attempts.append(address)
            raise OSError("no outside connections in this test")
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    services = make_services(fake_musterstadt, tmp_path)
    client = TestClient(create_app(services))
    with client:  # runs the app's start-up events too
        assert client.get("/").status_code == 200
        assert client.get("/health").status_code == 200
    assert attempts == []
