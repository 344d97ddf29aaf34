"""The catalog's tables and how an older catalog is brought up to them (nothing stored is lost)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# 2: chunks.section; 3: per-term chunk counts, declared abbreviations and chunks per collection, kept by
# every write (a question reads them instead of scanning every chunk); 4: the chunk log (chunks each write
# added and removed, for the in-memory search; created empty, readers then load everything once)
SCHEMA_VERSION = 4

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    doc_id TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    source TEXT NOT NULL,
    collection TEXT NOT NULL,
    fingerprint TEXT,
    title TEXT,
    kind TEXT,
    chunk_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    error TEXT,
    failed_fingerprint TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_root ON files(root);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    collection TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    section TEXT,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_section ON chunks(section);
CREATE VIRTUAL TABLE IF NOT EXISTS keyword USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
"""


def content_hash(fingerprint: str) -> str:
    """The content digest at the head of a file fingerprint ('<sha256>|<chunk size>|…|<collection>')."""
    return fingerprint.split("|", 1)[0]


@dataclass(frozen=True)
class FileRecord:
    doc_id: str
    root: str
    source: str
    collection: str
    fingerprint: str | None
    title: str | None
    kind: str | None
    chunk_ids: tuple[str, ...]
    status: str
    error: str | None
    failed_fingerprint: str | None
    updated_at: str

    @property
    def content_hash(self) -> str | None:
        """The file's content digest alone (the fingerprint also names chunk settings, parser and collection)."""
        return content_hash(self.fingerprint) if self.fingerprint else None


def upgrade(db: sqlite3.Connection) -> None:
    """Bring a catalog of an older version up to the current schema in place (nothing is lost).

    Chunks from before version 2 have no section until their file is re-ingested, which the parser
    version in their fingerprint triggers on the next run. The counts of version 3 are taken from the
    stored chunks once, after the tables exist (see `Catalog.__init__`).
    """
    columns = {row[1] for row in db.execute("PRAGMA table_info(chunks)")}
    if columns and "section" not in columns:
        db.execute("ALTER TABLE chunks ADD COLUMN section TEXT")
