"""The index catalog in SQLite: the file manifest, the chunk texts and the German keyword index (FTS5).

One database holds all three so a file's manifest entry, its chunks and its keyword rows change in one
transaction: a crash leaves either the old or the new state of a file, never a mix.
Own FTS5 index instead of `BM25Retriever`: that one is rebuilt whole from nodes and filters after the
fact; FTS5 updates per file, persists, and takes the permission filter inside the query.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from core import catalog_counts
from core.analysis import ANALYZER_VERSION, analyze
from core.catalog_counts import Counts
from core.catalog_schema import SCHEMA, SCHEMA_VERSION, FileRecord, upgrade
from core.clock import now_iso
from core.keyword_search import KeywordSearch
from core.records import Chunk, from_metadata, to_metadata
from core.vocabulary import VocabularyChanges


def keyword_terms(chunk: Chunk) -> str:
    return " ".join(analyze(chunk.embedding_text()))


class Catalog(KeywordSearch):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._db:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            upgrade(self._db)
            self._db.executescript(SCHEMA + catalog_counts.SCHEMA)
        if self.get_meta("analyzer") != ANALYZER_VERSION:
            self.rebuild_keywords()  # recounts too
        elif version < 3:
            with self._db:
                self._recount()
        # only now: a crash before this line recounts on the next start
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    # -- meta ---------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """Counts committed changes of the indexed chunks, by any process; readers compare it per query."""
        return int(self.get_meta("generation") or 0)

    def _bump_generation(self) -> int:
        """Inside the transaction that changes chunks: readers see the new count and the new chunks together."""
        self._db.execute(
            "INSERT INTO meta VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        return self.generation()

    # -- files --------------------------------------------------------------------------------------
    def files(self, root: str | None = None) -> dict[str, FileRecord]:
        sql, args = "SELECT * FROM files", ()
        if root is not None:
            sql, args = sql + " WHERE root = ?", (root,)
        return {r.doc_id: r for r in (self._record(row) for row in self._db.execute(sql, args))}

    def file(self, doc_id: str) -> FileRecord | None:
        row = self._db.execute("SELECT * FROM files WHERE doc_id = ?", (doc_id,)).fetchone()
        return self._record(row) if row else None

    @staticmethod
    def _record(row: Sequence[object]) -> FileRecord:
        values = list(row)
        values[7] = tuple(json.loads(str(values[7])))
        return FileRecord(*values)  # type: ignore[arg-type]

    def commit_file(
        self, *, doc_id: str, root: str, source: str, collection: str, fingerprint: str, title: str,
        kind: str, chunks: list[Chunk],
    ) -> None:
        """Replace a file's chunks and keyword rows and record it as ingested, atomically (the kept counts
        change in the same transaction)."""
        with self._db:
            counts = Counts()
            generation = self._bump_generation()
            self._delete_chunks(doc_id, counts, generation)
            for chunk in chunks:
                terms = keyword_terms(chunk)
                cursor = self._db.execute(
                    "INSERT INTO chunks (id, doc_id, collection, ordinal, section, text, metadata) "
                    "VALUES (?,?,?,?,?,?,?)",
                    (chunk.id, doc_id, chunk.collection, chunk.ordinal, chunk.section, chunk.text,
                     json.dumps(to_metadata(chunk), ensure_ascii=False)),
                )
                self._db.execute("INSERT INTO keyword (rowid, terms) VALUES (?, ?)", (cursor.lastrowid, terms))
                catalog_counts.log_added(self._db, int(cursor.lastrowid or 0), generation)
                counts.add(terms, chunk.collection, 1)
                catalog_counts.declare(self._db, int(cursor.lastrowid or 0), chunk.text, counts)
            self._db.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc_id, root, source, collection, fingerprint, title, kind,
                 json.dumps([c.id for c in chunks]), "ok", None, None, now_iso()),
            )
            catalog_counts.store(self._db, counts, generation)

    def mark_failed(self, *, doc_id: str, root: str, source: str, collection: str, fingerprint: str,
                    error: str) -> None:
        """Record a failure; a previously ingested version and its chunks stay searchable."""
        with self._db:
            existing = self.file(doc_id)
            if existing:
                self._db.execute(
                    "UPDATE files SET status = 'failed', error = ?, failed_fingerprint = ?, updated_at = ? "
                    "WHERE doc_id = ?",
                    (error, fingerprint, now_iso(), doc_id),
                )
            else:
                self._db.execute(
                    "INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (doc_id, root, source, collection, None, None, None, "[]", "failed", error, fingerprint,
                     now_iso()),
                )

    def invalidate(self, doc_id: str) -> None:
        """Force a file to be processed again (its vectors went missing from the store)."""
        with self._db:
            self._db.execute("UPDATE files SET fingerprint = NULL WHERE doc_id = ?", (doc_id,))

    def delete_file(self, doc_id: str) -> None:
        with self._db:
            counts = Counts()
            generation = self._bump_generation()
            self._delete_chunks(doc_id, counts, generation)
            self._db.execute("DELETE FROM files WHERE doc_id = ?", (doc_id,))
            catalog_counts.store(self._db, counts, generation)

    def _delete_chunks(self, doc_id: str, counts: Counts, generation: int) -> None:
        catalog_counts.forget(self._db, doc_id, counts)
        catalog_counts.log_removed(self._db, doc_id, generation)
        self._db.execute("DELETE FROM keyword WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_id = ?)", (doc_id,))
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))

    def clear(self) -> None:
        with self._db:
            for table in ("files", "chunks", "keyword"):
                self._db.execute(f"DELETE FROM {table}")
            catalog_counts.reset(self._db, self._bump_generation())

    # -- kept counts (core/catalog_counts.py) -------------------------------------------------------
    def _recount(self) -> None:
        # a new catalog keeps generation 0: nothing a reader has seen changes
        changes = self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None
        catalog_counts.recount(self._db, self._bump_generation() if changes else self.generation())

    def vocabulary_changes(self, since: int) -> VocabularyChanges | None:
        """Terms and abbreviations changed after generation `since` with the current totals (None: nothing
        changed); a question's snapshot reads these instead of the whole vocabulary."""
        return catalog_counts.changes(self._db, since)

    def chunk_changes(self, since: int) -> catalog_counts.ChunkChanges | None:
        """Chunks added and removed after generation `since` (None: nothing changed), for in-memory search."""
        return catalog_counts.chunk_changes(self._db, since)

    # -- chunks -------------------------------------------------------------------------------------
    def chunk_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM chunks")}

    def texts(self) -> Iterator[str]:
        """Every stored chunk text (for vocabulary the documents declare, e.g. abbreviations)."""
        for (text,) in self._db.execute("SELECT text FROM chunks"):
            yield text

    def text_hashes(self) -> list[str]:
        """The distinct chunk text hashes, sorted (the keys of the stored vectors)."""
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT json_extract(metadata, '$.text_hash') AS h FROM chunks WHERE h IS NOT NULL ORDER BY h")]

    def chunk_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunk_ids_of(self, doc_id: str) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def chunks(self, ids: Iterable[str]) -> dict[str, Chunk]:
        wanted = list(ids)
        found: dict[str, Chunk] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            rows = self._db.execute(
                f"SELECT id, text, metadata FROM chunks WHERE id IN ({','.join('?' * len(part))})", part,
            )
            for cid, text, meta in rows:
                found[cid] = from_metadata(cid, text, json.loads(meta))
        return found

    def collections(self) -> list[str]:
        """Collections that hold at least one chunk (kept per write: asked on every question)."""
        return [row[0] for row in self._db.execute("SELECT collection FROM collection_chunks ORDER BY collection")]

    def chunk_terms(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """The analysed terms the keyword index holds per chunk (title and heading included), in index
        order (the order FTS5 returns matches in)."""
        wanted = list(ids)
        found: list[tuple[int, str, str]] = []
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            found += self._db.execute(
                "SELECT c.rowid, c.id, k.terms FROM chunks c JOIN keyword k ON k.rowid = c.rowid "
                f"WHERE c.id IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        return {cid: terms.split() for _, cid, terms in sorted(found)}

    def stats(self) -> dict[str, object]:
        per_collection = {
            c: {"documents": d, "chunks": n}
            for c, d, n in self._db.execute(
                "SELECT f.collection, COUNT(DISTINCT f.doc_id), "
                "(SELECT COUNT(*) FROM chunks c WHERE c.collection = f.collection) "
                "FROM files f WHERE f.status = 'ok' OR f.chunk_ids != '[]' GROUP BY f.collection"
            )
        }
        failed = self._db.execute("SELECT COUNT(*) FROM files WHERE status = 'failed'").fetchone()[0]
        return {
            "documents": sum(v["documents"] for v in per_collection.values()),
            "chunks": self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
            "failed_files": failed,
            "collections": per_collection,
            "last_ingest": self.get_meta("last_ingest"),
        }

    def chunks_in_section(self, section: str, collections: Sequence[str] | None = None) -> list[Chunk]:
        """All chunks labelled with a section ('§ 17'), in document order; for exact legal references."""
        sql = "SELECT id, text, metadata FROM chunks WHERE section = ?"
        args: list[object] = [section]
        if collections is not None:
            sql += f" AND collection IN ({','.join('?' * len(collections))})"
            args.extend(collections)
        rows = self._db.execute(sql + " ORDER BY doc_id, ordinal", args)
        return [from_metadata(cid, text, json.loads(meta)) for cid, text, meta in rows]

    def vocabulary(self) -> dict[str, int]:
        """Every term of the keyword index with the number of chunks that contain it."""
        return dict(self._db.execute("SELECT term, chunks FROM terms WHERE chunks > 0"))

    # -- keyword index ------------------------------------------------------------------------------
    def rebuild_keywords(self) -> None:
        """Re-analyse every stored chunk (after an analyzer change); no embedding involved."""
        with self._db:
            self._db.execute("DELETE FROM keyword")
            rows = self._db.execute("SELECT rowid, id, text, metadata FROM chunks").fetchall()
            for rowid, cid, text, meta in rows:
                terms = keyword_terms(from_metadata(cid, text, json.loads(meta)))
                self._db.execute("INSERT INTO keyword (rowid, terms) VALUES (?, ?)", (rowid, terms))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('analyzer', ?)", (ANALYZER_VERSION,))
            self._recount()
