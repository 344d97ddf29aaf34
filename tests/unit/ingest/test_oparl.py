"""The OParl connector against a real HTTP server on 127.0.0.1 serving OParl 1.1 JSON and real Munich council
PDFs: first sync, incremental second sync (a new file, a deleted paper), a reference known only from OParl,
cards carded anew when an originator or meeting changed, a meeting's own files, retries (500, 429 with
Retry-After), a trickling download, a malformed object, a file on another host, an interrupted sync."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.services import make_retriever
from core.index import Index
from ingest.http_fetch import Fetcher, FetchError, HttpPolicy
from ingest.oparl import OParlSync, SyncReport
from ingest.pipeline import Ingestor, IngestReport

from conftest import COUNCIL, require_shared
from oparl_site import Site, build, file_object, paper, serving

SYSTEM = "/oparl/v1/system"
PAPERS = "/oparl/v1/body/1/paper"
MEETINGS = "/oparl/v1/body/1/meeting"
ORGANIZATIONS = "/oparl/v1/body/1/organization"
REF_A, REF_B, REF_C = "20-26 / V 01203", "20-26 / A 00869", "20-26 / V 02232"


def papers(site: Site) -> list[dict[str, Any]]:
    """A: a Vorlage with its PDF; B: an Antrag whose number is not in its PDF; C: no files yet; then an entry
    without id (malformed)."""
    return [
        paper(site, 1, "Sanierung Seeriederstr. 18a, ehemalige U5-Akademie: Umbau zur Schulnutzung", REF_A,
              "Beschlussvorlage", file_object(site, 11, "6446100.pdf", "Beschlussvorlage")),
        paper(site, 2, "Neubesetzung der Leitung des Bildungsreferats nur nach Ausschreibung", REF_B, "Antrag",
              file_object(site, 21, "6439560.pdf", "Antrag")),
        {"type": "https://schema.oparl.org/1.1/Paper", "name": "Vorlage ohne id"},
        paper(site, 3, "Zuschuss aus Budgetmitteln des Bezirksausschusses 25 für das Vortragsteam", REF_C,
              "Beschlussvorlage", None),
    ]


@pytest.fixture
def site() -> Iterator[Site]:
    require_shared(COUNCIL)
    with serving(Site()) as running:
        build(running, papers(running))
        yield running


class Run:
    """One connector run in-process (as `python -m ingest --oparl` does it), waits recorded, not slept."""

    def __init__(self, index: Index, site: Site) -> None:
        self.index, self.site, self.sleeps = index, site, []

    def fetcher(self, **policy: Any) -> Fetcher:
        return Fetcher(self.site.base, HttpPolicy(rate=1000, **policy), sleep=self.sleeps.append)

    def __call__(self, **policy: Any) -> tuple[SyncReport, IngestReport]:
        fetcher = self.fetcher(**policy)
        try:
            report = OParlSync(fetcher, self.index.settings.data_dir / "oparl").sync(self.site.url(SYSTEM))
        finally:
            fetcher.close()
        return report, Ingestor(self.index).run(report.folders, collection="rat")


def docs_of(index: Index, paper_number: int, site: Site) -> list[str]:
    """Document ids of one paper's card and files (its folder is named after its OParl id)."""
    from ingest.oparl_model import key_of

    key = key_of(site.url(f"/oparl/v1/paper/{paper_number}"))
    return sorted(d for d in index.catalog.files() if f"/{key}/" in d)


def top_docs(index: Index, question: str) -> list[str]:
    """Keyword retrieval: the fake embedder's vectors are noise (the e5 integration test asks the full engine)."""
    retriever = make_retriever(index.settings.model_copy(update={"fusion": "keyword"}), index)
    return [hit.chunk.doc_id for hit in retriever.retrieve(question, None, k=5)]


