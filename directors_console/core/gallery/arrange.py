"""Ordering and grouping of a gallery listing, and what the index knows about its files.

- :func:`sort_entries` orders ``FileEntry`` rows by any listing column (name, folder,
  kind, size, date, rating, dimensions, seed, model); files without a value sort last
  either way.
- :class:`ArrangeSpec` holds the filters and order as plain values, so
  :func:`arrange_listing` (filter + sort) and :func:`merge_changes` (new files put in
  at their sorted places, no full sort) run in a worker thread.
- :func:`day_groups` groups rows by the local day of their modification time, for the
  timeline.
- :func:`read_info` reads dimensions, seed and model of many files from the search index
  through its own read-only SQLite connection, so it never waits for the indexer.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .scanner import CancelToken, FileEntry, FolderChanges, walk_files

SortField = Literal[
    "name", "folder", "kind", "size", "date", "rating", "dimensions", "seed", "model"
]
SORT_FIELDS: tuple[SortField, ...] = (
    "name", "date", "size", "rating", "kind", "folder", "dimensions", "seed", "model"
)  # fmt: skip
SORT_LABELS: dict[SortField, str] = {
    "name": "Name",
    "date": "Date modified",
    "size": "Size",
    "rating": "Rating",
    "kind": "Kind",
    "folder": "Folder",
    "dimensions": "Dimensions",
    "seed": "Seed",
    "model": "Model",
}
_IN_CHUNK = 900  # below SQLite's default limit of bound parameters


@dataclass(frozen=True, slots=True)
class FileInfo:
    """What the index read from one file; ``None`` where the file does not say."""

    width: int | None = None
    height: int | None = None
    seed: int | str | None = None
    model: str | None = None

    @property
    def aspect(self) -> float | None:
        if self.width and self.height and self.width > 0 and self.height > 0:
            return self.width / self.height
        return None


def read_info(index_file: Path, rels: Sequence[str]) -> dict[str, FileInfo]:
    """``rel -> FileInfo`` for the indexed files among ``rels`` (project-relative POSIX).

    An index that does not exist yet, or is being rebuilt, gives an empty answer.
    """
    if not rels or not Path(index_file).exists():
        return {}
    out: dict[str, FileInfo] = {}
    try:
        db = sqlite3.connect(f"file:{index_file}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        for start in range(0, len(rels), _IN_CHUNK):
            chunk = [os.fsencode(r) for r in rels[start : start + _IN_CHUNK]]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                f"SELECT path, width, height, seed, model FROM files WHERE path IN ({marks})",
                chunk,
            ).fetchall()
            for path, width, height, seed, model in rows:
                out[os.fsdecode(bytes(path))] = FileInfo(width, height, seed, model)
    except sqlite3.Error:
        return out
    finally:
        db.close()
    return out


def list_tree(folder: Path, cancel: CancelToken | None = None) -> list[FileEntry]:
    """Every file below ``folder`` (sub-folders included), sorted by name."""
    files = list(walk_files(folder, cancel))
    files.sort(key=lambda e: e.name.lower())
    return files


def _seed_key(seed: int | str | None) -> int:
    if isinstance(seed, int):
        return seed
    try:
        return int(seed) if seed is not None else 0
    except ValueError:
        return 0


def sort_value(
    entry: FileEntry,
    field: SortField,
    rating_of: Callable[[str], int],
    info: Mapping[str, FileInfo],
    rel_of: Callable[[str], str],
) -> Any:
    """What ``entry`` is ordered by for ``field``; None when the file does not say."""
    if field == "name":
        return entry.name.lower()
    if field == "date":
        return entry.mtime
    if field == "size":
        return entry.size
    if field == "rating":
        return rating_of(entry.path)
    if field == "kind":
        return entry.kind
    if field == "folder":
        return rel_of(entry.path).rpartition("/")[0]
    fi = info.get(entry.path)
    if fi is None:
        return None
    if field == "dimensions" and fi.width and fi.height:
        return fi.width * fi.height
    if field == "seed" and fi.seed is not None:
        return _seed_key(fi.seed)
    if field == "model" and fi.model:
        return fi.model.lower()
    return None


def sort_entries(
    entries: Iterable[FileEntry],
    field: SortField,
    descending: bool,
    rating_of: Callable[[str], int],
    info: Mapping[str, FileInfo],
    rel_of: Callable[[str], str],
) -> list[FileEntry]:
    """A sorted copy; ties keep name order, unknown values go last in both directions.

    ``info`` is keyed by the entries' paths; ``rel_of`` gives a path's project-relative
    form (for the folder column). :func:`insert_position` agrees with this order.
    """
    rows = sorted(entries, key=lambda e: e.name.lower())
    if field == "name":
        return rows[::-1] if descending else rows
    if field in ("date", "size", "kind", "rating", "folder"):  # always known: one sort
        return sorted(
            rows, key=lambda e: sort_value(e, field, rating_of, info, rel_of), reverse=descending
        )
    known: list[tuple[object, FileEntry]] = []
    unknown: list[FileEntry] = []
    for entry in rows:
        value = sort_value(entry, field, rating_of, info, rel_of)
        if value is None:
            unknown.append(entry)
        else:
            known.append((value, entry))
    known.sort(key=lambda pair: pair[0], reverse=descending)  # type: ignore[arg-type,return-value]
    return [e for _v, e in known] + unknown


OrderKey = tuple[bool, Any, str]


@dataclass(frozen=True)
class ArrangeSpec:
    """Everything filtering and ordering a listing needs, as plain values.

    Taken on the UI thread (filter widgets, a snapshot of ratings and tags), then used
    in a worker thread by :func:`arrange_listing` and :func:`merge_changes`.
    ``rel_of`` must be plain string work (it runs in the worker).
    """

    field: SortField = "name"
    descending: bool = False
    kind: str | None = None  # None: images and videos (not "other")
    any_kind: bool = False  # no kind filter at all (search results are filtered already)
    rating_min: int = 0
    date_from: float | None = None
    date_to: float | None = None
    tags: frozenset[str] = frozenset()
    ratings: Mapping[str, int] = dataclasses.field(default_factory=dict)  # rel -> stars
    file_tags: Mapping[str, set[str]] = dataclasses.field(default_factory=dict)
    info: Mapping[str, FileInfo] = dataclasses.field(default_factory=dict)
    rel_of: Callable[[str], str] = str

    def same_order(self, other: ArrangeSpec | None) -> bool:
        """True if ``other`` filters and orders by the same settings (the ratings, tags
        and index facts behind them may have changed since)."""
        return other is not None and all(
            getattr(self, name) == getattr(other, name) for name in _SETTINGS
        )

    def rating_of(self, path: str) -> int:
        return self.ratings.get(self.rel_of(path), 0)

    def keeps(self, entry: FileEntry) -> bool:
        """True if ``entry`` passes the kind, rating, date and tag filters."""
        if not self.any_kind and (
            (entry.kind != self.kind) if self.kind else (entry.kind == "other")
        ):
            return False
        if self.rating_min and self.rating_of(entry.path) < self.rating_min:
            return False
        if self.date_from is not None and entry.mtime < self.date_from:
            return False
        if self.date_to is not None and entry.mtime > self.date_to:
            return False
        return not self.tags or self.tags <= self.file_tags.get(self.rel_of(entry.path), set())

    def order_key(self, entry: FileEntry) -> OrderKey:
        """(unknown last, value, name tie-break): the order of :func:`sort_entries`."""
        value = sort_value(entry, self.field, self.rating_of, self.info, self.rel_of)
        tie = "" if self.field == "name" else entry.name.lower()
        return (value is None, value, tie)

    def before(self, a: OrderKey, b: OrderKey) -> bool:
        """True if key ``a`` sorts strictly before key ``b``."""
        if a[0] != b[0]:
            return a[0] < b[0]
        if a[1] != b[1]:
            return bool(a[1] > b[1]) if self.descending else bool(a[1] < b[1])
        return a[2] < b[2]

    def compare(self, a: OrderKey, b: OrderKey) -> int:
        return -1 if self.before(a, b) else int(self.before(b, a))


_SETTINGS = (
    "field",
    "descending",
    "kind",
    "any_kind",
    "rating_min",
    "date_from",
    "date_to",
    "tags",
)


def arrange_listing(entries: Iterable[FileEntry], spec: ArrangeSpec) -> list[FileEntry]:
    """The entries ``spec`` keeps, in its order (a new list)."""
    kept = [e for e in entries if spec.keeps(e)]
    return sort_entries(kept, spec.field, spec.descending, spec.rating_of, spec.info, spec.rel_of)


def insert_position(rows: Sequence[FileEntry], entry: FileEntry, spec: ArrangeSpec) -> int:
    """Where ``entry`` goes in ``rows`` (arranged by ``spec``): after its equals."""
    key = spec.order_key(entry)
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        if spec.before(key, spec.order_key(rows[mid])):
            hi = mid
        else:
            lo = mid + 1
    return lo


def apply_changes(listing: Sequence[FileEntry], changes: FolderChanges) -> list[FileEntry]:
    """A folder's listing (sorted by name) with ``changes``, still sorted by name."""
    if len(changes.removed) + len(changes.changed) > _FEW:
        newer = {e.path: e for e in changes.changed}
        gone = set(changes.removed)
        rows = [newer.get(e.path, e) for e in listing if e.path not in gone]
    else:  # a binary search per file: no Python loop over the whole listing
        rows = list(listing)
        for entry in changes.changed:
            at = _find(rows, entry.path)
            if at >= 0:
                rows[at] = entry
        for path in changes.removed:
            at = _find(rows, path)
            if at >= 0:
                del rows[at]
    if len(changes.added) < _FEW:
        for entry in changes.added:
            at = _find(rows, entry.path)
            if at >= 0:  # already listed (changes older than the listing): not twice
                rows[at] = entry
            else:
                bisect.insort(rows, entry, key=_name_key)
    else:
        added = {e.path: e for e in changes.added}
        rows = [added.pop(e.path, e) for e in rows]  # already listed: not twice
        rows.extend(added.values())
        rows.sort(key=_name_key)
    return rows


