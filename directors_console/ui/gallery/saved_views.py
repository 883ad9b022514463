"""Saved views in the filter bar: a list to pick from and a menu to save, rename, delete.

A saved view is the filter bar's whole state (search words, rating, kind, scope, dates,
tags, sort) plus the view mode, stored by the tab in the project's ``gallery.json``
(``views`` section) so it travels with the project. This widget only shows the names and
asks for names with non-modal dialogs; the tab does the storing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QToolButton,
    QWidget,
)

PLACEHOLDER = "Saved views"


class SavedViewsBox(QWidget):
    apply_requested = Signal(str)
    save_requested = Signal(str)
    rename_requested = Signal(str, str)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GallerySavedViews")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.combo = QComboBox()
        self.combo.setToolTip("Apply a saved view: its filters, sort and view mode")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.activated.connect(self._activated)
        self.menu_button = QToolButton()
        self.menu_button.setText("⋯")
        self.menu_button.setToolTip("Save the current view, or rename/delete the chosen one")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        self.save_action = menu.addAction("Save current view as…", self.ask_save)
        self.rename_action = menu.addAction("Rename view…", self.ask_rename)
        self.delete_action = menu.addAction("Delete view", self.ask_delete)
        self.menu_button.setMenu(menu)
        layout.addWidget(self.combo)
        layout.addWidget(self.menu_button)
        self.dialog: QWidget | None = None
        self.show_names([])

    def names(self) -> list[str]:
        return [self.combo.itemText(i) for i in range(1, self.combo.count())]

    def chosen(self) -> str | None:
        return self.combo.currentText() if self.combo.currentIndex() > 0 else None

    def show_names(self, names: Iterable[str], chosen: str | None = None) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(PLACEHOLDER)
        for name in sorted(names, key=str.lower):
            self.combo.addItem(name)
        index = self.combo.findText(chosen) if chosen else 0
        self.combo.setCurrentIndex(max(0, index))
        self.combo.blockSignals(False)
        has_views = self.combo.count() > 1
        self.combo.setEnabled(has_views)
        if not has_views:
            self.combo.setItemText(0, "No saved views")
        self._update_actions()

    def _update_actions(self) -> None:
        chosen = self.chosen() is not None
        self.rename_action.setEnabled(chosen)
        self.delete_action.setEnabled(chosen)

    def _activated(self, index: int) -> None:
        self._update_actions()
        if index > 0:
            self.apply_requested.emit(self.combo.itemText(index))

    # -- non-modal dialogs --------------------------------------------------------------

    def _ask_name(self, title: str, text: str, done: Callable[[str], None]) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText("Name:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(text)
        dialog.textValueSelected.connect(lambda value: done(value.strip()))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def ask_save(self) -> None:
        self._ask_name("Save view", self.chosen() or "", self._save)

    def _save(self, name: str) -> None:
        if name:
            self.save_requested.emit(name)

    def ask_rename(self) -> None:
        old = self.chosen()
        if old is not None:
            self._ask_name("Rename view", old, lambda new: self._rename(old, new))

    def _rename(self, old: str, new: str) -> None:
        if new and new != old:
            self.rename_requested.emit(old, new)

    def ask_delete(self) -> None:
        name = self.chosen()
        if name is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete view",
            f"Delete the saved view “{name}”? Files are not touched.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda b: self._delete_answer(b is yes, name))
        box.finished.connect(box.deleteLater)
        self.dialog = box
        box.open()

    def _delete_answer(self, yes: bool, name: str) -> None:
        if yes:
            self.delete_requested.emit(name)
