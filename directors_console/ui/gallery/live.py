"""How the Gallery tab follows its folder on disk and arranges listings off the UI thread
(a mixin of the tab).

A renderer writing a file every second or two into a folder of 100,000 must not make
the tab list the whole folder again each time. Watcher events are coalesced (one
update per :data:`COALESCE_MS` however many files land); the session's
:class:`~directors_console.core.gallery.scanner.FolderState` then names what changed
(a listing of names, a ``stat`` of the new ones only), a worker thread merges that into
the arranged rows (:func:`~directors_console.core.gallery.arrange.merge_changes`: a
binary search per new file, no sort) and the UI thread only applies the row inserts and
removals, so scroll position and selection stay. Files still being written are looked
at again every :data:`SETTLE_MS` until their size and mtime settle (a directory watcher
does not report writes into a file), and the search index reads only the files that
changed. Filtering and sorting a big listing (the filters changed, a full relisting)
also run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, cast

from PySide6.QtCore import QObject, QTimer

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.gallery.arrange import (
    ArrangeSpec,
    Merged,
    apply_changes,
    arrange_listing,
    merge_changes,
)
from directors_console.core.gallery.index import IndexReport
from directors_console.core.gallery.scanner import CancelToken, FileEntry, FolderChanges
from directors_console.ui.gallery.filter_extras import FilterExtras
from directors_console.ui.gallery.filterbar import FilterBar
from directors_console.ui.gallery.grid import FileModel, ListingDiff, diff_listing, runs
from directors_console.ui.gallery.session import GallerySession

COALESCE_MS = 300  # watcher events within this window become one update
SETTLE_MS = 1000  # files still being written are stat'ed again this often
INDEX_DELAY_MS = 1500  # changed files are indexed this long after the first change
ARRANGE_IN_THREAD = 5000  # rows from which filtering and sorting run in a worker thread
MERGE_MAX = 2000  # new files merged in place at most; beyond, the listing is arranged anew


class LiveListing:
    """Built by :meth:`_build_live` (from the tab's ``_build``)."""

    session: GallerySession | None
    folder: str
    listing: list[FileEntry]
    model: FileModel
    tasks: TaskManager
    workers: Workers
    filters: FilterBar
    extras: FilterExtras
    arrange_spec: Callable[[], ArrangeSpec]
    relist: Callable[..., None]
    load_info: Callable[..., None]
    apply_filters: Callable[[], None]
    _show_entries: Callable[..., None]

    def _build_live(self) -> None:
        self._shown_spec: ArrangeSpec | None = None  # how the rows shown were arranged
        self._arrange_gen = 0  # bumped by every new arrangement; stale ones are dropped
        self._changed_folders: set[str] = set()
        self._refreshing = False
        self._refresh_again = False
        self._index_files: dict[str, FileEntry] = {}
        self._index_removed: set[str] = set()
        self._index_folders: set[str] = set()
        self._index_running = False
        self._delta_cancel = CancelToken()
        self._relist_timer = self._timer(COALESCE_MS, self._refresh_changed)
        self._settle_timer = self._timer(SETTLE_MS, lambda: self._refresh_changed(False))
        self._delta_timer = self._timer(INDEX_DELAY_MS, self._index_changes)

    @property
    def _owner(self) -> QObject:
        """The tab (a QObject): owner of the timers and tasks."""
        return cast(QObject, self)

    def _timer(self, ms: int, slot: Any) -> QTimer:
        timer = QTimer(self._owner)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _forget_live(self) -> None:
        """A new project: nothing pending belongs to it."""
        self._shown_spec = None
        self._arrange_gen += 1
        self._changed_folders.clear()
        self._index_files.clear()
        self._index_removed.clear()
        self._index_folders.clear()
        self._delta_cancel.cancel()
        for timer in (self._relist_timer, self._settle_timer, self._delta_timer):
            timer.stop()

    # -- watcher ----------------------------------------------------------------------

    def _folder_changed(self, path: str) -> None:
        """A watched folder changed on disk (a new render): one update per burst."""
        self._changed_folders.add(path)
        if not self._relist_timer.isActive():  # not restarted: a steady stream still shows
            self._relist_timer.start()

    def _refresh_changed(self, names: bool = True) -> None:
        session = self.session
        if session is None or self.tasks.closing:
            return
        if self._refreshing:
            self._refresh_again = self._refresh_again or names
            return
        if self.extras.scope() != "folder" or (names and not session.tracks(self.folder)):
            if names:  # a listing with sub-folders: listed again, only changed folders indexed
                self._index_folders |= self._changed_folders
                self._changed_folders.clear()
                self.relist()
                self._index_soon()
            return
        self._changed_folders.clear()
        self._refreshing = True
        self.tasks.run_task(
            self._refresh(session, self.folder, names), self._owner, "Follow folder"
        )

    async def _refresh(self, session: GallerySession, rel: str, names: bool) -> None:
        listed = self.listing
        try:
            changes = await session.folder_changes(rel, names)
            if changes is not None and session is self.session and rel == self.folder:
                if self.listing is not listed:
                    # Listed again meanwhile (after a rename or an undo): the changes are
                    # against the older listing and would add its files a second time.
                    self.relist()
                elif changes.problem:
                    self.relist()  # says why (the folder was removed, became unreadable…)
                elif changes:
                    await self._merge(session, rel, changes)
        finally:
            self._refreshing = False
        if session is not self.session:
            return
        if self._refresh_again:
            self._refresh_again = False
            self._relist_timer.start()
        elif session.settling(rel) and not self._settle_timer.isActive():
            self._settle_timer.start()

    async def _merge(self, session: GallerySession, rel: str, changes: FolderChanges) -> None:
        """Put ``changes`` into the listing and the rows shown, worked out in a thread."""
        self._queue_index(changes)
        spec = self.arrange_spec()
        listing, base, rows_of = self.listing, self.model.entries, self.model.path_rows()
        words = self.filters.words()
        in_place = (
            not words and spec.same_order(self._shown_spec) and len(changes.added) <= MERGE_MAX
        )
        gen = self._arrange_gen

        def work() -> tuple[list[FileEntry], Merged | None, dict[str, int]]:
            newer = apply_changes(listing, changes)
            if not in_place:
                return newer, None, {}
            merged = merge_changes(base, rows_of, changes, spec)
            return newer, merged, {e.path: i for i, e in enumerate(merged.rows)}

        newer, merged, rows = await self.workers.in_thread(work)
        if session is not self.session or rel != self.folder:
            return  # another folder is being listed
        if self.listing is not listing:  # listed again meanwhile: list once more
            self.relist()
            return
        self.listing = newer
        if not words:
            if merged is not None and gen == self._arrange_gen and self.model.entries is base:
                diff = ListingDiff(
                    base, runs(merged.gone), runs(merged.added), merged.changed, rows
                )
                self._shown_spec = spec
                self._show_entries(merged.rows, True, diff)
            else:
                await self._arrange_show(session, True)
        # Their index facts (dimensions, seed, model) are read once they are indexed.

    # -- arranging off the UI thread --------------------------------------------------

    def arrange_shown(self, keep_selection: bool) -> asyncio.Task[None] | None:
        """Filter and sort the listing again and show it (in a thread when big)."""
        session = self.session
        if session is None or self.tasks.closing:
            return None
        if len(self.listing) <= ARRANGE_IN_THREAD:
            spec = self.arrange_spec()
            self._arrange_gen += 1
            self._shown_spec = spec
            self._show_entries(arrange_listing(self.listing, spec), keep_selection)
            return None
        return self.tasks.run_task(
            self._arrange_show(session, keep_selection), self._owner, "Arrange listing"
        )

    async def _arrange_show(
        self, session: GallerySession, keep_selection: bool, token: CancelToken | None = None
    ) -> None:
        spec = self.arrange_spec()
        listing, base = self.listing, self.model.entries
        self._arrange_gen += 1
        gen = self._arrange_gen
        if len(listing) <= ARRANGE_IN_THREAD:
            shown, diff = arrange_listing(listing, spec), None
        else:

            def work() -> tuple[list[FileEntry], ListingDiff | None]:
                arranged = arrange_listing(listing, spec)
                return arranged, diff_listing(base, arranged) if keep_selection else None

            shown, diff = await self.workers.in_thread(work)
            stale = gen != self._arrange_gen or self.listing is not listing
            if stale or session is not self.session or (token is not None and token.cancelled):
                return
        self._shown_spec = spec
        self._show_entries(shown, keep_selection, diff)

    # -- index ------------------------------------------------------------------------

    def _queue_index(self, changes: FolderChanges) -> None:
        for entry in (*changes.added, *changes.changed):
            self._index_files[entry.path] = entry
        for path in changes.removed:
            self._index_files.pop(path, None)
            self._index_removed.add(path)
        self._index_soon()

    def _index_soon(self) -> None:
        if not self._delta_timer.isActive():  # not restarted: a steady stream is indexed
            self._delta_timer.start()

    def _index_changes(self) -> None:
        session = self.session
        if session is None or self.tasks.closing:
            return
        if self._index_running:
            self._delta_timer.start()
            return
        files, removed, folders = self._index_files, self._index_removed, self._index_folders
        if not (files or removed or folders):
            return
        self._index_files, self._index_removed, self._index_folders = {}, set(), set()
        self._index_running = True
        self._delta_cancel = token = CancelToken()
        todo = list(files.values())
        job = session.index_changes(todo, sorted(removed), sorted(folders), token)
        self.tasks.run_task(self._indexed(session, job, todo), self._owner, "Index new files")

    async def _indexed(
        self,
        session: GallerySession,
        job: Coroutine[Any, Any, IndexReport | None],
        files: list[FileEntry],
    ) -> None:
        try:
            report = await job
        finally:
            self._index_running = False
        if session is not self.session or report is None or report.cancelled:
            return
        if self.filters.words():
            self.apply_filters()  # a new file may match the search
        elif files:
            self.load_info(files)  # their dimensions, seeds and models are known now
