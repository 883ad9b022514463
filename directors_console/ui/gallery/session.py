"""One open project as the Gallery tab sees it: store, file operations, search index.

Every call that touches the disk (listing, ratings saved to gallery.json, moves, the
index) runs in a worker thread; file operations run one at a time under a lock, and
the index (one SQLite connection, not thread-safe) has a lock of its own. Renames and
moves publish ``FilesRenamed`` on the bus so other tabs follow the files. The folder
listed last is kept as a :class:`FolderState`, so a change on disk costs a listing of
names and a ``stat`` of the new files only, and the index reads just those files.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from directors_console.bridge.threads import Workers
from directors_console.core.events import EventBus, FilesRenamed
from directors_console.core.gallery.autoname import resolve_clashes
from directors_console.core.gallery.fileops import JOURNAL_SCHEMA, BatchResult, FileOps
from directors_console.core.gallery.index import GalleryIndex, IndexReport
from directors_console.core.gallery.index_delta import update_folder
from directors_console.core.gallery.metadata import MediaMetadata, read_metadata
from directors_console.core.gallery.naming import PlannedMove
from directors_console.core.gallery.scanner import (
    CancelToken,
    FileEntry,
    FolderChanges,
    FolderListing,
    FolderNode,
    FolderState,
    list_folder,
    scan_tree,
)
from directors_console.core.gallery.search import SearchQuery, search
from directors_console.core.gallery.store import GalleryStore
from directors_console.core.storage import StorageError, read_json


class GallerySession:
    def __init__(self, root: Path, cache_dir: Path, workers: Workers, bus: EventBus) -> None:
        self.root = root
        self.cache_dir = cache_dir
        self.workers = workers
        self.bus = bus
        self.store = GalleryStore(root)
        self.ops: FileOps | None = None
        self.index: GalleryIndex | None = None
        self._ops_lock = asyncio.Lock()
        self._index_lock = asyncio.Lock()
        self.closed = False
        self._prefix = str(root) + os.sep
        self._publishing: FilesRenamed | None = None
        # The folder listed last, kept up to date by folder_changes (one at a time).
        self._live: tuple[str, FolderState] | None = None

    async def open(self) -> None:
        def load() -> FileOps:
            self.store.load()
            return FileOps(self.root, self.store)

        self.ops = await self.workers.in_thread(load)

    async def close(self) -> None:
        self.closed = True
        async with self._index_lock:
            index, self.index = self.index, None
            if index is not None:
                try:
                    await self.workers.in_thread(index.close)
                except RuntimeError:  # the thread pool is already shut down
                    index.close()

    # -- paths ------------------------------------------------------------------------

    def rel(self, path: str) -> str:
        # Called per painted tile and per row when filtering: avoid relpath's cost.
        if path.startswith(self._prefix):
            return path[len(self._prefix) :].replace(os.sep, "/")
        return Path(os.path.relpath(path, self.root)).as_posix()

    def abs(self, rel: str) -> Path:
        return self.root / rel if rel else self.root

    # -- reading ----------------------------------------------------------------------

    async def scan_tree(self, cancel: CancelToken | None = None) -> FolderNode:
        return await self.workers.in_thread(scan_tree, self.root, cancel)

    async def list_folder(self, rel: str, cancel: CancelToken) -> FolderListing:
        def listed() -> FolderListing:
            listing = list_folder(self.abs(rel), cancel)
            listing.files.sort(key=lambda e: e.name.lower())
            if not listing.problem and not cancel.cancelled:
                self._live = (rel, FolderState(listing))
            return listing

        try:
            return await self.workers.in_thread(listed)
        except asyncio.CancelledError:
            cancel.cancel()
            raise

    def tracks(self, rel: str) -> bool:
        """True if :meth:`folder_changes` can tell what changed in folder ``rel``."""
        return self._live is not None and self._live[0] == rel

    def settling(self, rel: str) -> bool:
        """True while a file of folder ``rel`` may still be being written."""
        return self._live is not None and self._live[0] == rel and self._live[1].settling

    async def folder_changes(self, rel: str, names: bool = True) -> FolderChanges | None:
        """What changed in folder ``rel`` since it was listed or last asked (None if it
        was not the folder listed last). ``names=False`` only stats the files still
        settling. The caller runs one call at a time."""
        live = self._live
        if live is None or live[0] != rel:
            return None
        state = live[1]
        return await self.workers.in_thread(state.refresh if names else state.recheck)

    async def metadata(self, path: str) -> MediaMetadata:
        return await self.workers.in_thread(read_metadata, path)

    def rating(self, path: str) -> int:
        return self.store.rating(self.rel(path))

    def tags_of(self, path: str) -> set[str]:
        return self.store.tags_of(self.rel(path))

    # -- ratings and tags -------------------------------------------------------------

    async def set_rating(self, paths: Sequence[str], stars: int) -> None:
        for path in paths:
            self.store.set_rating(self.rel(path), stars)
        async with self._ops_lock:
            await self.workers.in_thread(self.store.save)

    def tag_counts(self) -> dict[str, int]:
        return self.store.tag_counts()

    async def edit_tags(self, edit: Callable[[GalleryStore], None]) -> None:
        """Apply ``edit`` (define, recolour, rename, delete tags) and save, off the UI thread."""
        async with self._ops_lock:
            await self.workers.in_thread(self._edit_and_save, edit)

    def _edit_and_save(self, edit: Callable[[GalleryStore], None]) -> None:
        edit(self.store)
        self.store.save()

    async def tag(self, paths: Sequence[str], tag: str, on: bool) -> None:
        if tag not in self.store.tags():
            self.store.define_tag(tag)
        for path in paths:
            self.store.tag_file(self.rel(path), tag, on)
        async with self._ops_lock:
            await self.workers.in_thread(self.store.save)

    # -- file operations --------------------------------------------------------------

    async def _op(self, fn: Callable[[], BatchResult], publish: bool) -> BatchResult:
        async with self._ops_lock:
            result = await self.workers.in_thread(fn)
        if publish and result.moves:
            event = result.event(self.root)
            self._publishing = event
            try:
                self.bus.publish(event)
            finally:
                self._publishing = None
        return result

    def published(self, event: FilesRenamed) -> bool:
        """True while this session publishes ``event`` (its store already followed it)."""
        return event is self._publishing

    async def follow_moves(self, moves: Sequence[tuple[Path, Path]]) -> int:
        """Ratings and tags follow files or folders renamed by someone else (FilesRenamed).

        Moves outside the project are ignored; a renamed folder carries everything
        rated or tagged inside it. Returns how many store paths moved.
        """
        pairs = [(self.rel_inside(a), self.rel_inside(b)) for a, b in moves]
        rels = {a: b for a, b in pairs if a is not None and b is not None and a != b}
        if not rels:
            return 0

        def follow() -> int:
            self.store.reload()
            known = set(self.store.ratings()) | set(self.store.file_tags())
            moved = []
            for path in known:
                old = path
                while old not in rels and "/" in old:  # the path, then its folders
                    old = old.rpartition("/")[0]
                if old in rels:
                    moved.append((path, rels[old] + path[len(old) :]))
            if moved:
                self.store.move_paths(moved)
                self.store.save()
            return len(moved)

        async with self._ops_lock:
            return await self.workers.in_thread(follow)

    def rel_inside(self, path: Path) -> str | None:
        """``path`` relative to the project (POSIX), or None if it is outside."""
        text = str(path)
        if not text.startswith(self._prefix):
            return None
        return text[len(self._prefix) :].replace(os.sep, "/")

    def _ops(self) -> FileOps:
        if self.ops is None:
            raise RuntimeError("the gallery is not open")
        return self.ops

    async def rename(self, path: str, new_name: str) -> BatchResult:
        ops = self._ops()
        return await self._op(lambda: ops.rename(self.rel(path), new_name), True)

    async def move(self, rels: Sequence[str], folder: str) -> BatchResult:
        ops = self._ops()
        return await self._op(lambda: ops.move(list(rels), folder), True)

    async def trash(self, paths: Sequence[str]) -> BatchResult:
        ops = self._ops()
        rels = [self.rel(p) for p in paths]
        return await self._op(lambda: ops.trash(rels), False)

    async def restore(self, trash_ids: Sequence[str]) -> BatchResult:
        ops = self._ops()
        return await self._op(lambda: ops.restore(list(trash_ids)), False)

    async def empty_trash(self) -> int:
        ops = self._ops()
        async with self._ops_lock:
            return await self.workers.in_thread(ops.empty_trash)

    def trash_entries(self) -> dict[str, tuple[str, str]]:
        return self.store.trash_entries()

    # -- batch rename and undo (see batch_rename.py) ------------------------------------

    async def rename_facts(
        self, rels: Sequence[str], need_meta: bool
    ) -> dict[str, tuple[float, dict[str, Any]]]:
        """``rel -> (mtime, {"rating", "seed", "positive"})`` for naming tokens.

        Seed and prompt come from the index where it is current, else from the file.
        While the indexer runs (it holds the index) the files are read instead.
        """
        ratings = {rel: self.store.rating(rel) for rel in rels}
        if need_meta and self.index is not None and not self._index_lock.locked():
            async with self._index_lock:
                index = self.index
                return await self.workers.in_thread(rename_facts, self.root, rels, ratings, index)
        return await self.workers.in_thread(rename_facts, self.root, rels, ratings, None, need_meta)

    async def preview(self, plan: Sequence[PlannedMove], auto: bool) -> list[PlannedMove]:
        """The plan checked against the disk; with ``auto`` clashes are numbered first."""
        ops = self._ops()

        def check() -> list[PlannedMove]:
            todo = list(plan)
            if auto:
                todo = resolve_clashes(todo, lambda rel: os.path.lexists(self.root / rel))
            return ops.preview(todo)

        return await self.workers.in_thread(check)

    async def apply_plan(self, plan: Sequence[PlannedMove]) -> BatchResult:
        ops = self._ops()
        return await self._op(lambda: ops.apply(list(plan)), True)

    async def batch_progress(self) -> tuple[int, int] | None:
        """``(done, total)`` steps of the batch running now, read from its journal."""
        ops = self._ops()

        def read() -> tuple[int, int] | None:
            try:
                steps = read_json(ops.journal, JOURNAL_SCHEMA).get("ops", [])
            except (FileNotFoundError, StorageError):
                return None
            return sum(1 for op in steps if op.get("done")), len(steps)

        return await self.workers.in_thread(read)

    async def undo_moves(self, moves: Sequence[tuple[str, str]]) -> BatchResult:
        """Put files moved by one batch back; the last batch goes through FileOps.undo."""
        ops = self._ops()

        def undo() -> BatchResult:
            try:
                last = read_json(ops.last_batch, JOURNAL_SCHEMA).get("moves", [])
            except (FileNotFoundError, StorageError):
                last = []
            if [tuple(m) for m in last] == [tuple(m) for m in moves]:
                return ops.undo()
            return ops.apply([PlannedMove(new, old) for old, new in reversed(moves)])

        return await self._op(undo, True)

    async def redo_moves(self, moves: Sequence[tuple[str, str]]) -> BatchResult:
        ops = self._ops()
        return await self._op(lambda: ops.apply([PlannedMove(a, b) for a, b in moves]), True)

    # -- index and search -------------------------------------------------------------

    async def update_index(
        self, progress: Callable[[int, int], None], cancel: CancelToken
    ) -> IndexReport:
        async with self._index_lock:
            if self.closed:
                return IndexReport(cancelled=True)
            if self.index is None:
                self.index = await self.workers.in_thread(
                    GalleryIndex, self.root, self.cache_dir / "index", workers=2
                )
            work = asyncio.ensure_future(
                self.workers.in_thread(self.index.update, progress, cancel)
            )
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                # Stop the worker thread too, and keep the index locked until it has.
                cancel.cancel()
                await asyncio.wait([work], timeout=5.0)
                if work.done() and not work.cancelled():
                    work.exception()  # retrieved: a late failure is not worth a report
                raise

    async def index_changes(
        self,
        changed: Sequence[FileEntry],
        removed: Sequence[str],
        folders: Sequence[str],
        cancel: CancelToken,
    ) -> IndexReport | None:
        """Index only these files (new or rewritten), drop ``removed`` and compare the
        ``folders`` (absolute) with their rows: no walk of the project. None while the
        index is not open yet (its first full update will see the files)."""
        async with self._index_lock:
            index = self.index
            if index is None or self.closed:
                return None

            def work() -> IndexReport:
                report = index.update_files(changed, removed, None, cancel)
                for folder in folders:
                    if cancel.cancelled:
                        break
                    more = update_folder(index, Path(folder), None, cancel)
                    report.added += more.added
                    report.changed += more.changed
                    report.removed += more.removed
                return report

            job = asyncio.ensure_future(self.workers.in_thread(work))
            try:
                return await asyncio.shield(job)
            except asyncio.CancelledError:
                cancel.cancel()  # keep the index locked until the thread has let go of it
                await asyncio.wait([job], timeout=5.0)
                if job.done() and not job.cancelled():
                    job.exception()  # retrieved: a late failure is not worth a report
                raise

    async def search(self, query: SearchQuery) -> list[FileEntry]:
        async with self._index_lock:
            index = self.index
            if index is None or self.closed:
                return []
            hits = await self.workers.in_thread(search, index, query, self.store)
        return [
            FileEntry(
                path=str(self.root / h.path),
                name=h.path.rpartition("/")[2],
                size=h.size,
                mtime=h.mtime,
                kind=h.kind,  # type: ignore[arg-type]
            )
            for h in hits
        ]


def rename_facts(
    root: Path,
    rels: Sequence[str],
    ratings: dict[str, int],
    index: GalleryIndex | None,
    need_meta: bool = True,
) -> dict[str, tuple[float, dict[str, Any]]]:
    """Blocking: mtime, rating, seed and prompt of each file (see the session method)."""
    out: dict[str, tuple[float, dict[str, Any]]] = {}
    for rel in rels:
        try:
            mtime = (root / rel).stat().st_mtime
        except OSError:
            mtime = 0.0
        info: dict[str, Any] = {"rating": ratings.get(rel, 0)}
        if need_meta:
            row = index.row(rel) if index is not None else None
            if row is not None and row.get("mtime") == mtime:
                info.update(seed=row.get("seed"), positive=row.get("positive"))
            else:
                meta = read_metadata(root / rel).info
                info.update(seed=meta.seed, positive=meta.positive)
        out[rel] = (mtime, info)
    return out
