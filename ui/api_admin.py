"""Admin routes of the HTTP API: list, upload, re-ingest (start and status) and delete documents.

Each route needs a key created with `--admin` and calls the admin console's own actions (ui/admin.py),
so checks, messages and the ingest are the same as in the browser.
"""

# No `from __future__ import annotations`: FastAPI must evaluate the route signatures, whose
# dependencies (`Depends(gate.…)`) are local to the router builder.
import tempfile
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ui import admin
from ui.api_common import ApiError, ApiGate
from ui.service import Services
from ui.users import Account


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    collection: str
    status: str
    chunks: int
    updated_at: str | None


class Message(BaseModel):
    message: str


class IngestStatus(BaseModel):
    running: bool
    message: str
    files: list[dict[str, object]]  # one row per processed file, as in the admin console


class IngestRun:
    """The latest API-started re-ingest: admin.reingest's progress, consumed in a thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = False
        self.message = "Seit dem Start wurde über die API kein Ingest gestartet."
        self.rows: list[list[object]] = []

    def start(self, services: Services, account: Account) -> bool:
        with self.lock:
            if self.running:
                return False
            self.running = True
        progress = admin.reingest(services, account)  # the console's ingest: own index connection, same report

        def work() -> None:
            try:
                for message, rows in progress:
                    with self.lock:
                        self.message, self.rows = message, rows
            finally:
                with self.lock:
                    self.running = False

        threading.Thread(target=work, name="api-ingest", daemon=True).start()
        return True

    def status(self) -> IngestStatus:
        with self.lock:
            files = [dict(zip(admin.RESULT_HEADERS, row, strict=False)) for row in self.rows]
            return IngestStatus(running=self.running, message=self.message, files=files)


def build_admin_router(services: Services, gate: ApiGate) -> APIRouter:
    router = APIRouter(prefix="/api/admin", tags=["Administration"])
    Admin = Annotated[Account, Depends(gate.admin)]
    run = IngestRun()

    @router.get("/documents", response_model=list[DocumentOut])
    def documents(account: Admin) -> list[DocumentOut]:
        return [DocumentOut(doc_id=str(r[0]), title=str(r[1]), collection=str(r[2]), status=str(r[3]),
                            chunks=int(r[4]), updated_at=str(r[5]) if r[5] else None)  # type: ignore[call-overload]
                for r in admin.documents(services, account)]

    @router.post("/upload", response_model=Message)
    def upload(account: Admin, collection: Annotated[str, Form()],
               files: Annotated[list[UploadFile], File()]) -> JSONResponse:
        with tempfile.TemporaryDirectory(prefix="auskunft-api-") as folder:
            uploads = []
            for number, item in enumerate(files):
                path = Path(folder) / str(number)  # never the client's name on disk: admin.upload checks it
                with path.open("wb") as out:
                    while block := item.file.read(1 << 20):
                        out.write(block)
                uploads.append(admin.Upload(path=path, name=item.filename or ""))
            message = admin.upload(services, account, uploads, collection)
        # admin.upload reports in German text; it begins with "Gespeichert" when at least one file was stored
        return JSONResponse({"message": message}, status_code=200 if message.startswith("Gespeichert") else 400)

    @router.post("/reingest", response_model=Message, status_code=202)
    def reingest(account: Admin) -> Message:
        if not run.start(services, account):
            raise ApiError(409, "Ein Ingest läuft schon; Stand unter GET /api/admin/reingest.")
        return Message(message="Ingest gestartet; Stand unter GET /api/admin/reingest.")

    @router.get("/reingest", response_model=IngestStatus)
    def reingest_status(account: Admin) -> IngestStatus:
        return run.status()

    @router.delete("/documents/{doc_id:path}", response_model=Message)
    def delete(doc_id: str, account: Admin) -> Message:
        if services.catalog.file(doc_id) is None:
            raise ApiError(404, f"Dokument {doc_id!r} gibt es nicht im Index (GET /api/admin/documents).")
        return Message(message=admin.delete_document(services, account, doc_id))

    return router
