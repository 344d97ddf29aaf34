"""The keyword searches of the catalog: BM25 over the FTS5 index of analysed terms (German stems and
compound parts), with the permission filter inside the SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence


class KeywordSearch:
    """Read-only queries on the `keyword` FTS5 table joined to `chunks`; mixed into `Catalog`."""

    _db: sqlite3.Connection

    def search_phrase(self, terms: list[str], k: int, collections: Sequence[str] | None = None) -> list[str]:
        """Chunks containing the analysed terms in this order (Drucksache numbers, signatures)."""
        if not terms or (collections is not None and not collections):
            return []
        phrase = '"' + " ".join(t.replace('"', "") for t in terms) + '"'
        sql = "SELECT c.id FROM keyword JOIN chunks c ON c.rowid = keyword.rowid WHERE keyword MATCH ?"
        args: list[object] = [phrase]
        if collections is not None:
            sql += f" AND c.collection IN ({','.join('?' * len(collections))})"
            args.extend(collections)
        args.append(k)
        return [row[0] for row in self._db.execute(sql + " ORDER BY bm25(keyword) LIMIT ?", args)]

    def keyword_scores(self, terms: list[str], ids: Sequence[str]) -> dict[str, float]:
        """FTS5's BM25 of the given chunks for the terms (chunks without any term are absent). Retrieval
        computes the same from the stored terms (`IndexSnapshot.bm25`); this is the reference."""
        unique = list(dict.fromkeys(t for t in terms if t))
        if not unique or not ids:
            return {}
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in unique)
        rows = self._db.execute(  # the rowid filter narrows the match itself, not just its result
            "SELECT c.id, bm25(keyword) FROM keyword JOIN chunks c ON c.rowid = keyword.rowid "
            "WHERE keyword MATCH ? AND keyword.rowid IN "
            f"(SELECT rowid FROM chunks WHERE id IN ({','.join('?' * len(ids))}))",
            [match, *ids],
        )
        return {cid: -score for cid, score in rows}

    def search_keywords(
        self, terms: list[str], k: int, collections: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """BM25 over analysed terms, OR-combined; `collections` restricts inside the query."""
        unique = list(dict.fromkeys(t for t in terms if t))
        if not unique or (collections is not None and not collections):
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in unique)
        sql = (
            "SELECT c.id, bm25(keyword) AS score FROM keyword JOIN chunks c ON c.rowid = keyword.rowid "
            "WHERE keyword MATCH ?"
        )
        args: list[object] = [match]
        if collections is not None:
            sql += f" AND c.collection IN ({','.join('?' * len(collections))})"
            args.extend(collections)
        sql += " ORDER BY score LIMIT ?"
        args.append(k)
        return [(cid, -score) for cid, score in self._db.execute(sql, args)]
