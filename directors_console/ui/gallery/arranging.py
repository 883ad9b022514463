"""How the Gallery tab arranges its listing, as methods of the tab (a mixin).

View modes (grid, list, masonry, timeline) with the mode remembered per project; the
filters beyond rating and kind (scope, date range, tags) and the sort order; index
facts for the listed files (dimensions, seed, model) read off the UI thread; saved
views stored in the project's ``gallery.json``; and the folder statistics window.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QFileSystemWatcher, QPoint, QTimer
from PySide6.QtWidgets import QAbstractItemView

from directors_console.core.events import UserNotice
from directors_console.core.gallery.arrange import (
    ArrangeSpec,
    FileInfo,
    arrange_listing,
    list_tree,
    read_info,
)
from directors_console.core.gallery.index import index_file_for
from directors_console.core.gallery.scanner import CancelToken, FileEntry, FolderListing
from directors_console.core.gallery.search import SearchQuery
from directors_console.core.gallery.store import GalleryStore
from directors_console.ui.gallery.actions import GalleryActions
from directors_console.ui.gallery.filter_extras import FilterExtras
from directors_console.ui.gallery.filterbar import FilterBar
from directors_console.ui.gallery.menu import build_menu
from directors_console.ui.gallery.session import GallerySession
from directors_console.ui.gallery.stats import FolderStatsDialog, StatsSource
from directors_console.ui.gallery.views import GalleryViews, ViewMode, ViewPrefs

WATCH_LIMIT = 256  # sub-folders watched for a listing with sub-folders (inotify is finite)


class ArrangeActions(GalleryActions):
    """Built by :meth:`_build_views` (from the tab's ``_build``, right after the grid)."""

    filters: FilterBar
    cache_dir: Path
    watcher: QFileSystemWatcher
    listing: list[FileEntry]
    views: GalleryViews
    prefs: ViewPrefs
    stats_dialog: FolderStatsDialog
    _rel: Callable[[str], str]
    _rating: Callable[[str], int]
    _selected: Callable[[], list[str]]
    apply_filters: Callable[[], None]

    @property
    def extras(self) -> FilterExtras:
        return self.filters.extras

    def _build_views(self) -> None:
        self._info_task: asyncio.Task[None] | None = None  # the read for the whole listing
        self.prefs = ViewPrefs(self.cache_dir)
        self.views = GalleryViews(self.model, self.grid)
        for view in self.views.extra_views():
            view.customContextMenuRequested.connect(lambda pos, v=view: self._view_menu(v, pos))
            view.rate_requested.connect(lambda s: self.rate(self._selected(), s))
            view.trash_requested.connect(lambda: self.trash(self._selected()))
            view.rename_requested.connect(self._rename_current)
            view.lightbox_requested.connect(self.open_lightbox)
            view.activated.connect(lambda _i: self.open_lightbox())
        self.addActions(self.views.shortcut_actions())
        self.views.mode_changed.connect(self._mode_chosen)
        self.views.list.sort_requested.connect(self.extras.set_sort)
        self.views.list.restore_header(self.prefs.list_header())
        self._header_timer = QTimer(self)
        self._header_timer.setSingleShot(True)
        self._header_timer.setInterval(500)
        self._header_timer.timeout.connect(
            lambda: self.prefs.set_list_header(self.views.list.header_state())
        )
        self.views.list.header.sectionResized.connect(lambda *_a: self._header_timer.start())
        extras = self.extras
        extras.add_trailing(self.views.switcher)
        extras.scope_box.currentIndexChanged.connect(lambda _i: self.relist(False))
        extras.tags_menu.aboutToShow.connect(self._refresh_tags)
        saved = extras.saved_views
        saved.apply_requested.connect(self.apply_view)
        saved.save_requested.connect(self.save_view)
        saved.rename_requested.connect(self.rename_view)
        saved.delete_requested.connect(self.delete_view)
        self.stats_dialog = FolderStatsDialog(self.tasks, self.workers, self._stats_source, self)
        extras.stats_clicked.connect(self.show_stats)

    def _after_build_views(self, key_filter: Any) -> None:
        """Extra keys the tab gives the grid (e.g. C to compare) work in every view."""
        for view in self.views.extra_views():
            view.installEventFilter(key_filter)

    def _view_menu(self, view: QAbstractItemView, pos: QPoint) -> None:
        index = view.indexAt(pos)
        if index.isValid() and not view.selectionModel().isSelected(index):
            view.setCurrentIndex(index)
        entries = self.grid.selected_entries()
        if not entries:
            return
        menu = build_menu(self, entries, view)
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(view.viewport().mapToGlobal(pos))
        self.context_menu = menu

    # -- modes ------------------------------------------------------------------------

    def _mode_chosen(self, mode: str) -> None:
        if self.session is not None:
            self.prefs.set_mode(self.session.root, cast(ViewMode, mode))

    def _restore_mode(self) -> None:
        if self.session is not None:
            self.views.set_mode(self.prefs.mode(self.session.root))

    # -- listing, filters, order ------------------------------------------------------

    async def list_scope(
        self, session: GallerySession, rel: str, token: CancelToken
    ) -> FolderListing:
        """The files the scope box asks for: the folder, its tree, or the project."""
        scope = self.extras.scope()
        if scope == "folder":
            listing = await session.list_folder(rel, token)
            self._watch(session, rel, [])
            return listing
        base = session.root if scope == "project" else session.abs(rel)
        files = await self.workers.in_thread(list_tree, base, token)
        if not token.cancelled:
            self._watch(session, rel, sorted({e.path.rpartition(os.sep)[0] for e in files}))
        return FolderListing(base, files)

    def _watch(self, session: GallerySession, rel: str, folders: list[str]) -> None:
        """Watch the shown folder and (up to a limit) the sub-folders listed with it, so
        new renders anywhere in the listing appear without a refresh."""
        wanted = {str(session.abs(rel)), *folders[:WATCH_LIMIT]}
        watched = set(self.watcher.directories())
        if watched - wanted:
            self.watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self.watcher.addPaths(sorted(wanted - watched))

    def arrange_spec(self) -> ArrangeSpec:
        """The filters and sort order now, as plain values a worker thread can use."""
        low, high = self.extras.date_range()
        field, descending = self.extras.sort()
        self.views.list.show_sort(field, descending)
        self.views.timeline.set_newest_first(not (field == "date" and not descending))
        session = self.session
        tags = frozenset(self.extras.tags())
        return ArrangeSpec(
            field=field,
            descending=descending,
            kind=self.filters.kind(),
            rating_min=self.filters.rating_min(),
            date_from=low,
            date_to=high,
            tags=tags,
            ratings=session.store.ratings() if session is not None else {},
            file_tags=session.store.file_tags() if session is not None and tags else {},
            info=self.views.info.by_path,
            rel_of=session.rel if session is not None else str,
        )

    def arrange(self, entries: list[FileEntry]) -> list[FileEntry]:
        """Search results (already filtered by kind and rating): date range, tags, order."""
        spec = dataclasses.replace(self.arrange_spec(), any_kind=True, rating_min=0)
        return arrange_listing(entries, spec)

    def search_query(self, words: str) -> SearchQuery:
        low, high = self.extras.date_range()
        scope = self.extras.scope()
        return SearchQuery(
            words=words,
            rating_min=self.filters.rating_min(),
            kind=self.filters.kind(),
            tags=self.extras.tags(),
            folder=(self.folder or None) if scope != "project" else None,
            date_from=low,
            date_to=high,
            limit=5000,
        )

    def _refresh_tags(self) -> None:
        if self.session is not None:
            self.extras.set_available_tags(self.session.store.tags())

    # -- index facts ------------------------------------------------------------------

    def load_info(self, files: list[FileEntry] | None = None) -> None:
        """Read dimensions, seeds and models of the listed files (or of ``files``, added
        to what is known) from the index."""
        session = self.session
        if session is None:
            return
        if files is not None:
            if files:
                self.tasks.run_task(self._load_info(session, files, True), self, "Index facts")
            return
        # The newest listing's read wins: an older one (another folder, or read before the
        # index was done) may finish later and must not replace it.
        if self._info_task is not None:
            self._info_task.cancel()
            self._info_task = None
        if self.listing:
            self._info_task = self.tasks.run_task(
                self._load_info(session, list(self.listing)), self, "Index facts"
            )

    async def _load_info(
        self, session: GallerySession, files: list[FileEntry], some: bool = False
    ) -> None:
        index_file = index_file_for(session.root, session.cache_dir / "index")
        rel_of = session.rel  # plain string work: safe in the worker thread

        def facts() -> dict[str, FileInfo]:
            by_rel = read_info(index_file, [rel_of(e.path) for e in files])
            return {e.path: by_rel[r] for e in files if (r := rel_of(e.path)) in by_rel}

        info = await self.workers.in_thread(facts)
        if session is not self.session or not info:
            return
        if some:  # added in place (workers only look single paths up in it)
            self.views.info.by_path.update(info)
        else:
            self.views.info.set(info)
        self.views.info_changed()
        if self.extras.sort()[0] in ("dimensions", "seed", "model"):
            self.apply_filters()

    # -- saved views ------------------------------------------------------------------

    def view_state(self) -> dict[str, Any]:
        """The filters, sort and view mode, as saved in a view."""
        return {
            "words": self.filters.words(),
            "rating_min": self.filters.rating_min(),
            "kind": self.filters.kind(),
            **self.extras.state(),
            "mode": self.views.mode,
        }

    def show_saved_views(self, chosen: str | None = None) -> None:
        names = self.session.store.views() if self.session else {}
        self.extras.saved_views.show_names(names, chosen)

    def save_view(self, name: str, state: dict[str, Any] | None = None) -> None:
        """Save the current filters, sort and mode (or ``state``) as ``name``."""
        state = dict(state if state is not None else self.view_state())

        def edit(store: GalleryStore) -> None:
            store.save_view(name, state)

        self._edit_views(edit, name, "Save view")

    def rename_view(self, old: str, new: str) -> None:
        def edit(store: GalleryStore) -> None:
            views = store.views()
            if old in views:
                store.delete_view(old)
                store.save_view(new, views[old])

        self._edit_views(edit, new, "Rename view")

    def delete_view(self, name: str) -> None:
        def edit(store: GalleryStore) -> None:
            if name in store.views():
                store.delete_view(name)

        self._edit_views(edit, None, "Delete view")

    def _edit_views(
        self, edit: Callable[[GalleryStore], None], chosen: str | None, what: str
    ) -> None:
        session = self.session
        if session is not None:
            self.tasks.run_task(self._save_views(session, edit, chosen), self, what)

    async def _save_views(
        self, session: GallerySession, edit: Callable[[GalleryStore], None], chosen: str | None
    ) -> None:
        # Under the session's file-operation lock: a rating being saved at the same time
        # would otherwise replace the store's memory and drop this edit.
        async with session._ops_lock:
            edit(session.store)
            if session is self.session:
                self.show_saved_views(chosen)
            try:
                await self.workers.in_thread(session.store.save)
            except OSError as exc:
                self.bus.publish(UserNotice("Could not save the gallery views", str(exc), "error"))

    def apply_view(self, name: str) -> None:
        """Put a saved view's filters, sort and mode back, then list and filter again."""
        session = self.session
        state = session.store.views().get(name) if session else None
        if state is None:
            return
        filters = self.filters
        old_scope = self.extras.scope()
        filters.blockSignals(True)
        self.extras.blockSignals(True)
        filters.search.setText(str(state.get("words", "")))
        filters.rating.setCurrentIndex(
            max(0, filters.rating.findData(state.get("rating_min") or 0))
        )
        kind = state.get("kind")
        filters.kind_box.setCurrentIndex(max(0, filters.kind_box.findData(kind)) if kind else 0)
        self.extras.scope_box.blockSignals(True)
        self.extras.apply_state(state)
        self.extras.scope_box.blockSignals(False)
        self.extras.blockSignals(False)
        filters.blockSignals(False)
        mode = state.get("mode")
        if mode in ("grid", "list", "masonry", "timeline") and mode != self.views.mode:
            self.views.set_mode(cast(ViewMode, mode))
            self._mode_chosen(str(mode))
        self.show_saved_views(name)
        if self.extras.scope() != old_scope:
            self.relist(False)
        self.apply_filters()

    # -- statistics -------------------------------------------------------------------

    def _stats_source(self) -> StatsSource | None:
        session = self.session
        if session is None:
            return None
        return StatsSource(
            root=session.root,
            folder=self.folder,
            ratings=session.store.ratings(),
            file_tags=session.store.file_tags(),
            index_file=index_file_for(session.root, session.cache_dir / "index"),
        )

    def show_stats(self) -> None:
        self.stats_dialog.show()
        self.stats_dialog.raise_()
        self.stats_dialog.refresh()