_FEW = 100  # changes applied one by one; more: one pass over the listing


def _name_key(entry: FileEntry) -> str:
    return entry.name.lower()


def _find(rows: Sequence[FileEntry], path: str) -> int:
    """The row of ``path`` in ``rows`` sorted by name, or -1."""
    key = path.rpartition(os.sep)[2].lower()
    at = bisect.bisect_left(rows, key, key=_name_key)
    while at < len(rows) and rows[at].name.lower() == key:
        if rows[at].path == path:
            return at
        at += 1
    return -1


@dataclass(frozen=True, slots=True)
class Merged:
    """A shown listing with changes merged in (see :func:`merge_changes`)."""

    rows: list[FileEntry]
    gone: list[int]  # rows of the old listing removed, ascending
    added: list[int]  # rows of the new listing inserted, ascending
    changed: list[int]  # rows of the new listing whose file changed in place


def merge_changes(
    shown: Sequence[FileEntry],
    row_of: Mapping[str, int],
    changes: FolderChanges,
    spec: ArrangeSpec,
) -> Merged:
    """``shown`` (arranged by ``spec``; ``row_of`` maps its paths to rows) with files
    added, changed and removed, each new row at its sorted place. Costs one copy of the
    list plus a binary search per new row: no sort, no diff of the whole listing."""
    drop: set[int] = {r for p in changes.removed if (r := row_of.get(p, -1)) >= 0}
    inplace: dict[int, FileEntry] = {}
    # A file "added" that is shown already (changes older than the rows) is a change.
    known = [e for e in changes.added if e.path in row_of]
    moving: list[FileEntry] = [e for e in changes.added if spec.keeps(e) and e.path not in row_of]
    updates = [*changes.changed, *known]
    touched = {row_of.get(e.path, -1) for e in updates}
    for entry in updates:
        row = row_of.get(entry.path, -1)
        if row < 0:
            if spec.keeps(entry):
                moving.append(entry)
        elif spec.keeps(entry) and _fits(shown, row, entry, spec, touched):
            inplace[row] = entry
        else:
            drop.add(row)
            if spec.keeps(entry):
                moving.append(entry)
    gone = sorted(drop)
    kept: list[FileEntry] = []
    start = 0
    for row in gone:  # slices: no Python loop over every row
        kept.extend(shown[start:row])
        start = row + 1
    kept.extend(shown[start:])
    for row, entry in inplace.items():
        kept[row - bisect.bisect_left(gone, row)] = entry
    moving.sort(
        key=functools.cmp_to_key(lambda a, b: spec.compare(spec.order_key(a), spec.order_key(b)))
    )
    places = [insert_position(kept, e, spec) for e in moving]
    rows: list[FileEntry] = []
    start = 0
    added: list[int] = []
    for entry, place in zip(moving, places, strict=True):
        rows.extend(kept[start:place])
        start = place
        added.append(len(rows))
        rows.append(entry)
    rows.extend(kept[start:])
    changed = [_moved(r, gone, places) for r in sorted(inplace)]
    return Merged(rows, gone, added, changed)


