"""The base of every tab: an id, a title, and its own undo stack."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget


class TabPage(QWidget):
    tab_id = ""
    title = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tab_{self.tab_id}")
        self.undo_stack = QUndoStack(self)
