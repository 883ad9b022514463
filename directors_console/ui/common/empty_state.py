"""A centred message for a view with nothing to show, saying what to do next."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    def __init__(
        self,
        title: str,
        text: str,
        actions: list[QAction] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("EmptyState")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("EmptyStateTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = QLabel(text)
        self.text_label.setObjectName("EmptyStateText")
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setWordWrap(True)
        self.text_label.setMaximumWidth(560)
        layout.addWidget(self.title_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.text_label)
        row.addStretch(1)
        layout.addLayout(row)
        self.buttons: list[QToolButton] = []
        if actions:
            buttons = QHBoxLayout()
            buttons.addStretch(1)
            for action in actions:
                button = QToolButton()
                button.setDefaultAction(action)
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
                button.setObjectName("EmptyStateButton")
                buttons.addWidget(button)
                self.buttons.append(button)
            buttons.addStretch(1)
            layout.addLayout(buttons)
        layout.addStretch(2)

    def set_text(self, title: str, text: str) -> None:
        self.title_label.setText(title)
        self.text_label.setText(text)