def _fits(
    shown: Sequence[FileEntry], row: int, entry: FileEntry, spec: ArrangeSpec, touched: set[int]
) -> bool:
    """True if ``entry`` may replace row ``row`` without breaking the order (its
    neighbours must not change too: they could cross)."""
    if row - 1 in touched or row + 1 in touched:
        return False
    key = spec.order_key(entry)
    if row > 0 and spec.before(key, spec.order_key(shown[row - 1])):
        return False
    return not (row + 1 < len(shown) and spec.before(spec.order_key(shown[row + 1]), key))


def _moved(row: int, gone: list[int], places: list[int]) -> int:
    """Where old row ``row`` (kept) ends up once ``gone`` rows left and new rows came in
    at ``places`` (positions in the kept rows, ascending)."""
    kept_row = row - bisect.bisect_left(gone, row)
    return kept_row + bisect.bisect_right(places, kept_row)


@dataclass(frozen=True, slots=True)
class DayGroup:
    """One day of the timeline: its date and the model rows of its files, in order."""

    day: dt.date
    rows: list[int]

    @property
    def title(self) -> str:
        return day_title(self.day, len(self.rows))


def day_title(day: dt.date, count: int) -> str:
    """``"Tuesday 24 November 2026 · 37 files"``."""
    return f"{day:%A} {day.day} {day:%B %Y} · {count} file{'s' * (count != 1)}"


def day_groups(entries: Sequence[FileEntry], newest_first: bool = True) -> list[DayGroup]:
    """Rows grouped by the local day of their mtime; inside a day, listing order."""
    by_day: dict[dt.date, list[int]] = {}
    cache: dict[int, dt.date] = {}
    for row, entry in enumerate(entries):
        # Files of one render session share an hour: convert each hour once.
        hour = int(entry.mtime // 3600)
        day = cache.get(hour)
        if day is None:
            day = _local_day(entry.mtime)
            if _local_day(hour * 3600) == _local_day(hour * 3600 + 3599):
                cache[hour] = day
        by_day.setdefault(day, []).append(row)
    days = sorted(by_day, reverse=newest_first)
    return [DayGroup(day, by_day[day]) for day in days]


def _local_day(stamp: float) -> dt.date:
    try:
        return dt.datetime.fromtimestamp(stamp).date()
    except (OverflowError, OSError, ValueError):
        return dt.date(1970, 1, 1)