def test_first_sync_mirrors_papers_cards_and_metadata(fake_index: Index, site: Site) -> None:
    report, ingested = Run(fake_index, site)()
    assert report.downloaded == 2 and report.papers == 3
    assert [what for what, _ in report.errors] == [f"{site.url(PAPERS)}?page=2 (Eintrag ohne gültige id)"]
    assert ingested.counts()["failed"] == 0 and ingested.counts()["added"] == 5  # 3 cards + 2 PDFs
    chunks = fake_index.catalog.chunks(fake_index.catalog.chunk_ids()).values()
    pdf = [c for c in chunks if c.doc_id in docs_of(fake_index, 1, site) and c.kind == "pdf"]
    assert pdf and all(c.collection == "rat" for c in pdf)
    first = pdf[0]
    assert (first.reference, first.doc_type, first.date, first.issuer) == (
        REF_A, "Beschlussvorlage", "2021-01-20", "Kommunalreferat")
    assert first.title.startswith(f"Vorlage {REF_A}: Sanierung") and first.source_url == "https://ris.example.de/vorlage/1"
    assert first.extra["koerperschaft"] == "Stadt München"
    assert first.extra["beratungen"] == "04.02.2021 Sitzung des Kommunalausschusses (Beschluss)"
    # a paper without files is known by its card: name, number, type and originator as German text
    card = [c for c in chunks if c.doc_id in docs_of(fake_index, 3, site)]
    assert len(card) == 1 and card[0].reference == REF_C
    assert "Art: Beschlussvorlage. Von: Kommunalreferat. Datum: 20.01.2021." in card[0].text
    assert "noch keine Dateien veröffentlicht" in card[0].text


def test_a_reference_only_in_oparl_finds_the_paper(fake_musterstadt: Index, site: Site) -> None:
    fake_index = fake_musterstadt  # a real-sized keyword index (in five chunks every word is rare)
    Run(fake_index, site)()
    pdf_text = " ".join(c.text for c in fake_index.catalog.chunks(fake_index.catalog.chunk_ids()).values()
                        if c.kind == "pdf" and c.reference == REF_B)
    assert "00869" not in pdf_text  # the number is not printed in the Antrag itself
    found = top_docs(fake_index, f"Was steht in der Vorlage {REF_B}?")
    assert found and found[0] in docs_of(fake_index, 2, site)


def test_second_sync_fetches_only_changes_and_forgets_the_deleted_paper(fake_index: Index, site: Site) -> None:
    run = Run(fake_index, site)
    run()
    assert docs_of(fake_index, 1, site)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    listed = site.lists[PAPERS]
    listed[3]["mainFile"] = file_object(site, 31, "6409805.pdf", "Beschlussvorlage", modified=now)
    listed[3]["modified"] = now
    listed[0] = {"id": site.url("/oparl/v1/paper/1"), "type": "https://schema.oparl.org/1.1/Paper",
                 "deleted": True, "modified": now}
    site.hits.clear()
    site.queries.clear()

    report, ingested = run()
    assert site.file_hits() == ["/files/31/6409805.pdf"]  # the unchanged PDFs are not fetched again
    assert all("modified_since=" in q for path, q in zip(site.hits, site.queries, strict=True)
               if path.endswith(("/paper", "/meeting", "/organization")))
    assert report.papers == 2 and report.papers_deleted == 1
    assert ingested.counts()["deleted"] == 2 and ingested.counts()["added"] == 1
    assert docs_of(fake_index, 1, site) == []
    assert not any(d in docs_of(fake_index, 1, site) for d in top_docs(fake_index, f"Vorlage {REF_A} Seeriederstr"))
    assert any(c.kind == "pdf" and c.reference == REF_C
               for c in fake_index.catalog.chunks(fake_index.catalog.chunk_ids()).values())

    site.hits.clear()
    again, _ = run()
    assert site.file_hits() == [] and again.downloaded == 0


def all_chunks(index: Index) -> list[Any]:
    return list(index.catalog.chunks(index.catalog.chunk_ids()).values())


