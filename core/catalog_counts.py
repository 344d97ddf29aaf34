"""The counts the catalog keeps for questions, changed inside each write transaction (SQL on the
catalog's connection; the catalog owns the transactions).

Chunks per term and per collection, the indexed token total and the abbreviations each chunk declares:
a question reads these (or only what changed since its snapshot, by generation) instead of scanning
every chunk. A count that drops to 0 stays as a row stamped with its generation, so a reader learns
that the term is gone; `clear` and a recount move `vocabulary_base`, and older readers read everything.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from core.vocabulary import VocabularyChanges, abbreviation_pairs, index_tokens

SCHEMA = """
CREATE TABLE IF NOT EXISTS collection_chunks (collection TEXT PRIMARY KEY, chunks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, chunks INTEGER NOT NULL, generation INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS terms_generation ON terms(generation);
CREATE TABLE IF NOT EXISTS declared (
    chunk INTEGER NOT NULL, position INTEGER NOT NULL, long TEXT NOT NULL, short TEXT NOT NULL,
    PRIMARY KEY (chunk, position)
);
CREATE INDEX IF NOT EXISTS declared_pair ON declared(long, short);
CREATE TABLE IF NOT EXISTS abbreviations (
    long TEXT NOT NULL, short TEXT NOT NULL, first_chunk INTEGER, first_position INTEGER,
    chunks INTEGER NOT NULL, generation INTEGER NOT NULL, PRIMARY KEY (long, short)
);
CREATE INDEX IF NOT EXISTS abbreviations_generation ON abbreviations(generation);
CREATE TABLE IF NOT EXISTS chunk_log (chunk INTEGER NOT NULL, generation INTEGER NOT NULL, added INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunk_log_generation ON chunk_log(generation);
"""
TABLES = ("terms", "declared", "abbreviations", "collection_chunks", "chunk_log")
# The chunk log is emptied when it holds this many entries more than there are chunks; readers behind that
# point load every chunk again.
LOG_SLACK = 10_000


@dataclass(frozen=True)
class ChunkChanges:
    """Read from the catalog: the chunks added and removed after generation `since` (every chunk when
    `full`). Removals apply before additions (a row number may be reused)."""

    generation: int
    full: bool
    removed: list[int]  # catalog row numbers
    added: list[tuple[int, str, str, str, str]]  # row number, chunk id, collection, analysed terms, text hash


@dataclass
class Counts:
    """What one write changes: chunks per term and per collection, indexed tokens, and the declared
    abbreviations it touched (those are recounted from `declared`)."""

    terms: Counter[str] = field(default_factory=Counter)
    collections: Counter[str] = field(default_factory=Counter)
    tokens: int = 0
    pairs: set[tuple[str, str]] = field(default_factory=set)

    def add(self, terms: str, collection: str, sign: int) -> None:
        """A chunk with these analysed terms (as the keyword index stores them) comes (+1) or goes (-1)."""
        words = index_tokens(terms.split())  # as FTS5 counts them
        self.terms.update(dict.fromkeys(words, sign))
        self.collections[collection] += sign
        self.tokens += sign * len(words)


def declare(db: sqlite3.Connection, rowid: int, text: str, counts: Counts) -> None:
    """Store the abbreviations a chunk's text declares, in text order."""
    pairs = abbreviation_pairs(text)
    db.executemany("INSERT INTO declared VALUES (?, ?, ?, ?)",
                   [(rowid, n, long, short) for n, (long, short) in enumerate(pairs)])
    counts.pairs.update(pairs)


def forget(db: sqlite3.Connection, doc_id: str, counts: Counts) -> None:
    """Count a file's stored chunks out and drop their declarations (before the chunks are deleted)."""
    rows = db.execute(
        "SELECT c.collection, k.terms FROM chunks c LEFT JOIN keyword k ON k.rowid = c.rowid WHERE c.doc_id = ?",
        (doc_id,),
    )
    for collection, terms in rows.fetchall():
        counts.add(terms or "", collection, -1)
    own = "(SELECT rowid FROM chunks WHERE doc_id = ?)"
    counts.pairs.update(db.execute(f"SELECT long, short FROM declared WHERE chunk IN {own}", (doc_id,)))
    db.execute(f"DELETE FROM declared WHERE chunk IN {own}", (doc_id,))


def store(db: sqlite3.Connection, counts: Counts, generation: int) -> None:
    """Apply one write's counts, stamped with the generation that write commits as."""
    trim_log(db, generation)
    db.executemany(
        "INSERT INTO terms VALUES (?, ?, ?) ON CONFLICT(term) DO UPDATE SET "
        "chunks = chunks + excluded.chunks, generation = excluded.generation",
        [(term, n, generation) for term, n in counts.terms.items() if n],
    )
    db.executemany(
        "INSERT INTO collection_chunks VALUES (?, ?) ON CONFLICT(collection) DO UPDATE SET "
        "chunks = chunks + excluded.chunks",
        [(name, n) for name, n in counts.collections.items() if n],
    )
    db.execute("DELETE FROM collection_chunks WHERE chunks <= 0")
    db.execute(
        "INSERT INTO meta VALUES ('tokens', ?) ON CONFLICT(key) DO UPDATE SET "
        "value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)",
        (str(counts.tokens),),
    )
    for long, short in counts.pairs:
        where = "FROM declared WHERE long = ? AND short = ?"
        first = db.execute(f"SELECT chunk, position {where} ORDER BY chunk, position LIMIT 1",
                           (long, short)).fetchone() or (None, None)
        (count,) = db.execute(f"SELECT COUNT(*) {where}", (long, short)).fetchone()
        db.execute("INSERT OR REPLACE INTO abbreviations VALUES (?, ?, ?, ?, ?, ?)",
                   (long, short, *first, count, generation))


def reset(db: sqlite3.Connection, generation: int) -> None:
    """Empty counts; readers whose snapshot is older than `generation` read everything again."""
    for table in TABLES:
        db.execute(f"DELETE FROM {table}")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('tokens', '0')")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('vocabulary_base', ?)", (str(generation),))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('chunk_base', ?)", (str(generation),))


def log_added(db: sqlite3.Connection, rowid: int, generation: int) -> None:
    db.execute("INSERT INTO chunk_log VALUES (?, ?, 1)", (rowid, generation))


def log_removed(db: sqlite3.Connection, doc_id: str, generation: int) -> None:
    """Before a file's chunks are deleted."""
    db.execute("INSERT INTO chunk_log SELECT rowid, ?, 0 FROM chunks WHERE doc_id = ?", (generation, doc_id))


def trim_log(db: sqlite3.Connection, generation: int) -> None:
    """Keep the log about as long as the index: when it outgrows it, empty it and let older readers reload."""
    (span,) = db.execute("SELECT COALESCE(MAX(rowid) - MIN(rowid), 0) FROM chunk_log").fetchone()
    if span > LOG_SLACK:
        (chunks,) = db.execute("SELECT COALESCE(SUM(chunks), 0) FROM collection_chunks").fetchone()
        if span > chunks + LOG_SLACK:
            db.execute("DELETE FROM chunk_log")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('chunk_base', ?)", (str(generation),))


def chunk_changes(db: sqlite3.Connection, since: int) -> ChunkChanges | None:
    """Chunks added and removed after generation `since`; None when nothing changed; every chunk when
    `since` predates the log."""
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'chunk_base')").fetchall())
    generation = int(meta.get("generation", 0))
    if generation == since:
        return None
    joined = ("c.rowid, c.id, c.collection, k.terms, json_extract(c.metadata, '$.text_hash') "
              "FROM chunks c JOIN keyword k ON k.rowid = c.rowid")
    if since < int(meta.get("chunk_base", 0)) or since > generation:
        rows = db.execute(f"SELECT {joined} ORDER BY c.rowid").fetchall()
        return ChunkChanges(generation, True, [], rows)
    removed = [r for (r,) in db.execute(
        "SELECT DISTINCT chunk FROM chunk_log WHERE generation > ? AND added = 0 ORDER BY chunk", (since,))]
    added = db.execute(
        f"SELECT {joined} WHERE c.rowid IN "
        "(SELECT chunk FROM chunk_log WHERE generation > ? AND added = 1) ORDER BY c.rowid", (since,)).fetchall()
    return ChunkChanges(generation, False, removed, added)


