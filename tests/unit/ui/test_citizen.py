"""Citizen mode without a browser: public collections only (fail closed), no login or admin routes, the
rating-only feedback, the office notice and the per-address rate limit (with an injected clock)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.embed import FakeEmbedder
from core.index import Index
from core.permissions import PUBLIC, CollectionsError, User, load_collections, readable_collections
from core.settings import SettingsError, load_settings
from ui import citizen
from ui.chat import KEEP, ChatState, give_feedback
from ui.server import create_app
from ui.service import CITIZEN_ACCOUNT, Services
from ui.startup import StartupError, prepare
from ui.throttle import RateLimit

from conftest import CORPUS, copy_fake_musterstadt, make_settings
from ui_services import PASSWORD, make_services

pytestmark = pytest.mark.unit
PUBLIC_COLLECTIONS = ["archiv", "bauen", "buergerservice", "satzungen", "soziales"]
PUBLIC_PDF = "/dokument/buergerservice/buergerservice/personalausweis.pdf"
CLOSED_DOCS = ["/dokument/personal/personal/urlaub-sonderurlaub.pdf",
               "/dokument/rat/rat/ratsvorlage-2025-0587-hundesteuer.md"]  # rat: not marked public
ADMIN_ENDPOINTS = {"overview", "do_upload", "do_ingest", "do_delete", "do_export"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def services(fake_musterstadt: Index, tmp_path: Path) -> Services:
    # A users file exists (make_services writes one): citizen mode must ignore it all the same.
    return make_services(fake_musterstadt, tmp_path, mode="citizen")


def test_mode_setting_defaults_to_staff_and_refuses_anything_else() -> None:
    assert load_settings().mode == "staff" and load_settings().citizen_rate_per_minute == 10
    assert load_settings(mode="citizen").mode == "citizen"
    with pytest.raises(SettingsError, match="mode"):
        load_settings(mode="public")


def test_the_public_reads_exactly_the_collections_marked_public(tmp_path: Path) -> None:
    shipped = load_collections(CORPUS / "collections.toml")
    public = User(name="buerger", department=PUBLIC)
    assert readable_collections(public, shipped, ["intern", "personal", "unbekannt"]) == PUBLIC_COLLECTIONS
    assert readable_collections(public, shipped, [], requested=["personal", "bauen"]) == ["bauen"]
    assert "intern" in shipped.visible_to("bauamt")  # staff rights are untouched by the marker

    path = tmp_path / "collections.toml"
    path.write_text('[departments]\nbauamt = "Bauamt"\n[collections.offen]\npublic = true\n'
                    '[collections.ohne]\ndepartments = ["*"]\n[collections.nein]\npublic = false\n', encoding="utf-8")
    config = load_collections(path)
    assert config.visible_to(PUBLIC) == ["offen"]  # no marker or false: not public (fail closed)
    assert config.contact is None
    path.write_text('[collections.offen]\npublic = "ja"\n', encoding="utf-8")
    with pytest.raises(CollectionsError, match="public muss true oder false"):
        load_collections(path)
    path.write_text('[departments]\n"@public" = "Alle"\n', encoding="utf-8")
    with pytest.raises(CollectionsError):  # nobody can declare the public's department as a staff one
        load_collections(path)


def test_citizen_mode_has_no_login_no_admin_and_serves_only_public_documents(services: Services) -> None:
    assert services.citizen and not services.demo
    assert services.account("admin") == CITIZEN_ACCOUNT == services.signed_in("anna", {})
    assert services.visible_collections(CITIZEN_ACCOUNT) == PUBLIC_COLLECTIONS
    client = TestClient(create_app(services))
    page = client.get("/")
    assert page.status_code == 200 and "Anmelden" not in page.text
    assert client.get(PUBLIC_PDF).status_code == 200  # no login needed for a public source
    for closed in CLOSED_DOCS:
        assert client.get(closed).status_code == 404
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code in {404, 405}
    for route in ("/logout", "/gradio_api/upload", "/gradio_api/upload_progress"):
        assert client.get(route).status_code in {404, 405}, route
        assert client.post(route).status_code in {403, 404, 405}, route
    info = client.get("/gradio_api/info").json()
    names = {name.strip("/") for name in info.get("named_endpoints", {})}
    assert names and not names & ADMIN_ENDPOINTS, names
    assert "Verwaltung" not in page.text


def test_staff_mode_keeps_its_login_and_admin_endpoints(fake_musterstadt: Index, tmp_path: Path) -> None:
    client = TestClient(create_app(make_services(fake_musterstadt, tmp_path)))
    assert client.get(PUBLIC_PDF).status_code == 401
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 200
    names = {name.strip("/") for name in client.get("/gradio_api/info").json()["named_endpoints"]}
    assert names >= ADMIN_ENDPOINTS


def test_citizen_feedback_stores_the_rating_and_nothing_else(services: Services) -> None:
    answered = list(citizen.ask(services, RateLimit(10), "10.0.0.1", "Was kostet ein Personalausweis für Erika?",
                                [], "einfach", "de", [], ChatState()))[-1]
    assert give_feedback(services, CITIZEN_ACCOUNT, -1, "Erika Muster, Hauptstr. 5", answered.state) == (
        "Danke für Ihre Bewertung!")
    (stored,) = services.logbook.feedback()
    assert (stored.rating, stored.comment, stored.question, stored.answer, stored.sources, stored.user) == (
        -1, "", "", "", [], None)


def test_rate_limit_per_address_with_a_sliding_minute() -> None:
    clock = Clock()
    limit = RateLimit(3, 60.0, clock=clock)
    assert [limit.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.take("a") == pytest.approx(60.0) and limit.take("b") == 0.0  # other addresses go on
    clock.now += 30
    assert limit.take("a") == pytest.approx(30.0)  # a refused try does not count
    clock.now += 30
    assert limit.take("a") == 0.0
    with pytest.raises(ValueError):
        RateLimit(0)


def test_asking_above_the_limit_gets_a_friendly_wait(services: Services) -> None:
    clock = Clock()
    limit = RateLimit(1, 60.0, clock=clock)
    history = [{"role": "user", "content": "Frage"}, {"role": "assistant", "content": "Antwort"}]
    state = ChatState(turns=[("Frage", "Antwort")])
    (empty,) = citizen.ask(services, limit, "10.0.0.1", "  ", history, "einfach", "de", [], state)
    assert empty.status == "Bitte eine Frage eingeben."  # an empty click uses up nothing
    assert not list(citizen.ask(services, limit, "10.0.0.1", "Hundesteuer?", [], "einfach", "de", [],
                                ChatState()))[-1].status
    clock.now += 15
    (refused,) = citizen.ask(services, limit, "10.0.0.1", "Wohngeld?", history, "einfach", "de", [], state)
    assert "bitte warten sie 45 sekunden" in refused.status.lower()
    assert refused.messages == history and refused.state is state and refused.sources == KEEP
    assert list(citizen.ask(services, limit, "10.0.0.2", "Wohngeld?", [], "einfach", "de", [],
                            ChatState()))[-1].messages  # another client is served


def test_office_notice_names_the_cited_collections_contact_or_the_general_one(tmp_path: Path) -> None:
    shipped = load_collections(CORPUS / "collections.toml")
    answer = {"answer": "Das kostet 37 Euro [2].", "collections": ["satzungen", "buergerservice"]}
    assert "Bürgerbüro, Rathaus, Marktplatz 1" in citizen.office_notice(shipped, answer)
    uncited = {"answer": "Das steht im Merkblatt.", "collections": ["soziales"]}
    assert "Wohngeldstelle" in citizen.office_notice(shipped, uncited)
    general = citizen.office_notice(shipped, {"answer": "Dazu finde ich nichts.", "collections": []})
    assert general == citizen.office_notice(shipped) and "info@musterstadt.de" in general
    assert "Tel. 0123 456-0" in citizen.office_notice(shipped, {"answer": "[1]", "collections": ["allgemein"]})
    path = tmp_path / "collections.toml"
    path.write_text("[collections.offen]\npublic = true\n", encoding="utf-8")
    assert citizen.office_notice(load_collections(path)) == citizen.NO_CONTACT
    assert "nicht rechtlich verbindlich" in citizen.NOTICE


def test_citizen_start_needs_a_public_collection_and_ignores_users(tmp_path: Path,
                                                                  fake_musterstadt_template: Path) -> None:
    closed = tmp_path / "collections.toml"
    closed.write_text('[departments]\nbauamt = "Bauamt"\n[collections.bauen]\ndepartments = ["*"]\n',
                      encoding="utf-8")
    settings = make_settings(tmp_path / "a", mode="citizen", ingest_on_start=False).model_copy(
        update={"collections_file": closed})
    with pytest.raises(StartupError, match="public = true"):
        prepare(settings, embedder=FakeEmbedder())
    broken_users = tmp_path / "users.toml"
    broken_users.write_text('[users.anna]\npassword = "klartext"\n', encoding="utf-8")
    ingested = copy_fake_musterstadt(fake_musterstadt_template, tmp_path / "b")  # the start finds it unchanged
    services = prepare(ingested.model_copy(update={"mode": "citizen", "users_file": broken_users}),
                       embedder=FakeEmbedder())
    try:
        assert services.users is None and services.citizen and not services.demo
        assert not any("Demo-Modus" in n for n in services.notices)
    finally:
        services.close()