def test_a_renamed_originator_or_moved_meeting_recards_unchanged_papers(fake_index: Index, site: Site) -> None:
    run = Run(fake_index, site)
    run()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    site.lists[ORGANIZATIONS][0].update(name="Referat für Kommunales", modified=now)  # the papers unchanged
    site.lists[MEETINGS][0].update(start="2021-03-11T09:00:00+01:00", modified=now)

    class Crashing(Fetcher):
        def get_json(self, url: str, params: Any = None) -> Any:
            if url == site.url("/oparl/v1/paper/2"):
                raise KeyboardInterrupt  # killed re-carding: the new names are saved, two cards still old
            return super().get_json(url, params)

    with pytest.raises(KeyboardInterrupt):
        OParlSync(Crashing(site.base, HttpPolicy(rate=1000)), fake_index.settings.data_dir / "oparl").sync(
            site.url(SYSTEM))
    site.hits.clear()

    report, ingested = run()  # the next run still knows which cards are due
    assert site.file_hits() == []  # cards and sidecars rewritten, the PDFs not fetched again
    assert report.papers == 0 and report.papers_refreshed == 3 and report.errors == []
    assert ingested.counts()["updated"] == 5  # 3 cards + 2 PDFs (their sidecars changed)
    first = [c for c in all_chunks(fake_index) if c.doc_id in docs_of(fake_index, 1, site)]
    assert first and {c.issuer for c in first} == {"Referat für Kommunales"}
    assert {c.extra["beratungen"] for c in first if c.kind == "pdf"} == {
        "11.03.2021 Sitzung des Kommunalausschusses (Beschluss)"}
    card = next(c for c in all_chunks(fake_index) if c.doc_id in docs_of(fake_index, 3, site))
    assert "Von: Referat für Kommunales." in card.text and "Kommunalreferat" not in card.text
    assert "Beratungen: 11.03.2021 Sitzung des Kommunalausschusses (Beschluss)." in card.text

    again, ingested = run()
    assert again.papers_refreshed == 0 and ingested.counts()["updated"] == 0  # nothing changed since


def meeting_docs(index: Index) -> list[str]:
    return sorted(d for d in index.catalog.files() if "/sitzungen/" in d)


def test_meeting_files_are_mirrored_incrementally_and_removed(fake_index: Index, site: Site) -> None:
    meeting = site.lists[MEETINGS][0]
    meeting["web"] = "https://ris.example.de/sitzung/1"
    meeting["invitation"] = file_object(site, 41, "6409809.pdf", "Einladung")
    meeting["auxiliaryFile"] = [file_object(site, 42, "6409813.pdf", "Lageplan")]
    run = Run(fake_index, site)
    report, ingested = run()
    assert report.meetings == 1 and report.downloaded == 4 and ingested.counts()["failed"] == 0
    assert len(meeting_docs(fake_index)) == 2
    chunks = [c for c in all_chunks(fake_index) if c.doc_id in meeting_docs(fake_index)]
    titles = {c.title for c in chunks}
    assert titles == {"Sitzung des Kommunalausschusses am 04.02.2021 – Einladung",
                      "Sitzung des Kommunalausschusses am 04.02.2021 – Anlage zur Sitzung: Lageplan"}
    invitation = next(c for c in chunks if c.title.endswith("Einladung"))
    assert (invitation.doc_type, invitation.date, invitation.source_url) == (
        "Einladung", "2021-02-04", "https://ris.example.de/sitzung/1")
    assert invitation.extra["sitzung"] == "Sitzung des Kommunalausschusses" and invitation.collection == "rat"

    # the protocol appears, the attachment is withdrawn: only the new file is fetched
    now = datetime.now(UTC).isoformat(timespec="seconds")
    meeting["resultsProtocol"] = file_object(site, 43, "6409816.pdf", "Niederschrift", modified=now)
    del meeting["auxiliaryFile"]
    meeting["modified"] = now
    site.hits.clear()
    report, ingested = run()
    assert site.file_hits() == ["/files/43/6409816.pdf"] and report.files_deleted == 1
    assert ingested.counts()["added"] == 1 and ingested.counts()["deleted"] == 1
    assert {c.doc_type for c in all_chunks(fake_index) if c.doc_id in meeting_docs(fake_index)} == {
        "Einladung", "Ergebnisprotokoll"}

    # the meeting is deleted: its files go, and the cards of the papers it was cited by lose it
    site.lists[MEETINGS][0] = {"id": meeting["id"], "type": meeting["type"], "deleted": True, "modified": now}
    report, ingested = run()
    assert meeting_docs(fake_index) == [] and report.papers_refreshed == 3
    assert not list((fake_index.settings.data_dir / "oparl").rglob("sitzungen/*/*"))
    card = next(c for c in all_chunks(fake_index) if c.doc_id in docs_of(fake_index, 3, site))
    assert "Beratungen" not in card.text


