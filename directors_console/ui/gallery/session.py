"""One open project as the Gallery tab sees it: store, file operations, search index.

Every call that touches the disk (listing, ratings saved to gallery.json, moves, the
index) runs in a worker thread; file operations run one at a time under a lock, and
the index (one SQLite connection, not thread-safe) has a lock of its own. Renames and
moves publish ``FilesRenamed`` on the bus so other tabs follow the files.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from directors_console.bridge.threads import Workers
from directors_console.core.events import EventBus
from directors_console.core.gallery.fileops import BatchResult, FileOps
from directors_console.core.gallery.index import GalleryIndex, IndexReport
from directors_console.core.gallery.metadata import MediaMetadata, read_metadata
from directors_console.core.gallery.scanner import (
    CancelToken,
    FileEntry,
    FolderListing,
    FolderNode,
    list_folder,
    scan_tree,
)
from directors_console.core.gallery.search import SearchQuery, search
from directors_console.core.gallery.store import GalleryStore


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

    async def open(self) -> None:
        def load() -> FileOps:
            self.store.load()
            return FileOps(self.root, self.store)

        self.ops = await self.workers.in_thread(load)

    async def close(self) -> None:
        self.closed = True
        async with self._index_lock:
            if self.index is not None:
                await self.workers.in_thread(self.index.close)
                self.index = None

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
            return listing

        try:
            return await self.workers.in_thread(listed)
        except asyncio.CancelledError:
            cancel.cancel()
            raise

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
            self.bus.publish(result.event(self.root))
        return result

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
