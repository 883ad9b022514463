"""The Gallery tab's viewing tools (a mixin): lightbox video, compare, hover, duplicates.

It adds to :class:`GalleryActions`: video playback in the lightbox, the compare view
(:meth:`compare`, menu "Compare", key C), the hover preview and video hover-scrub on the
grid, the duplicate finder page ("Duplicates…" next to the filters) and "Restore
Workflow to Storyboard" (publishes ``RestoreWorkflow``). Decoding, metadata reading
and the duplicate search run in worker threads; this module only wires widgets to them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QImage, QKeyEvent
from PySide6.QtWidgets import QPushButton
from shiboken6 import isValid

from directors_console.bridge.threads import from_worker
from directors_console.core.events import RestoreWorkflow, UserNotice
from directors_console.core.gallery.duplicates import (
    DuplicateGroup,
    exact_duplicates,
    near_duplicates,
)
from directors_console.core.gallery.metadata import MediaMetadata
from directors_console.core.gallery.scanner import (
    VIDEO_EXTENSIONS,
    Cancelled,
    CancelToken,
    FileEntry,
)
from directors_console.ui.gallery.actions import GalleryActions
from directors_console.ui.gallery.compare import MAX_PANES, CompareView
from directors_console.ui.gallery.duplicates_view import DupFile, DuplicatesView
from directors_console.ui.gallery.filterbar import FilterBar
from directors_console.ui.gallery.hover import HoverController
from directors_console.ui.gallery.session import GallerySession
from directors_console.ui.gallery.thumbs import ThumbnailLoader


def _decode(path: str) -> QImage | None:
    image = QImage(path)
    return None if image.isNull() else image


def _has_workflow(meta: MediaMetadata) -> bool:
    return meta.has_prompt or meta.has_workflow or meta.shot is not None


def _dup_files(
    session: GallerySession, groups: list[DuplicateGroup], ratings: dict[str, int]
) -> list[list[DupFile]]:
    """Stat each file of each group (worker thread)."""
    out = []
    for group in groups:
        files = []
        for rel in group.paths:
            path = session.root / rel
            try:
                st = path.stat()
            except OSError:
                continue
            kind = "video" if Path(rel).suffix.lower() in VIDEO_EXTENSIONS else "image"
            rating = ratings.get(rel, 0)
            files.append(DupFile(str(path), rel, st.st_size, st.st_mtime, rating, kind))
        if len(files) > 1:
            out.append(files)
    return out


class _GridKeys(QObject):
    """C on the grid compares the selection (before the view's type-ahead sees it)."""

    def __init__(self, tab: GalleryViewers) -> None:
        super().__init__(tab)
        self.tab = tab

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_C
            and not event.modifiers()
        ):
            self.tab.compare_selection()
            return True
        return False