def test_an_interrupted_sync_resumes_without_duplicates(fake_index: Index, site: Site) -> None:
    class Crashing(Fetcher):
        def download(self, url: str, target: Path, progress: Any = None) -> int:
            if "/files/21/" in url:
                raise KeyboardInterrupt  # killed during the second paper's download
            return super().download(url, target, progress)

    run = Run(fake_index, site)
    with pytest.raises(KeyboardInterrupt):
        OParlSync(Crashing(site.base, HttpPolicy(rate=1000)), fake_index.settings.data_dir / "oparl").sync(
            site.url(SYSTEM))
    site.hits.clear()
    _, ingested = run()
    assert site.file_hits() == ["/files/21/6439560.pdf"]  # the first paper's PDF was kept from the killed run
    assert ingested.counts()["added"] == 5
    assert len(fake_index.catalog.files()) == 5
    assert not list((fake_index.settings.data_dir / "oparl").rglob("*.part"))


def test_a_500_then_200_is_retried(fake_index: Index, site: Site) -> None:
    site.faults[PAPERS] = [(500, {})]
    run = Run(fake_index, site)
    report, _ = run(backoff_s=0.5)
    assert run.sleeps == [0.5] and report.downloaded == 2
    assert len(report.errors) == 1  # only the malformed entry


def test_a_trickling_file_fails_by_its_deadline_and_the_sync_goes_on(fake_index: Index, site: Site) -> None:
    site.trickle["/files/11/6446100.pdf"] = 0.05  # 2 KB/s: no read ever times out, the download never ends
    run = Run(fake_index, site)
    started = time.monotonic()
    report, ingested = run(deadline_s=0.5)
    assert time.monotonic() - started < 10
    message = dict(report.errors)[site.url("/oparl/v1/file/11")]
    assert "länger als 0.5 s" in message and "/files/11/6446100.pdf" in message
    assert report.downloaded == 1 and ingested.counts()["added"] == 4  # the other PDF and all three cards
    assert not list((fake_index.settings.data_dir / "oparl").rglob("*.part"))  # nothing half-written kept
    del site.trickle["/files/11/6446100.pdf"]
    site.hits.clear()
    again, _ = run()  # the paper is retried by id, though unchanged on the server
    assert site.file_hits() == ["/files/11/6446100.pdf"] and again.errors == [] and again.downloaded == 1


def test_a_429_waits_as_retry_after_asks_capped(site: Site) -> None:
    site.faults[SYSTEM] = [(429, {"Retry-After": "7"}), (503, {"Retry-After": "3600"})]
    sleeps: list[float] = []
    fetcher = Fetcher(site.base, HttpPolicy(rate=1000, max_wait_s=30), sleep=sleeps.append)
    assert fetcher.get_json(site.url(SYSTEM))["type"].endswith("/System")
    assert sleeps == [7.0, 30.0] and fetcher.requests == 3


def test_a_file_on_another_host_is_refused_unless_allowed(fake_index: Index, site: Site) -> None:
    site.lists[PAPERS][0]["auxiliaryFile"] = [file_object(site, 12, "6409809.pdf", "Anlage 1", host="localhost")]
    report, _ = Run(fake_index, site)()
    refused = dict(report.errors)[site.url("/oparl/v1/file/12")]
    assert "anderen Server" in refused and report.downloaded == 2  # the rest of the sync went on
    allowed, _ = Run(fake_index, site)(allow_other_hosts=True)
    assert allowed.downloaded == 1
    titles = {c.title for c in fake_index.catalog.chunks(fake_index.catalog.chunk_ids()).values()}
    assert any(t.endswith("– Anlage: Anlage 1") for t in titles)


