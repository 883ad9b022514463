"""Two views that stand in for the grid: the trash bin and the lightbox.

- :class:`TrashView` lists trashed files (``trash_id -> original``) with Restore and
  Empty Trash; emptying asks first, in a non-modal box opened with ``open()``.
- :class:`Lightbox` (zoom, pan, video playback) lives in ``lightbox.py`` and is
  re-exported here for the tab.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from directors_console.ui.gallery.lightbox import Lightbox

IdRole = Qt.ItemDataRole.UserRole + 1


class TrashView(QWidget):
    restore_requested = Signal(list)  # trash ids
    empty_requested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryTrash")
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.title = QLabel("<b>Trash</b>")
        head.addWidget(self.title)
        head.addStretch(1)
        self.restore_button = QPushButton("&Restore")
        self.restore_button.clicked.connect(self._restore)
        self.empty_button = QPushButton("Empty…")
        self.empty_button.setToolTip("Delete every file in the trash for good")
        self.empty_button.clicked.connect(self.confirm_empty)
        back = QPushButton("&Back")
        back.setToolTip("Back to the files")
        back.clicked.connect(self.closed)
        for button in (self.restore_button, self.empty_button, back):
            head.addWidget(button)
        layout.addLayout(head)
        self.list = QListWidget()
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(lambda _item: self._restore())
        layout.addWidget(self.list)
        self.confirm: QMessageBox | None = None

    def show_entries(self, entries: dict[str, tuple[str, str]]) -> None:
        self.list.clear()
        for trash_id, (original, _stored) in sorted(entries.items(), key=lambda e: e[1][0]):
            item = QListWidgetItem(original)
            item.setData(IdRole, trash_id)
            self.list.addItem(item)
        count = len(entries)
        self.title.setText(f"<b>Trash</b> — {count} file{'s' * (count != 1)}")
        self.empty_button.setEnabled(bool(count))
        self.restore_button.setEnabled(bool(count))
        if count:
            self.list.setCurrentRow(0)
        else:
            empty = QListWidgetItem("The trash is empty.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)

    def select_original(self, original: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setSelected(item.text() == original)

    def _restore(self) -> None:
        ids = [str(i.data(IdRole)) for i in self.list.selectedItems() if i.data(IdRole)]
        if ids:
            self.restore_requested.emit(ids)

    def confirm_empty(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Empty Trash",
            "Delete every file in the trash for good? This cannot be undone.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton("Delete for Good", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self.empty_requested.emit() if button is delete else None
        )
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()


__all__ = ["Lightbox", "TrashView"]