class GalleryViewers(GalleryActions):
    """Built by :meth:`_build_viewers`, called from the tab's ``_build``."""

    filters: FilterBar
    loader: ThumbnailLoader
    listing: list[FileEntry]

    def _build_viewers(self) -> None:
        self.lightbox.use_workers(self.tasks, self.workers)
        self.compare_view = CompareView(self)
        self.compare_view.closed.connect(self.grid.setFocus)
        self.hover = HoverController(self.grid, self.tasks, self.workers, lambda: self.session)
        self._grid_keys = _GridKeys(self)
        self.grid.installEventFilter(self._grid_keys)
        self.duplicates_view = DuplicatesView()
        dup = self.duplicates_view
        dup.search_requested.connect(self.find_duplicates)
        dup.cancel_requested.connect(self._cancel_duplicates)
        dup.trash_requested.connect(self.trash_duplicates)
        dup.closed.connect(self._close_duplicates)
        self.center.addWidget(dup)
        self.duplicates_button = QPushButton("Duplicates…")
        self.duplicates_button.setObjectName("GalleryDuplicatesButton")
        self.duplicates_button.setToolTip("Find exact copies and look-alike images")
        self.duplicates_button.clicked.connect(self.show_duplicates)
        bar = self.filters.layout()
        if bar is not None:
            bar.addWidget(self.duplicates_button)
        self.loader.ready.connect(self._dup_thumb)
        self._dup_cancel = CancelToken()
        self._dup_task: asyncio.Task[None] | None = None
        self._workflow_known: dict[str, bool] = {}

    # -- lightbox ---------------------------------------------------------------------

    def open_lightbox(self) -> None:
        # Defined here (first in the tab's MRO) so no mixin's stub can hide it.
        entry = self.grid.current_entry()
        if entry is None:
            return
        self.hover.hide()
        self.lightbox.open_on(entry.name)
        self._lightbox_load(entry.path, entry.name, entry.kind)

    def _lightbox_load(self, path: str, name: str, kind: str) -> None:
        if kind == "video":
            self.lightbox.show_video(path, name)
        else:
            super()._lightbox_load(path, name, kind)

    # -- compare ----------------------------------------------------------------------

    def compare_selection(self) -> None:
        paths = [e.path for e in self.grid.selected_entries() if e.kind == "image"]
        if 2 <= len(paths) <= MAX_PANES:
            self.compare(paths)
        else:
            self.bus.publish(
                UserNotice("Compare", f"Select 2 to {MAX_PANES} images to compare them.")
            )

    def compare(self, paths: list[str]) -> None:
        """Show 2–4 images side by side with synced zoom and pan."""
        if not 2 <= len(paths) <= MAX_PANES:
            return
        self.hover.hide()
        self.compare_view.open_on(paths)
        for path in paths:
            self.tasks.run_task(self._compare_load(path), self, "Open image")

    async def _compare_load(self, path: str) -> None:
        image = await self.workers.in_thread(_decode, path)
        self.compare_view.show_image(path, image)
        if self.session is not None:
            meta = await self.session.metadata(path)
            self.compare_view.show_metadata(path, meta)

    # -- restore workflow -------------------------------------------------------------

    def check_workflow(self, path: str, action: QAction) -> None:
        """Enable ``action`` once the file is known to carry a workflow or shot data."""
        known = self._workflow_known.get(path)
        if known is not None or self.session is None:
            action.setEnabled(bool(known))
            return
        action.setEnabled(False)
        self.tasks.run_task(self._check_workflow(self.session, path, action), self, "Read metadata")

    async def _check_workflow(self, session: GallerySession, path: str, action: QAction) -> None:
        meta = await session.metadata(path)
        self._workflow_known[path] = _has_workflow(meta)
        if isValid(action):
            action.setEnabled(_has_workflow(meta))

    def restore_workflow(self, path: str) -> None:
        self.bus.publish(RestoreWorkflow(Path(path)))

    # -- duplicates -------------------------------------------------------------------

    def show_duplicates(self) -> None:
        """Show the duplicate finder; a second press goes back to the files."""
        if self.center.currentWidget() is self.duplicates_view:
            self._close_duplicates()
        elif self.session is not None:
            self.hover.hide()
            self.center.setCurrentWidget(self.duplicates_view)

    def _close_duplicates(self) -> None:
        self.center.setCurrentWidget(self.grid)
        self.grid.request_visible()  # the finder's thumbnails took the loader's queue

    def find_duplicates(self, near: bool, threshold: int, whole_project: bool) -> None:
        session = self.session
        if session is None:
            return
        self._cancel_duplicates()
        self._dup_cancel = token = CancelToken()
        files = None if whole_project else list(self.listing)
        self.duplicates_view.set_busy(True)
        self._dup_task = self.tasks.run_task(
            self._find(session, near, threshold, files, token), self, "Find duplicates"
        )

    def _cancel_duplicates(self) -> None:
        self._dup_cancel.cancel()

    async def _find(
        self,
        session: GallerySession,
        near: bool,
        threshold: int,
        files: list[FileEntry] | None,
        token: CancelToken,
    ) -> None:
        view = self.duplicates_view
        progress = from_worker(view.show_progress)  # called in the worker thread

        try:
            if near:
                groups = await self.workers.in_thread(
                    near_duplicates, session.root, files, threshold, token, progress, 2
                )
            else:
                groups = await self.workers.in_thread(
                    exact_duplicates, session.root, files, token, progress
                )
            ratings = {rel: session.store.rating(rel) for g in groups for rel in g.paths}
            rows = await self.workers.in_thread(_dup_files, session, groups, ratings)
        except Cancelled:
            if token is self._dup_cancel:  # not replaced by a newer search
                view.show_message("Search cancelled.")
            return
        finally:
            if token is self._dup_cancel:
                view.set_busy(False)
        if token.cancelled or session is not self.session:
            return
        view.show_groups(rows, near)
        self.loader.request(
            [(f.path, f.kind, f.size, f.mtime) for g in rows for f in g if f.kind == "image"]
        )
        for group in rows:
            for f in group:
                pixmap = self.loader.get(f.path)
                if pixmap is not None:
                    view.set_thumbnail(f.path, pixmap)

    def _dup_thumb(self, path: str) -> None:
        pixmap = self.loader.get(path)
        if pixmap is not None and self.duplicates_view.isVisible():
            self.duplicates_view.set_thumbnail(path, pixmap)

    def trash_duplicates(self, paths: list[str]) -> asyncio.Task[None] | None:
        if self.session is None or not paths:
            return None
        return self.tasks.run_task(self._trash_duplicates(paths), self, "Trash duplicates")

    async def _trash_duplicates(self, paths: list[str]) -> None:
        task = self.trash(paths)
        if task is not None:
            await task
        gone = await self.workers.in_thread(lambda: [p for p in paths if not Path(p).exists()])
        self.duplicates_view.remove_paths(gone)
        if gone:
            count = len(gone)
            self.bus.publish(
                UserNotice(
                    "Moved to the trash",
                    f"{count} duplicate{'s' * (count != 1)} moved to the project trash.",
                )
            )