def test_redirects_to_other_hosts_sizes_and_schemes_are_refused(site: Site, tmp_path: Path) -> None:
    site.files["/files/big.pdf"] = COUNCIL / "6446100.pdf"
    site.redirects["/moved"] = site.base.replace("127.0.0.1", "localhost") + "/files/big.pdf"
    fetcher = Fetcher(site.base, HttpPolicy(rate=1000, max_bytes=10_000), sleep=lambda s: None)
    with pytest.raises(FetchError, match="anderen Server"):
        fetcher.download(site.url("/moved"), tmp_path / "a.pdf")
    with pytest.raises(FetchError, match=r"größer als 0\.01 MB"):
        fetcher.download(site.url("/files/big.pdf"), tmp_path / "b.pdf")
    site.files["/files/unsized.pdf"] = COUNCIL / "6446100.pdf"
    site.unsized.add("/files/unsized.pdf")  # no Content-Length: the stream itself is cut off
    with pytest.raises(FetchError, match=r"größer als 0\.01 MB"):
        fetcher.download(site.url("/files/unsized.pdf"), tmp_path / "c.pdf")
    with pytest.raises(FetchError, match="nur http"):
        fetcher.get_json("file:///etc/passwd")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_cli_reports_failed_objects_and_refuses_bad_urls(cli_env: Path, site: Site,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.__main__ import main

    monkeypatch.setenv("AUSKUNFT_OPARL_RATE", "50")
    assert main(["--oparl", site.url(SYSTEM), "--collection", "rat", "--quiet"]) == 1  # the malformed entry
    out = capsys.readouterr().out
    assert "OParl: 3 Vorlagen abgeglichen" in out and "Fehler bei 1 Objekten" in out and "Eintrag ohne" in out
    assert main(["--oparl", "ftp://example.org/oparl", "--quiet"]) == 2
    assert main(["--oparl", site.url("/gibt-es-nicht"), "--quiet"]) == 2
    assert "HTTP 404" in capsys.readouterr().err


def test_a_paper_that_fails_is_kept_retried_by_id_and_dropped_once_gone(fake_index: Index, site: Site) -> None:
    run = Run(fake_index, site)
    run()
    state = next((fake_index.settings.data_dir / "oparl").glob("*/state.json"))

    def full_listing() -> None:
        """Forget the last sync time (as after a run whose lists broke off): the next run lists everything."""
        data = json.loads(state.read_text(encoding="utf-8"))
        state.write_text(json.dumps(data | {"last_sync": None}), encoding="utf-8")

    full_listing()
    site.lists[PAPERS][1]["auxiliaryFile"] = "kaputt"
    report, ingested = run()
    assert site.url("/oparl/v1/paper/2") in dict(report.errors)
    assert ingested.counts()["deleted"] == 0 and docs_of(fake_index, 2, site)  # a broken listing is no deletion
    del site.lists[PAPERS][1]  # now the paper is gone (404 at its id)
    full_listing()
    report, ingested = run()
    assert ingested.counts()["deleted"] == 2 and docs_of(fake_index, 2, site) == []
    assert site.url("/oparl/v1/paper/2") not in dict(report.errors)


def test_requests_are_spaced_by_the_configured_rate(site: Site) -> None:
    class Clock:
        def __init__(self) -> None:
            self.now, self.waits = 100.0, []

        def sleep(self, seconds: float) -> None:
            self.waits.append(seconds)
            self.now += seconds

    clock = Clock()
    fetcher = Fetcher(site.base, HttpPolicy(rate=4), sleep=clock.sleep, clock=lambda: clock.now)
    for _ in range(3):
        fetcher.get_json(site.url(SYSTEM))
    assert clock.waits == [0.25, 0.25]  # the first request goes at once, then one every 1/rate seconds
