"""The live prompt for one model family: positive and negative text, copy, send, history."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

HISTORY_LIMIT = 50


class PromptPreview(QWidget):
    family_changed = Signal(str)
    copied = Signal()  # the positive prompt went to the clipboard
    send_requested = Signal()

    def __init__(self, families: dict[str, str], parent: QWidget | None = None) -> None:
        """``families`` maps family id -> label, in the order to offer them."""
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.family = QComboBox()
        self.family.setObjectName("PromptFamily")
        for family_id, label in families.items():
            self.family.addItem(label, family_id)
        self.family.currentIndexChanged.connect(
            lambda _i: self.family_changed.emit(self.family.currentData())
        )
        family_label = QLabel("&Model:")
        family_label.setBuddy(self.family)
        top.addWidget(family_label)
        top.addWidget(self.family, 1)
        layout.addLayout(top)

        self.positive = self._text_box("Positive prompt")
        self.negative = self._text_box("Negative prompt")
        self.negative.setMaximumHeight(90)
        self.positive_label = QLabel("Prompt")
        self.positive_label.setObjectName("PromptHeading")
        self.negative_label = QLabel("Negative")
        self.negative_label.setObjectName("PromptHeading")
        layout.addWidget(self.positive_label)
        layout.addWidget(self.positive, 2)
        layout.addWidget(self.negative_label)
        layout.addWidget(self.negative, 1)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy the prompt (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self.copy_positive)
        self.copy_negative_button = QPushButton("Copy ne&gative")
        self.copy_negative_button.clicked.connect(self.copy_negative)
        self.send_button = QPushButton("Sen&d to Storyboard")
        self.send_button.setObjectName("SendPromptButton")
        self.send_button.setToolTip("Use this prompt in the Storyboard (Ctrl+Enter)")
        self.send_button.clicked.connect(self.send_requested)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copy_negative_button)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        layout.addLayout(buttons)

    def _text_box(self, name: str) -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setReadOnly(True)
        box.setAccessibleName(name)
        # Read-only text stays selectable, but Tab moves focus on instead of typing.
        box.setTabChangesFocus(True)
        box.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        return box

    def current_family(self) -> str:
        return str(self.family.currentData())

    def set_family(self, family_id: str) -> None:
        index = self.family.findData(family_id)
        if index >= 0:
            self.family.setCurrentIndex(index)

    def show_prompt(self, positive: str, negative: str | None) -> None:
        if self.positive.toPlainText() != positive:
            self.positive.setPlainText(positive)
        has_negative = negative is not None
        self.negative.setPlainText(negative or "")
        self.negative.setPlaceholderText(
            "" if has_negative else "This model family takes no negative prompt."
        )
        self.copy_negative_button.setEnabled(bool(negative))

    def copy_positive(self) -> None:
        QGuiApplication.clipboard().setText(self.positive.toPlainText())
        self.copied.emit()

    def copy_negative(self) -> None:
        QGuiApplication.clipboard().setText(self.negative.toPlainText())


class PromptHistory(QWidget):
    """The prompts copied or sent in this session, newest first; one can be restored."""

    restore_requested = Signal(int)  # index into the studio's history, 0 = newest

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName("PromptHistory")
        self.list.setAccessibleName("Prompt history")
        self.list.setWordWrap(False)
        self.list.itemActivated.connect(
            lambda item: self.restore_requested.emit(self.list.row(item))
        )
        self.restore = QPushButton("&Restore")
        self.restore.setToolTip("Bring back this prompt's choices and model (Enter)")
        self.restore.setEnabled(False)
        self.restore.clicked.connect(
            lambda: (
                self.restore_requested.emit(self.list.currentRow())
                if self.list.currentRow() >= 0
                else None
            )
        )
        self.list.currentRowChanged.connect(lambda row: self.restore.setEnabled(row >= 0))
        self.empty = QLabel("Prompts you copy or send appear here.")
        self.empty.setObjectName("PromptHistoryEmpty")
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.restore)
        layout.addLayout(row)

    def show_entries(self, entries: list[tuple[str, str]]) -> None:
        """``entries`` are (label, full text), newest first."""
        self.list.clear()
        for label, text in entries[:HISTORY_LIMIT]:
            item = QListWidgetItem(label)
            item.setToolTip(text)
            self.list.addItem(item)
        self.empty.setVisible(not entries)
        self.restore.setEnabled(self.list.currentRow() >= 0)
