"""The Gallery tab's multi-file actions (a mixin): batch bar, batch rename, undo, tag manager.

It adds to :class:`GalleryActions`: the batch bar under the grid (shown for 2+
selected files), the Batch Rename dialog (menu, batch bar, Ctrl+F2, F2 with several
files selected), undo/redo of renames and moves on the tab's QUndoStack (so Edit ▸
Undo and Ctrl+Z follow it), and the tag manager ("Tags…"). Work runs in the session's
workers; this module only wires widgets to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from directors_console.core.events import UserNotice
from directors_console.core.gallery.fileops import BatchResult, FileOpError
from directors_console.ui.common.overflow import OverflowRow
from directors_console.ui.gallery.actions import GalleryActions
from directors_console.ui.gallery.batch_rename import BatchRenameDialog
from directors_console.ui.gallery.batchbar import BatchBar
from directors_console.ui.gallery.detail import DetailPanel
from directors_console.ui.gallery.filterbar import FilterBar
from directors_console.ui.gallery.session import GallerySession
from directors_console.ui.gallery.tag_manager import TagManager
from directors_console.ui.gallery.undo import FileMovesCommand, Moves, describe


class BatchActions(GalleryActions):
    """Built by :meth:`_build_batch`, called at the end of the tab's ``_build``."""

    body: QWidget
    detail: DetailPanel
    filters: FilterBar
    apply_filters: Callable[[], None]
    batch_dialog: BatchRenameDialog | None = None
    tag_manager: TagManager | None = None

    def _build_batch(self) -> None:
        can_compare = callable(getattr(self, "compare", None))
        self.batch_bar = BatchBar(self._batch_tag_state, can_compare)
        bar = self.batch_bar
        bar.rate_clicked.connect(lambda s: self.rate(self._selection(), s))
        bar.tag_toggled.connect(lambda tag, on: self.tag(self._selection(), tag, on))
        bar.new_tag_clicked.connect(lambda: self.ask_new_tag(self._selection()))
        bar.manage_tags_clicked.connect(self.open_tag_manager)
        bar.move_clicked.connect(lambda: self.ask_move(self._selection()))
        bar.rename_clicked.connect(lambda: self.ask_batch_rename(self._selection()))
        bar.trash_clicked.connect(lambda: self.trash(self._selection()))
        bar.compare_clicked.connect(self._compare_selection)
        bar.undo_clicked.connect(self.undo_stack.undo)
        bar.clear_clicked.connect(self.grid.clearSelection)
        layout = self.body.layout()
        if layout is not None:
            layout.addWidget(OverflowRow(bar))  # scrolls sideways when the tab is narrow
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        # Removed rows and resets shrink the selection without selectionChanged.
        queued = Qt.ConnectionType.QueuedConnection
        self.model.rowsRemoved.connect(self._selection_changed, queued)
        self.model.modelReset.connect(self._selection_changed, queued)
        # Straight to the bar's slots: Qt drops them with the bar, nothing calls a dead stack.
        self.undo_stack.undoTextChanged.connect(bar.set_undo_text)
        self.undo_stack.canUndoChanged.connect(bar.set_can_undo)
        views = getattr(self, "views", None)  # list/masonry/timeline share the selection
        for view in views.item_views() if views is not None else [self.grid]:
            batch = QShortcut(QKeySequence("Ctrl+F2"), view)
            batch.setContext(Qt.ShortcutContext.WidgetShortcut)
            batch.activated.connect(lambda: self.ask_batch_rename(self._selection()))
            clear = QShortcut(QKeySequence("Esc"), view)
            clear.setContext(Qt.ShortcutContext.WidgetShortcut)
            clear.activated.connect(self.grid.clearSelection)
        self.filters.tags_clicked.connect(self.open_tag_manager)

    def _selection(self) -> list[str]:
        return [e.path for e in self.grid.selected_entries()]

    def _selection_changed(self, *_args: object) -> None:
        self.batch_bar.show_count(len(self.grid.selectionModel().selectedIndexes()))

    def _batch_tag_state(self) -> tuple[dict[str, str], set[str]]:
        paths = self._selection()
        if self.session is None or not paths:
            return {}, set()
        tagged = self.session.store.file_tags()
        rels = [self.session.rel(p) for p in paths]
        common = set.intersection(*(tagged.get(r, set()) for r in rels))
        return self.session.store.tags(), common

    def _compare_selection(self) -> None:
        compare = getattr(self, "compare", None)
        paths = self._selection()
        if callable(compare) and 2 <= len(paths) <= 4:
            compare(paths)

    # -- batch rename -----------------------------------------------------------------

    def _rename_current(self) -> None:
        paths = self._selection()
        if len(paths) > 1:
            self.ask_batch_rename(paths)
        else:  # not super(): other mixins in the tab's MRO only declare it
            GalleryActions._rename_current(self)

    def ask_batch_rename(self, paths: list[str]) -> None:
        if self.session is None or not paths:
            return
        if self.batch_dialog is not None and self.batch_dialog.isVisible():
            self.batch_dialog.reject()
        dialog = BatchRenameDialog(paths, self.session, self.tasks, self)
        session = self.session
        dialog.applied.connect(lambda result: self._batch_applied(result, session))
        dialog.finished.connect(lambda _r, d=dialog: self._forget("batch_dialog", d))
        self.batch_dialog = dialog
        dialog.open()

    def _batch_applied(self, result: BatchResult, session: GallerySession) -> None:
        if session is not self.session:  # another project opened meanwhile
            return
        self.push_moves("batch", result.moves)
        count = len(result.moves)
        text = f"Renamed {count} file{'s' * (count != 1)}. "
        text += "Edit ▸ Undo (Ctrl+Z) puts the old names back."
        if result.problems:
            text += f"\n{len(result.problems)} kept their names: {result.problems[0]}"
        self.bus.publish(UserNotice("Batch rename", text, "warning" if result.problems else "info"))
        new = [str(session.root / b) for _a, b in result.moves]
        self.tasks.run_task(self._relist_and_select(new), self, "List folder")

    # -- undo -------------------------------------------------------------------------

    def push_moves(self, kind: str, moves: Sequence[tuple[str, str]]) -> None:
        if moves:
            command = FileMovesCommand(describe(kind, len(moves)), moves, self._run_moves)
            self.undo_stack.push(command)

    def _run_moves(self, moves: Moves, undo: bool) -> None:
        self.tasks.run_task(self._moves(moves, undo), self, "Undo" if undo else "Redo")

    async def _moves(self, moves: Moves, undo: bool) -> None:
        session = self.session
        if session is None:
            return
        try:
            if undo:
                result = await session.undo_moves(moves)
            else:
                result = await session.redo_moves(moves)
        except FileOpError as exc:
            self._fail("Could not undo" if undo else "Could not redo", exc)
            return
        if result.problems:
            self._fail("Some files kept their names", FileOpError(result.problems[0]))
        if session is self.session:
            await self._relist_and_select([str(session.root / b) for _a, b in result.moves])

    # -- tags -------------------------------------------------------------------------

    def open_tag_manager(self) -> None:
        if self.session is None:
            return
        if self.tag_manager is not None:
            self.tag_manager.reject()
        manager = TagManager(self.session, self.tasks, self)
        manager.changed.connect(self._tags_changed)
        manager.finished.connect(lambda _r, m=manager: self._forget("tag_manager", m))
        self.tag_manager = manager
        manager.open()

    def _forget(self, name: str, dialog: BatchRenameDialog | TagManager) -> None:
        if getattr(self, name) is dialog:
            setattr(self, name, None)
        dialog.deleteLater()

    def _tags_changed(self) -> None:
        """A tag was added, renamed, recoloured or deleted: refresh what shows tags."""
        self._show_current()
        extras = getattr(self.filters, "extras", None)
        update = getattr(extras, "set_available_tags", None)
        if extras is None or not callable(update):
            return
        before = extras.tags()
        update(self.tag_colors())
        if extras.tags() != before:  # a tag filtered on is gone: filter again
            self.apply_filters()
