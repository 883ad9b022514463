"""The Gallery tab: folder tree, thumbnail grid, detail panel, trash bin, lightbox.

It follows the current project: with none open it shows what to do; with one open it
scans the folder tree, lists the chosen folder (cancelling the previous listing),
keeps the search index up to date in the background with visible progress, and turns
user actions into calls on a :class:`GallerySession`. It owns no domain state.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers, from_worker
from directors_console.core.events import EventBus, FilesRenamed, Subscription, UserNotice
from directors_console.core.gallery.scanner import CancelToken, FileEntry
from directors_console.core.gallery.search import SearchQuery
from directors_console.core.project import Project, ProjectService
from directors_console.ui.common.empty_state import EmptyState
from directors_console.ui.common.overflow import OverflowRow
from directors_console.ui.gallery.arranging import ArrangeActions
from directors_console.ui.gallery.batch_actions import BatchActions
from directors_console.ui.gallery.detail import DetailPanel
from directors_console.ui.gallery.empty_files import EmptyFilesNote, empty_text
from directors_console.ui.gallery.filterbar import FilterBar
from directors_console.ui.gallery.folders import Breadcrumb, FolderTree
from directors_console.ui.gallery.grid import FileModel, GalleryGrid, ListingDiff
from directors_console.ui.gallery.live import LiveListing
from directors_console.ui.gallery.overlays import Lightbox, TrashView
from directors_console.ui.gallery.session import GallerySession
from directors_console.ui.gallery.thumbs import ThumbnailLoader
from directors_console.ui.gallery.viewers import GalleryViewers
from directors_console.ui.gallery.views import FilesStack

log = logging.getLogger(__name__)


class GalleryTab(GalleryViewers, BatchActions, LiveListing, ArrangeActions):
    tab_id = "gallery"
    title = "Gallery"
    purpose = (
        "Browse and manage the media in your project folders: folder tree, ratings, "
        "tags, metadata search, safe move/rename and trash with restore."
    )

    # The project may change on a worker thread; a queued signal brings it to ours.
    _project_changed = Signal(object)

    def __init__(
        self,
        projects: ProjectService,
        project_actions: list[QAction],
        bus: EventBus,
        tasks: TaskManager,
        workers: Workers,
        cache_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bus = bus
        self.tasks = tasks
        self.workers = workers
        self.cache_dir = cache_dir
        self.session: GallerySession | None = None
        self.folder = ""
        self.listing: list[FileEntry] = []
        self._list_cancel = CancelToken()
        self._list_task: asyncio.Task[None] | None = None
        self._index_cancel = CancelToken()
        self._closing_sessions: list[GallerySession] = []
        self._search_task: asyncio.Task[None] | None = None
        self.loader = ThumbnailLoader(cache_dir, tasks, workers, self)
        self._build(project_actions)
        self._project_changed.connect(self._on_project)
        self._sub: Subscription = projects.current.subscribe(
            self._project_changed.emit, call_now=True
        )
        self.destroyed.connect(self._sub.cancel)
        self._renamed_sub = bus.subscribe(FilesRenamed, self._on_files_renamed)
        self.destroyed.connect(self._renamed_sub.cancel)
        # At shutdown (after tasks are cancelled) the open session closes its index.
        tasks.add_closer("gallery", self.close_session)

    def _build(self, project_actions: list[QAction]) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)
        self.empty = EmptyState(
            self.title, f"{self.purpose}\n\nOpen or create a project to begin.", project_actions
        )
        self.pages.addWidget(self.empty)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(6, 6, 6, 6)
        self.filters = FilterBar()
        self.filters.changed.connect(self.apply_filters)
        self.filters.trash_clicked.connect(self.show_trash)
        # Rows of controls scroll sideways when narrow instead of widening the window.
        body_layout.addWidget(OverflowRow(self.filters))
        body_layout.addWidget(OverflowRow(self.filters.extras))
        self.breadcrumb = Breadcrumb()
        self.breadcrumb.folder_clicked.connect(self._crumb_clicked)
        crumbs = QHBoxLayout()
        crumbs.addWidget(self.breadcrumb, 1)
        crumbs.addWidget(self.filters.progress)
        crumbs.addWidget(self.filters.status)
        body_layout.addLayout(crumbs)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tree = FolderTree()
        self.tree.folder_selected.connect(self.select_folder)
        self.tree.files_dropped.connect(self.move_rels)
        self.model = FileModel(self.loader, self._rel, self._rating)
        self.grid = GalleryGrid(self.model)
        self.grid.customContextMenuRequested.connect(self._context_menu)
        self.grid.rate_requested.connect(lambda s: self.rate(self._selected(), s))
        self.grid.trash_requested.connect(lambda: self.trash(self._selected()))
        self.grid.rename_requested.connect(self._rename_current)
        self.grid.lightbox_requested.connect(self.open_lightbox)
        self.grid.activated.connect(lambda _i: self.open_lightbox())
        self.grid.selectionModel().currentChanged.connect(lambda _c, _p: self._show_current())
        self._build_views()  # list, masonry, timeline: same model and selection as the grid
        self.trash_view = TrashView()
        self.trash_view.restore_requested.connect(self.restore)
        self.trash_view.empty_requested.connect(self.empty_trash)
        self.trash_view.closed.connect(lambda: self.center.setCurrentWidget(self.grid))
        self.center = FilesStack(self.grid, self.views)
        self.center.addWidget(self.views)
        self.center.addWidget(self.trash_view)
        self.empty_note = EmptyFilesNote(self.center, self.views)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._update_empty_note)
        self.detail = DetailPanel()
        self.detail.rate.connect(lambda s: self.rate(self._selected(), s))
        detail_scroll = QScrollArea()
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        detail_scroll.setWidget(self.detail)
        for widget in (self.tree, self.center, detail_scroll):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([220, 800, 300])
        body_layout.addWidget(self.splitter, 1)
        self.pages.addWidget(body)
        self.body = body
        self.lightbox = Lightbox(self)
        self.lightbox.step.connect(self._lightbox_step)

        self._build_live()
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._folder_changed)
        self._reindex_timer = QTimer(self)
        self._reindex_timer.setSingleShot(True)
        self._reindex_timer.setInterval(2000)
        self._reindex_timer.timeout.connect(self.update_index)
        self._build_viewers()
        self._after_build_views(self._grid_keys)
        self._build_batch()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.lightbox.setGeometry(self.rect())
        self.compare_view.setGeometry(self.rect())

    def _crumb_clicked(self, rel: str) -> None:
        self.tree.select_folder(rel)

    # -- helpers for the model --------------------------------------------------------

    def _rel(self, path: str) -> str:
        return self.session.rel(path) if self.session else path

    def _rating(self, path: str) -> int:
        return self.session.rating(path) if self.session else 0

    def _selected(self) -> list[str]:
        return [e.path for e in self.grid.selected_entries()]

    # -- project ----------------------------------------------------------------------

    def _on_project(self, project: Project | None) -> None:
        old = self.session
        self.session = None
        self._index_cancel.cancel()
        self._list_cancel.cancel()
        self.loader.forget()
        self._forget_live()
        self.model.set_entries([])
        self.tree.forget_folders()
        self.detail.clear()
        self.undo_stack.clear()  # its commands name files of the previous project
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        if old is not None and not self.tasks.closing:
            self.tasks.run_task(old.close(), None, "Close gallery")
        elif old is not None:
            self._closing_sessions.append(old)  # closed by close_session at shutdown
        for button in self.empty.buttons:
            button.setVisible(project is None)
        hint = "Open or create a project to begin."
        if project is not None:
            hint = f"Project: {project.name} — {project.folder}"
        self.empty.set_text(self.title, f"{self.purpose}\n\n{hint}")
        if project is None:
            self.pages.setCurrentWidget(self.empty)
            return
        self.pages.setCurrentWidget(self.body)
        self.center.setCurrentWidget(self.grid)
        session = GallerySession(project.folder, self.cache_dir, self.workers, self.bus)
        self.session = session
        self.folder = ""
        self.views.info.set({})
        self._restore_mode()
        self.stats_dialog.follow()
        self.tasks.run_task(self._open(session, project), self, "Open gallery")

    async def _open(self, session: GallerySession, project: Project) -> None:
        self.loader.warm_up()
        await session.open()
        if session is not self.session:
            return
        if session.store.problems:
            self.bus.publish(UserNotice("Gallery data repaired", session.store.problems[0]))
        self.show_saved_views()
        self._refresh_tags()
        await self.refresh_tree()
        self.update_index()

    async def refresh_tree(self) -> None:
        session = self.session
        if session is None:
            return
        root = await session.scan_tree()
        if session is self.session:
            self.tree.show_tree(root, session.root)

    # -- listing ----------------------------------------------------------------------

    def select_folder(self, rel: str) -> None:
        session = self.session
        if session is None:
            return
        self.folder = rel
        self.breadcrumb.show_folder(session.root.name, rel)
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        self.watcher.addPath(str(session.abs(rel)))
        self.center.setCurrentWidget(self.grid)
        self.relist(keep_selection=False)
        self.stats_dialog.follow()

    def relist(self, keep_selection: bool = True) -> None:
        session = self.session
        if session is None:
            return
        self._list_cancel.cancel()
        if self._list_task is not None:
            self._list_task.cancel()
        self._list_cancel = token = CancelToken()
        if not keep_selection:
            self.loader.forget()
        self._list_task = self.tasks.run_task(
            self._list(session, self.folder, token, keep_selection), self, "List folder"
        )

    async def _list(
        self, session: GallerySession, rel: str, token: CancelToken, keep_selection: bool
    ) -> None:
        listing = await self.list_scope(session, rel, token)
        if token.cancelled or session is not self.session:
            return
        self.listing = listing.files
        if listing.problem:
            self.bus.publish(UserNotice("Folder not readable", listing.problem, "warning"))
        if not self.filters.words():
            # Filtered and sorted (and, for a big folder, compared) off the UI thread.
            await self._arrange_show(session, keep_selection, token)
        self.load_info()

    def _show_entries(
        self,
        entries: list[FileEntry],
        keep_selection: bool = False,
        diff: ListingDiff | None = None,
    ) -> None:
        if keep_selection and self.model.update_entries(entries, diff):
            return  # rows inserted/removed in place: scroll position and selection stay
        current = self.grid.current_entry()
        self.model.set_entries(entries)
        if keep_selection and current is not None:
            self.grid.select_path(current.path)
        self._show_current()

    def _update_empty_note(self, *_args: object) -> None:
        """Say why no file is shown (search, filters, only sub-folders, empty)."""
        empty = self.session is not None and self.model.rowCount() == 0
        if not empty:
            self.empty_note.show_state(False, "")
            return
        prefix = f"{self.folder}/" if self.folder else ""
        below = [f[len(prefix) :] for f in self.tree.folders() if f and f.startswith(prefix)]
        subs = sum(1 for rest in below if rest and "/" not in rest)
        text = empty_text(
            self.folder,
            sum(1 for e in self.listing if e.kind in ("image", "video")),
            self.filters.words(),
            subs,
            self.filters.extras.scope() != "folder",
        )
        self.empty_note.show_state(True, text)

    def apply_filters(self) -> None:
        if self._search_task is not None:
            self._search_task.cancel()
        self.center.setCurrentWidget(self.grid)
        words = self.filters.words()
        if not words:  # a new filter or order keeps the current file if it stays
            self.arrange_shown(keep_selection=True)
            return
        query = self.search_query(words)
        self._search_task = self.tasks.run_task(self._search(query), self, "Search")

    async def _search(self, query: SearchQuery) -> None:
        session = self.session
        if session is None:
            return
        entries = await session.search(query)
        if session is self.session and query.words == self.filters.words():
            self._shown_spec = None  # search hits, not the listing: no merging into them
            self._arrange_gen += 1
            self._show_entries(self.arrange(entries))
            self.filters.set_status(f"{len(entries)} match{'es' * (len(entries) != 1)}")

    # -- other tabs and shutdown -------------------------------------------------------

    def _on_files_renamed(self, event: FilesRenamed) -> None:
        """Files or folders renamed elsewhere (e.g. the Storyboard): ratings follow them."""
        session = self.session
        if session is None or session.published(event):
            return  # our own renames: FileOps already moved their ratings and tags
        self.tasks.run_task(self._follow(session, event), self, "Follow renamed files")

    async def _follow(self, session: GallerySession, event: FilesRenamed) -> None:
        await session.follow_moves(event.moves)
        if session is not self.session:
            return
        shown = self.folder
        for old, new in event.moves:
            old_rel, new_rel = session.rel_inside(old), session.rel_inside(new)
            if old_rel and new_rel is not None and (shown + "/").startswith(old_rel + "/"):
                shown = new_rel + shown[len(old_rel) :]
        await self.refresh_tree()
        if shown != self.folder:
            self.tree.select_folder(shown)  # the shown folder itself was renamed
        else:
            self.relist()
        self._reindex_timer.start()

    async def close_session(self) -> None:
        """Close the open project's session (its search index); the window is closing."""
        sessions = [*self._closing_sessions, *([self.session] if self.session else [])]
        self._closing_sessions = []
        self._index_cancel.cancel()
        for session in sessions:
            await session.close()

    # -- detail -----------------------------------------------------------------------

    def _show_current(self) -> None:
        entry = self.grid.current_entry()
        session = self.session
        if entry is None or session is None:
            self.detail.clear()
            return
        self.detail.show_entry(entry, session.rating(entry.path), session.tags_of(entry.path))
        self.tasks.run_task(self._load_metadata(session, entry), self, "Read metadata")

    async def _load_metadata(self, session: GallerySession, entry: FileEntry) -> None:
        meta = await session.metadata(entry.path)
        current = self.grid.current_entry()
        if current is not None and current.path == entry.path:
            self.detail.show_metadata(meta)

    # -- index ------------------------------------------------------------------------

    def update_index(self) -> None:
        session = self.session
        if session is None:
            return
        self._index_cancel.cancel()
        self._index_cancel = token = CancelToken()
        self.tasks.run_task(self._update_index(session, token), self, "Update search index")

    async def _update_index(self, session: GallerySession, token: CancelToken) -> None:
        progress = from_worker(self.filters.show_progress)  # called in the worker thread

        self.filters.show_progress(0, 0)
        try:
            report = await session.update_index(progress, token)
        finally:
            if session is self.session:
                self.filters.show_progress(-1, -1)
        if session is self.session and not report.cancelled:
            total = report.added + report.changed + report.unchanged
            self.filters.set_status(f"{total} files indexed")
            self.load_info()
            if self.filters.words():
                self.apply_filters()