def recount(db: sqlite3.Connection, generation: int) -> None:
    """Take every count from the stored chunks again (schema upgrade, analyzer change)."""
    reset(db, generation)
    counts = Counts()
    rows = db.execute(
        "SELECT c.rowid, c.collection, c.text, k.terms FROM chunks c LEFT JOIN keyword k ON k.rowid = c.rowid "
        "ORDER BY c.rowid"
    )
    for rowid, collection, text, terms in rows.fetchall():
        counts.add(terms or "", collection, 1)
        declare(db, rowid, text, counts)
    store(db, counts, generation)


def changes(db: sqlite3.Connection, since: int) -> VocabularyChanges | None:
    """Terms and abbreviations changed after generation `since`, with the current totals; None when the
    index has not changed; everything when `since` predates the last reset."""
    meta = dict(db.execute(
        "SELECT key, value FROM meta WHERE key IN ('generation', 'vocabulary_base')"
    ).fetchall())
    generation = int(meta.get("generation", 0))
    if generation == since:
        return None
    full = since < int(meta.get("vocabulary_base", 0)) or since > generation
    after = -1 if full else since
    terms = dict(db.execute("SELECT term, chunks FROM terms WHERE generation > ?", (after,)).fetchall())
    abbreviations = db.execute(
        "SELECT long, short, first_chunk, first_position, chunks FROM abbreviations WHERE generation > ?", (after,)
    ).fetchall()
    (chunks,) = db.execute("SELECT COALESCE(SUM(chunks), 0) FROM collection_chunks").fetchone()
    return VocabularyChanges(generation=generation, full=full, terms=terms, abbreviations=abbreviations,
                             chunks=int(chunks))
