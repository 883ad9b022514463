"""Queries on the gallery index: words, rating, tags, kind, folder, dates, sort, paging.

Words match the positive prompt, model, LoRAs and file name (FTS5, all words
required, whole words; ``word*`` is a prefix, which is slower: about 4 ms instead of
0.3 ms on 100,000 files for common words); :attr:`SearchQuery.negative` searches the
negative prompt. Ratings
and tags live in the project's ``gallery.json`` (:class:`~.store.GalleryStore`), not in
the cache, so a query that needs them loads the store's few rated/tagged paths into a
temporary table and joins it.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from typing import Literal

from .index import GalleryIndex
from .store import GalleryStore

SortKey = Literal["date", "-date", "name", "-name", "size", "-size", "rating", "relevance"]
_ORDER = {
    "date": "f.id",  # row ids sort like mtimes (index.time_key)
    "-date": "f.id DESC",
    "name": "f.path",
    "-name": "f.path DESC",
    "size": "f.size, f.path",
    "-size": "f.size DESC, f.path",
    "rating": "coalesce(st.rating, 0) DESC, f.mtime DESC",
    "relevance": "fts.rank",
}
_WORD = re.compile(r"([\w'-]+)(\*?)", re.UNICODE)


@dataclass(frozen=True)
class SearchQuery:
    words: str = ""
    negative: str = ""
    rating_min: int = 0
    tags: tuple[str, ...] = ()
    kind: str | None = None  # "image" | "video" | "other"
    folder: str | None = None  # project-relative; includes sub-folders
    date_from: float | None = None  # POSIX times, on the file's mtime
    date_to: float | None = None
    sort: SortKey = "-date"
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class SearchHit:
    path: str  # project-relative
    kind: str
    size: int
    mtime: float
    seed: int | None
    model: str | None
    positive: str | None
    rating: int = 0


def fts_expression(words: str) -> str | None:
    """An FTS5 query requiring every word (``word*``: as a prefix); None if there are none."""
    tokens = _WORD.findall(words)
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' + star for t, star in tokens)


def _prefix_range(folder: str) -> tuple[bytes, bytes]:
    base = os.fsencode(folder.strip("/"))
    return base + b"/", base + b"0"  # b"0" sorts right after b"/"


def search(
    index: GalleryIndex, query: SearchQuery, store: GalleryStore | None = None
) -> list[SearchHit]:
    """One page of files matching ``query``."""
    db = index.db
    where: list[str] = []
    params: list[object] = []
    joins = ""
    positive = fts_expression(query.words)
    negative = fts_expression(query.negative)
    if positive or negative:
        joins += " JOIN fts ON fts.rowid = f.id"
        parts = []
        if positive:
            parts.append("{positive model loras name} : (" + positive + ")")
        if negative:
            parts.append("negative : (" + negative + ")")
        where.append("fts MATCH ?")
        params.append(" AND ".join(parts))
    need_state = bool(query.rating_min or query.tags or query.sort == "rating")
    if need_state:
        _load_state(db, store, query)
        if query.rating_min or query.tags:
            joins += " JOIN temp.st ON st.path = f.path"
        else:
            joins += " LEFT JOIN temp.st ON st.path = f.path"
    if query.kind:
        where.append("f.kind = ?")
        params.append(query.kind)
    if query.folder:
        low, high = _prefix_range(query.folder)
        where.append("f.path >= ? AND f.path < ?")
        params += [low, high]
    if query.date_from is not None:
        where.append("f.mtime >= ?")
        params.append(query.date_from)
    if query.date_to is not None:
        where.append("f.mtime <= ?")
        params.append(query.date_to)
    order = _ORDER.get(query.sort, _ORDER["-date"])
    if query.sort == "relevance" and not (positive or negative):
        order = _ORDER["-date"]
    if positive or negative:
        order = order.replace("f.id", "fts.rowid")  # lets FTS stream in order
    rating = "coalesce(st.rating, 0)" if need_state else "0"
    sql = (
        f"SELECT f.path, f.kind, f.size, f.mtime, f.seed, f.model, f.positive, {rating} "
        f"FROM files f{joins}"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {order} LIMIT ? OFFSET ?"
    )
    params += [max(0, query.limit), max(0, query.offset)]
    try:
        rows = db.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        raise ValueError(f"cannot search for {query.words!r}: {exc}") from exc
    ratings = store.ratings() if store is not None and not need_state else {}
    hits = []
    for path, kind, size, mtime, seed, model, text, stars in rows:
        rel = os.fsdecode(bytes(path))
        seed = int(seed) if isinstance(seed, str) else seed  # beyond int64: stored as text
        hits.append(
            SearchHit(rel, kind, size, mtime, seed, model, text, stars or ratings.get(rel, 0))
        )
    return hits


def _load_state(db: sqlite3.Connection, store: GalleryStore | None, query: SearchQuery) -> None:
    """``temp.st(path, rating)``: the files passing the rating/tag filters."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS st(path BLOB PRIMARY KEY, rating INTEGER)")
    db.execute("DELETE FROM temp.st")
    if store is None:
        return
    ratings = store.ratings()
    if query.tags:
        tagged = store.file_tags()
        wanted = set(query.tags)
        paths = {p for p, tags in tagged.items() if wanted <= tags}
    else:
        paths = set(ratings)
    rows = [
        (os.fsencode(p), ratings.get(p, 0)) for p in paths if ratings.get(p, 0) >= query.rating_min
    ]
    db.executemany("INSERT OR REPLACE INTO temp.st VALUES (?, ?)", rows)
