"""The folder tree and breadcrumb of the Gallery tab.

The tree renders a :class:`FolderNode` built by ``scan_tree`` in a worker thread; each
item carries its project-relative path ("" is the project root). Thumbnails dropped
on a folder become one ``files_dropped(rels, folder)`` signal: the tab moves them.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeWidget, QTreeWidgetItem, QWidget

from directors_console.core.gallery.scanner import FolderNode
from directors_console.ui.gallery.grid import MIME_RELS

RelRole = Qt.ItemDataRole.UserRole + 1


class FolderTree(QTreeWidget):
    folder_selected = Signal(str)  # project-relative folder
    files_dropped = Signal(list, str)  # project-relative files, target folder

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryFolders")
        self.setHeaderHidden(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)
        self._items: dict[str, QTreeWidgetItem] = {}
        self.currentItemChanged.connect(self._on_current)

    def show_tree(self, root: FolderNode, project: Path) -> None:
        current = self.current_folder()
        self.blockSignals(True)
        self.clear()
        self._items.clear()
        top = self._add(None, root, project, "")
        top.setText(0, root.name or project.name)
        top.setExpanded(True)
        shown = current if current in self._items else ""
        self.select_folder(shown)
        self.blockSignals(False)
        # The same folder again (the tree rescanned after a rename) is no new choice: the
        # tab keeps its listing and selection. A folder gone takes the user to the top.
        if shown != current:
            self.folder_selected.emit(shown)

    def forget_folders(self) -> None:
        """Forget the folders (another project): the next tree starts at its top folder."""
        self.blockSignals(True)
        self.clear()
        self._items.clear()
        self.blockSignals(False)

    def _add(
        self, parent: QTreeWidgetItem | None, node: FolderNode, project: Path, rel: str
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem([node.name])
        item.setData(0, RelRole, rel)
        if node.problem:
            item.setToolTip(0, node.problem)
            item.setForeground(0, Qt.GlobalColor.gray)
        if parent is None:
            self.addTopLevelItem(item)
        else:
            parent.addChild(item)
        self._items[rel] = item
        for child in sorted(node.children, key=lambda c: c.name.lower()):
            child_rel = child.path.relative_to(project).as_posix()
            self._add(item, child, project, child_rel)
        return item

    def folders(self) -> list[str]:
        return list(self._items)

    def current_folder(self) -> str | None:
        item = self.currentItem()
        return None if item is None else str(item.data(0, RelRole))

    def select_folder(self, rel: str) -> None:
        item = self._items.get(rel)
        if item is not None:
            self.setCurrentItem(item)

    def _on_current(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.folder_selected.emit(str(item.data(0, RelRole)))

    # -- drops ------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME_RELS):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if item is not None and event.mimeData().hasFormat(MIME_RELS):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        data = event.mimeData()
        if item is None or not data.hasFormat(MIME_RELS):
            event.ignore()
            return
        rels = [r for r in bytes(data.data(MIME_RELS).data()).decode().split("\n") if r]
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        if rels:
            self.files_dropped.emit(rels, str(item.data(0, RelRole)))


class Breadcrumb(QLabel):
    """``Project › shots › sc01``; each part is a link to that folder."""

    folder_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryBreadcrumb")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.linkActivated.connect(lambda link: self.folder_clicked.emit(link[1:]))

    def show_folder(self, project_name: str, rel: str) -> None:
        parts = [p for p in rel.split("/") if p]
        links = [f'<a href="/">{html.escape(project_name)}</a>']
        for i, part in enumerate(parts):
            target = "/".join(parts[: i + 1])
            links.append(f'<a href="/{html.escape(target)}">{html.escape(part)}</a>')
        self.setText(" › ".join(links))
