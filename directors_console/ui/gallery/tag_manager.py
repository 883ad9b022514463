"""The tag manager: the project's tags with colour and file count; add, rename, recolour, delete.

A non-modal dialog (``open()``); its own small dialogs (name, colour, confirmation)
are opened with ``open()`` too, never ``exec()``. Every change is one call of
``GallerySession.edit_tags`` (saved to gallery.json in a worker, merge-safe); after it
the list is refilled and ``changed`` tells the tab to refresh the detail panel, menus
and filters. Problems (an empty name, a tag gone meanwhile) show in the dialog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.core.gallery.store import GalleryStore
from directors_console.ui.gallery.batchbar import swatch
from directors_console.ui.gallery.session import GallerySession

#: New tags cycle through these colours (readable on dark and light themes).
PALETTE = ("#e05d5d", "#e0a800", "#5cb85c", "#3fa7d6", "#9b6ade", "#e07bb5", "#4fc1b0")
_PROBLEM = "#ff6b6b"


class TagManager(QDialog):
    changed = Signal()

    def __init__(
        self, session: GallerySession, tasks: TaskManager, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryTagManager")
        self.setWindowTitle("Tags")
        self.session = session
        self.tasks = tasks
        self.child: QDialog | None = None
        self.pending: asyncio.Task[None] | None = None
        layout = QVBoxLayout(self)
        self.list = QTreeWidget()
        self.list.setObjectName("GalleryTagList")
        self.list.setHeaderLabels(["Tag", "Files"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setStretchLastSection(False)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _i, _c: self.ask_rename())
        layout.addWidget(self.list, 1)
        self.empty = QLabel("No tags yet. Add one here, or tag files from their right-click menu.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.add_button = self._button("&Add…", "Define a new tag", self.ask_add, buttons)
        self.rename_button = self._button(
            "&Rename…", "Rename the tag; tagged files keep it", self.ask_rename, buttons
        )
        self.color_button = self._button(
            "&Colour…", "Change the tag's colour", self.ask_color, buttons
        )
        self.delete_button = self._button(
            "&Delete…", "Remove the tag from the project and its files", self.ask_delete, buttons
        )
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = QLabel()
        self.message.setObjectName("GalleryTagMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(420, 420)
        self.reload()

    def _button(
        self, text: str, tip: str, slot: Callable[[], None], layout: QHBoxLayout
    ) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        layout.addWidget(button)
        return button

    # -- showing ----------------------------------------------------------------------

    def reload(self) -> None:
        """Refill the list from the store (kept in memory by the session)."""
        current = self.current()
        colors = self.session.store.tags()
        counts = self.session.tag_counts()
        self.list.clear()
        for name in sorted(colors, key=str.casefold):
            count = counts.get(name, 0)
            item = QTreeWidgetItem([name, str(count)])
            item.setIcon(0, swatch(colors[name], 14))
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, f"{name} — {colors[name]}")
            self.list.addTopLevelItem(item)
            if name == current:
                self.list.setCurrentItem(item)
        self.empty.setVisible(not colors)
        self._update_buttons()

    def current(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    def select(self, name: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentItem(item)

    def _update_buttons(self) -> None:
        chosen = self.current() is not None
        for button in (self.rename_button, self.color_button, self.delete_button):
            button.setEnabled(chosen)

    def _say(self, text: str, bad: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {_PROBLEM};" if bad else "")

    # -- changing ---------------------------------------------------------------------

    def edit(self, change: Callable[[GalleryStore], None], done: str, select: str | None) -> None:
        """Run one store change in a worker, then refresh; ``done`` is the message."""
        self.pending = self.tasks.run_task(self._edit(change, done, select), self, "Edit tags")

    async def _edit(
        self, change: Callable[[GalleryStore], None], done: str, select: str | None
    ) -> None:
        try:
            await self.session.edit_tags(change)
        except (ValueError, KeyError, OSError) as exc:
            self._say(f"Not changed: {exc.args[0] if exc.args else exc}", bad=True)
            self.reload()
            return
        self.reload()
        if select:
            self.select(select)
        self._say(done)
        self.changed.emit()

    def add_tag(self, name: str, color: str | None = None) -> None:
        name = name.strip()
        if not name:
            self._say("A tag needs a name.", bad=True)
            return
        if name in self.session.store.tags():
            self.select(name)
            self._say(f"{name} exists already.", bad=True)
            return
        color = color or PALETTE[len(self.session.store.tags()) % len(PALETTE)]
        self.edit(lambda store: store.define_tag(name, color), f"Added {name}.", name)

    def rename_tag(self, old: str, new: str) -> None:
        new = new.strip()
        if not new:
            self._say("A tag needs a name.", bad=True)
            return
        if new == old:
            return
        merged = new in self.session.store.tags()
        done = f"Merged {old} into {new}." if merged else f"Renamed {old} to {new}."
        self.edit(lambda store: store.rename_tag(old, new), done, new)

    def recolor_tag(self, name: str, color: str) -> None:
        self.edit(lambda store: store.define_tag(name, color), f"Recoloured {name}.", name)

    def delete_tag(self, name: str) -> None:
        self.edit(lambda store: store.delete_tag(name), f"Deleted {name}.", None)

    # -- the small dialogs (all open(), never exec()) ---------------------------------

    def _input(self, title: str, label: str, text: str, chosen: Callable[[str], None]) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("GalleryTagName")
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        dialog.textValueSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.child = dialog
        dialog.open()

    def ask_add(self) -> None:
        self._input("New Tag", "Tag name:", "", self.add_tag)

    def ask_rename(self) -> None:
        name = self.current()
        if name is not None:
            label = f"New name for {name} (files tagged {name} keep the tag):"
            self._input("Rename Tag", label, name, lambda new: self.rename_tag(name, new))

    def ask_color(self) -> None:
        name = self.current()
        if name is None:
            return
        dialog = QColorDialog(QColor(self.session.store.tags().get(name, "#888888")), self)
        dialog.setObjectName("GalleryTagColor")
        dialog.setWindowTitle(f"Colour of {name}")
        dialog.colorSelected.connect(lambda c: self.recolor_tag(name, c.name()))
        dialog.finished.connect(dialog.deleteLater)
        self.child = dialog
        dialog.open()

    def ask_delete(self) -> None:
        name = self.current()
        if name is None:
            return
        count = self.session.tag_counts().get(name, 0)
        files = f"It is on {count} file{'s' * (count != 1)}; " if count else "No file has it; "
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete Tag",
            f"Delete the tag {name}?\n\n{files}the files themselves stay.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("GalleryTagDelete")
        delete = box.addButton("Delete Tag", QMessageBox.ButtonRole.DestructiveRole)
        delete.clicked.connect(lambda: self.delete_tag(name))
        box.finished.connect(box.deleteLater)
        self.child = box
        box.open()
