"""Ordering and grouping of a gallery listing, and what the index knows about its files.

- :func:`sort_entries` orders ``FileEntry`` rows by any listing column (name, folder,
  kind, size, date, rating, dimensions, seed, model); files without a value sort last
  either way.
- :func:`day_groups` groups rows by the local day of their modification time, for the
  timeline.
- :func:`read_info` reads dimensions, seed and model of many files from the search index
  through its own read-only SQLite connection, so it never waits for the indexer.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .scanner import CancelToken, FileEntry, walk_files

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
    form (for the folder column).
    """
    rows = sorted(entries, key=lambda e: e.name.lower())
    if field == "name":
        return rows[::-1] if descending else rows
    if field == "date":
        return sorted(rows, key=lambda e: e.mtime, reverse=descending)
    if field == "size":
        return sorted(rows, key=lambda e: e.size, reverse=descending)
    if field == "rating":
        return sorted(rows, key=lambda e: rating_of(e.path), reverse=descending)
    if field == "kind":
        return sorted(rows, key=lambda e: e.kind, reverse=descending)
    if field == "folder":
        return sorted(rows, key=lambda e: rel_of(e.path).rpartition("/")[0], reverse=descending)
    known: list[tuple[object, FileEntry]] = []
    unknown: list[FileEntry] = []
    for entry in rows:
        fi = info.get(entry.path)
        value: object = None
        if fi is not None:
            if field == "dimensions" and fi.width and fi.height:
                value = fi.width * fi.height
            elif field == "seed" and fi.seed is not None:
                value = _seed_key(fi.seed)
            elif field == "model" and fi.model:
                value = fi.model.lower()
        if value is None:
            unknown.append(entry)
        else:
            known.append((value, entry))
    known.sort(key=lambda pair: pair[0], reverse=descending)  # type: ignore[arg-type,return-value]
    return [e for _v, e in known] + unknown


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
