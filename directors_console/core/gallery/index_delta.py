"""Index updates for one folder, not the whole project.

When renders land in a watched folder the tab already knows which files are new,
rewritten or gone (:class:`~.scanner.FolderState`) and calls
:meth:`~.index.GalleryIndex.update_files`. :func:`update_folder` is for listings that do
not track changes file by file: it compares one folder with its rows in the index. A full
:meth:`GalleryIndex.update` walks and stats the whole project: 100k files cost about a
second of a worker thread and its memory, for every new render.
"""

from __future__ import annotations

import os
from pathlib import Path

from .index import GalleryIndex, IndexReport, Progress
from .scanner import CancelToken, list_folder


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
    rel = index.rel(str(folder))
    key = os.fsencode("" if rel == "." else rel)
    indexed = {
        bytes(p): (s, m)
        for p, s, m in index.db.execute(
            "SELECT path, size, mtime FROM files WHERE folder = ?", (key,)
        )
    }
    prefix = str(index.project) + os.sep
    on_disk = {os.fsencode(index.rel(e.path)) for e in listing.files}
    removed = [prefix + os.fsdecode(p) for p in indexed if p not in on_disk]
    return index.update_files(listing.files, removed, progress, cancel)
