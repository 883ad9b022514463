"""Index updates for a few files or one folder, not the whole project.

When renders land in a watched folder the tab already knows which files are new,
rewritten or gone (:class:`~.scanner.FolderState`); :func:`update_files` reads just
those into the :class:`~.index.GalleryIndex`. :func:`update_folder` compares one folder
with its rows in the index (for listings that do not track changes file by file).
A full :meth:`GalleryIndex.update` walks and stats the whole project: 100k files cost
about a second of a worker thread and its memory, for every new render.

These use the index's own row writing (``_Feeder``, ``_delete``, ``_store``) so the rows
and the full-text index stay exactly as a full update would leave them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from .index import GalleryIndex, IndexReport, Progress, _Feeder
from .scanner import Cancelled, CancelToken, FileEntry, list_folder


def _rel(index: GalleryIndex, path: str) -> str:
    prefix = str(index.project) + os.sep
    if path.startswith(prefix):
        return path[len(prefix) :].replace(os.sep, "/")
    return Path(os.path.relpath(path, index.project)).as_posix()


def _known(index: GalleryIndex, rels: Iterable[bytes]) -> dict[bytes, tuple[int, float]]:
    keys = list(rels)
    out: dict[bytes, tuple[int, float]] = {}
    for start in range(0, len(keys), 900):  # below SQLite's limit of bound parameters
        chunk = keys[start : start + 900]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT path, size, mtime FROM files WHERE path IN ({marks})"
        for path, size, mtime in index.db.execute(query, chunk):
            out[bytes(path)] = (size, mtime)
    return out


def update_files(
    index: GalleryIndex,
    changed: Sequence[FileEntry],
    removed: Sequence[str],
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> IndexReport:
    """Read ``changed`` (new or rewritten files) into the index and drop ``removed``
    (absolute paths). Files whose size and mtime the index already has are skipped."""
    started = time.perf_counter()
    report = IndexReport()
    jobs = [(e, _rel(index, e.path)) for e in changed]
    known = _known(index, (os.fsencode(rel) for _e, rel in jobs))
    feeder = _Feeder(index)
    try:
        for entry, rel in jobs:
            old = known.get(os.fsencode(rel))
            if old == (entry.size, entry.mtime):
                report.unchanged += 1
                continue
            if old is None:
                report.added += 1
            else:
                report.changed += 1
            feeder.add((entry.path, rel, entry.kind, entry.size, entry.mtime))
        gone = [os.fsencode(_rel(index, p)) for p in removed]
        if gone:
            with index.db:
                index._delete(gone)
            report.removed = len(gone)
        index._store(feeder, report, progress, cancel)
    except Cancelled:
        feeder.cancel()
        report.cancelled = True
    report.seconds = time.perf_counter() - started
    return report


def update_folder(
    index: GalleryIndex,
    folder: Path,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> IndexReport:
    """Bring the rows of the files directly in ``folder`` in line with the disk."""
    listing = list_folder(folder, cancel)
    if listing.problem:
        return IndexReport(problems=[f"{folder}: {listing.problem}"])
    rel = _rel(index, str(folder))
    key = os.fsencode("" if rel == "." else rel)
    indexed = {
        bytes(p): (s, m)
        for p, s, m in index.db.execute(
            "SELECT path, size, mtime FROM files WHERE folder = ?", (key,)
        )
    }
    prefix = str(index.project) + os.sep
    on_disk = {os.fsencode(_rel(index, e.path)) for e in listing.files}
    removed = [prefix + os.fsdecode(p) for p in indexed if p not in on_disk]
    return update_files(index, listing.files, removed, progress, cancel)
