"""What the user can do to files in the Gallery, as methods of the tab (a mixin).

Each method turns one user action into one session call in a background task and then
refreshes what shows it: open, reveal, copy path, rename (small non-modal dialog),
move (folder picker opened with ``open()``), trash/restore/empty, rate, tag, send to
Storyboard, and the lightbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QStackedWidget

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.events import EventBus, SendReferenceImage, UserNotice
from directors_console.core.gallery.fileops import FileOpError
from directors_console.core.gallery.naming import name_problem
from directors_console.ui.common.tab_page import TabPage
from directors_console.ui.gallery.grid import FileModel, GalleryGrid
from directors_console.ui.gallery.menu import build_menu
from directors_console.ui.gallery.overlays import Lightbox, TrashView
from directors_console.ui.gallery.session import GallerySession


def _decode(path: str) -> QImage | None:
    image = QImage(path)
    return None if image.isNull() else image


class GalleryActions(TabPage):
    """The tab's file actions; :class:`GalleryTab` builds the widgets named here."""

    bus: EventBus
    tasks: TaskManager
    workers: Workers
    session: GallerySession | None
    folder: str
    grid: GalleryGrid
    model: FileModel
    trash_view: TrashView
    center: QStackedWidget
    lightbox: Lightbox
    _reindex_timer: QTimer
    _list_task: asyncio.Task[None] | None

    def relist(self, keep_selection: bool = True) -> None:
        raise NotImplementedError

    async def refresh_tree(self) -> None:
        raise NotImplementedError

    def _show_current(self) -> None:
        raise NotImplementedError

    def select_paths(self, paths: Sequence[str]) -> None:
        """Select exactly these files (those listed); the first becomes current."""
        rows = [r for r in (self.model.row_of(p) for p in paths) if r >= 0]
        if not rows:
            return
        selection = QItemSelection()
        for row in rows:
            index = self.model.index(row)
            selection.select(index, index)
        model = self.grid.selectionModel()
        model.setCurrentIndex(self.model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate)
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    async def _relist_and_select(self, paths: list[str]) -> None:
        """List the folder again (after a file operation), then select ``paths``."""
        self._after_ops()
        # Wait for the listing that shows the new names (a later relist replaces ours).
        task = None
        while self._list_task is not None and self._list_task is not task:
            task = self._list_task
            await asyncio.wait([task])
        self.select_paths(paths)

    def _fail(self, title: str, exc: Exception) -> None:
        self.bus.publish(UserNotice(title, str(exc), "error"))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.grid.indexAt(pos)
        if index.isValid() and not self.grid.selectionModel().isSelected(index):
            self.grid.setCurrentIndex(index)
        entries = self.grid.selected_entries()
        if not entries:
            return
        menu = build_menu(self, entries, self.grid)
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(self.grid.viewport().mapToGlobal(pos))
        self.context_menu = menu

    # -- simple actions ---------------------------------------------------------------

    def open_file(self, path: str) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def reveal(self, path: str) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    def copy_paths(self, paths: list[str]) -> None:
        QGuiApplication.clipboard().setText("\n".join(paths))

    def send_reference(self, path: str) -> None:
        self.bus.publish(SendReferenceImage(Path(path), "storyboard"))

    def known_tags(self) -> set[str]:
        return set(self.session.store.tags()) if self.session else set()

    def tag_colors(self) -> dict[str, str]:
        return self.session.store.tags() if self.session else {}

    # Defined by BatchActions (batch_actions.py): batch rename, undo, tag manager.
    def ask_batch_rename(self, paths: list[str]) -> None:
        raise NotImplementedError

    def open_tag_manager(self) -> None:
        raise NotImplementedError

    def push_moves(self, kind: str, moves: list[tuple[str, str]]) -> None:
        """Make a finished rename or move undoable."""

    def tags_of(self, path: str) -> set[str]:
        return self.session.tags_of(path) if self.session else set()

    # -- rating and tags --------------------------------------------------------------

    def rate(self, paths: list[str], stars: int) -> None:
        if self.session is None or not paths:
            return
        self.tasks.run_task(self._rate(paths, stars), self, "Rate")

    async def _rate(self, paths: list[str], stars: int) -> None:
        assert self.session is not None
        await self.session.set_rating(paths, stars)
        for path in paths:
            self.model.refresh_row(path)
        self._show_current()

    def tag(self, paths: list[str], tag: str, on: bool) -> None:
        if self.session is not None and paths and tag.strip():
            self.tasks.run_task(self._tag(paths, tag.strip(), on), self, "Tag")

    async def _tag(self, paths: list[str], tag: str, on: bool) -> None:
        assert self.session is not None
        await self.session.tag(paths, tag, on)
        self._show_current()

    def ask_new_tag(self, paths: list[str]) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("New Tag")
        dialog.setLabelText("Tag name:")
        dialog.textValueSelected.connect(lambda text: self.tag(paths, text, True))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # -- rename and move --------------------------------------------------------------

    def _rename_current(self) -> None:
        entry = self.grid.current_entry()
        if entry is not None:
            self.ask_rename(entry.path)

    def ask_rename(self, path: str) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("GalleryRenameDialog")
        dialog.setWindowTitle("Rename")
        dialog.setLabelText("New name:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(Path(path).name)
        dialog.textValueSelected.connect(lambda name: self.rename_file(path, name))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.rename_dialog = dialog

    def rename_file(self, path: str, new_name: str) -> asyncio.Task[None] | None:
        new_name = new_name.strip()
        if self.session is None or not new_name or new_name == Path(path).name:
            return None
        problem = name_problem(new_name)  # said in the user's words, before any disk work
        if problem is not None:
            self._fail(f"Could not rename {Path(path).name}", ValueError(problem))
            return None
        return self.tasks.run_task(self._rename(path, new_name), self, "Rename")

    async def _rename(self, path: str, new_name: str) -> None:
        assert self.session is not None
        try:
            result = await self.session.rename(path, new_name)
        except FileOpError as exc:
            self._fail("Could not rename", exc)
            return
        self.push_moves("rename", result.moves)
        await self._relist_and_select([str(self.session.root / b) for _a, b in result.moves])

    def ask_move(self, paths: list[str]) -> None:
        if self.session is None:
            return
        dialog = QFileDialog(self, "Move to Folder")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setDirectory(str(self.session.abs(self.folder)))
        root = self.session.root
        rels = [self.session.rel(p) for p in paths]

        def chosen(folder: str) -> None:
            target = Path(folder).resolve()
            if not target.is_relative_to(root.resolve()):
                self._fail("Could not move", ValueError("choose a folder inside the project"))
                return
            self.move_rels(rels, target.relative_to(root.resolve()).as_posix().strip("."))

        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def ask_new_folder_move(self, paths: list[str]) -> QInputDialog | None:
        """Make a folder inside the shown one and move the files into it, in one step."""
        if self.session is None or not paths:
            return None
        rels = [self.session.rel(p) for p in paths]
        dialog = QInputDialog(self)
        dialog.setWindowTitle("New Folder and Move")
        where = self.folder or "the project folder"
        dialog.setLabelText(f"Move {len(rels)} file(s) into a new folder in “{where}”:")
        dialog.setTextValue("Selects")

        def chosen(name: str) -> None:
            name = name.strip()
            problem = name_problem(name) if name else "a folder needs a name"
            if problem is None and name.startswith("."):
                problem = "names starting with a dot are hidden and kept for the program"
            if problem is not None:
                self._fail("Could not make the folder", ValueError(problem))
                return
            folder = f"{self.folder.strip('/')}/{name}".strip("/")
            self.tasks.run_task(self._move_into_new(rels, folder), self, "New folder and move")

        dialog.textValueSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    async def _move_into_new(self, rels: list[str], folder: str) -> None:
        session = self.session
        if session is None:
            return
        if await self.workers.in_thread(session.abs(folder).exists):  # a stat: off the UI
            self._fail("Could not make the folder", ValueError(f"“{folder}” already exists"))
            return
        await self._move(rels, folder)

    def move_rels(self, rels: list[str], folder: str) -> asyncio.Task[None] | None:
        if self.session is None or not rels:
            return None
        return self.tasks.run_task(self._move(rels, folder), self, "Move")

    async def _move(self, rels: list[str], folder: str) -> None:
        assert self.session is not None
        rels = [r for r in rels if r.rpartition("/")[0] != folder.strip("/")]
        if not rels:
            return
        try:
            result = await self.session.move(rels, folder)
        except FileOpError as exc:
            self._fail("Could not move", exc)
            return
        self.push_moves("move", result.moves)
        self._after_ops()

    # -- trash ------------------------------------------------------------------------

    def trash(self, paths: list[str]) -> asyncio.Task[None] | None:
        if self.session is None or not paths:
            return None
        return self.tasks.run_task(self._trash(paths), self, "Trash")

    async def _trash(self, paths: list[str]) -> None:
        assert self.session is not None
        try:
            await self.session.trash(paths)
        except FileOpError as exc:
            self._fail("Could not move to the trash", exc)
            return
        self._after_ops()

    def show_trash(self) -> None:
        """Show the trash bin; a second press goes back to the files."""
        if self.center.currentWidget() is self.trash_view:
            self.center.setCurrentWidget(self.grid)
            return
        if self.session is not None:
            self.trash_view.show_entries(self.session.trash_entries())
            self.center.setCurrentWidget(self.trash_view)

    def restore(self, trash_ids: list[str]) -> asyncio.Task[None] | None:
        if self.session is None:
            return None
        return self.tasks.run_task(self._restore(trash_ids), self, "Restore")

    async def _restore(self, trash_ids: list[str]) -> None:
        assert self.session is not None
        try:
            await self.session.restore(trash_ids)
        except FileOpError as exc:
            self._fail("Could not restore", exc)
        self.trash_view.show_entries(self.session.trash_entries())
        self._after_ops()

    def empty_trash(self) -> asyncio.Task[None] | None:
        if self.session is None:
            return None
        return self.tasks.run_task(self._empty_trash(), self, "Empty trash")

    async def _empty_trash(self) -> None:
        assert self.session is not None
        await self.session.empty_trash()
        self.trash_view.show_entries(self.session.trash_entries())

    def _after_ops(self) -> None:
        self.relist()
        self.tasks.run_task(self.refresh_tree(), self, "Scan folders")
        self._reindex_timer.start()

    # -- lightbox ---------------------------------------------------------------------

    def open_lightbox(self) -> None:
        entry = self.grid.current_entry()
        if entry is None:
            return
        self.lightbox.open_on(entry.name)
        self._lightbox_load(entry.path, entry.name, entry.kind)

    def _lightbox_load(self, path: str, name: str, kind: str) -> None:
        async def load() -> None:
            image = await self.workers.in_thread(_decode, path) if kind == "image" else None
            current = self.grid.current_entry()
            if current is not None and current.path == path:
                self.lightbox.show_image(image, name if image else f"{name} (no preview)")

        self.tasks.run_task(load(), self, "Open image")

    def _lightbox_step(self, step: int) -> None:
        count = self.model.rowCount()
        index = self.grid.currentIndex()
        if not count or not index.isValid():
            return
        row = (index.row() + step) % count
        self.grid.setCurrentIndex(self.model.index(row))
        entry = self.model.entries[row]
        self.lightbox.open_on(entry.name)
        self._lightbox_load(entry.path, entry.name, entry.kind)
