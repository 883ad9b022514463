"""The batch bar: actions for a multi-selection, shown while two or more files are selected.

"N selected", rate (stars), tag (a menu of the project's tags, checked where all
selected files carry it), move, batch rename, trash, compare (2–4 files, when the tab
can compare), undo of the last rename or move, and clear selection. The bar only
emits signals; the tab turns them into actions.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

#: The tab's callback for the Tag menu: (tag -> colour, tags all selected files carry).
TagState = Callable[[], tuple[dict[str, str], set[str]]]


def swatch(color: str, size: int = 12) -> QIcon:
    """A tag's colour as a small square; the light rim keeps it visible on a highlight."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    painter = QPainter(pixmap)
    painter.setPen(QColor(255, 255, 255, 170))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return QIcon(pixmap)


class BatchBar(QFrame):
    rate_clicked = Signal(int)
    tag_toggled = Signal(str, bool)
    new_tag_clicked = Signal()
    manage_tags_clicked = Signal()
    move_clicked = Signal()
    rename_clicked = Signal()
    trash_clicked = Signal()
    compare_clicked = Signal()
    undo_clicked = Signal()
    clear_clicked = Signal()

    def __init__(
        self, tag_state: TagState, can_compare: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryBatchBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.tag_state = tag_state
        self.can_compare = can_compare
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.count_label = QLabel()
        self.count_label.setObjectName("GalleryBatchCount")
        font = self.count_label.font()
        font.setBold(True)
        self.count_label.setFont(font)
        layout.addWidget(self.count_label)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Rate:"))
        self.star_buttons: list[QToolButton] = []
        for stars in range(1, 6):
            tip = f"Rate all selected {stars} star{'s' * (stars > 1)} (key {stars})"
            button = self._button("★" * stars, layout, tip)
            button.setStyleSheet("color: #e0a800;")
            button.clicked.connect(lambda _=False, s=stars: self.rate_clicked.emit(s))
            self.star_buttons.append(button)
        self.clear_rating = self._button("✕", layout, "Clear the rating of all selected")
        self.clear_rating.clicked.connect(lambda: self.rate_clicked.emit(0))
        layout.addSpacing(12)
        self.tag_button = self._button("Tag ▾", layout, "Tag or untag all selected files")
        self.tag_menu = QMenu(self.tag_button)
        self.tag_menu.setObjectName("GalleryBatchTagMenu")
        self.tag_menu.aboutToShow.connect(self._fill_tags)
        self.tag_button.setMenu(self.tag_menu)
        self.tag_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.move_button = self._button("Move to…", layout, "Move the selected files")
        self.move_button.clicked.connect(self.move_clicked)
        self.rename_button = self._button(
            "Batch Rename…", layout, "Rename the selected files together (Ctrl+F2)"
        )
        self.rename_button.clicked.connect(self.rename_clicked)
        self.trash_button = self._button("Trash", layout, "Move the selected files to the trash")
        self.trash_button.clicked.connect(self.trash_clicked)
        self.compare_button = self._button("Compare", layout, "Compare 2–4 files side by side")
        self.compare_button.clicked.connect(self.compare_clicked)
        layout.addStretch(1)
        self.undo_button = self._button("Undo", layout)
        self.undo_button.clicked.connect(self.undo_clicked)
        self.undo_button.hide()
        self._undo_text = ""
        self._can_undo = False
        self.clear_button = self._button("Clear Selection", layout, "Select nothing (Esc)")
        self.clear_button.clicked.connect(self.clear_clicked)
        self.hide()

    def _button(self, text: str, layout: QHBoxLayout, tip: str = "") -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        layout.addWidget(button)
        return button

    def show_count(self, count: int) -> None:
        """Shown for two or more selected files, hidden otherwise."""
        self.count_label.setText(f"{count} selected")
        self.compare_button.setVisible(self.can_compare and 2 <= count <= 4)
        self.setVisible(count >= 2)

    def set_undo_text(self, text: str) -> None:
        """The undo stack's next undo, like "Batch rename 5 files"."""
        self._undo_text = text
        self._show_undo()

    def set_can_undo(self, on: bool) -> None:
        self._can_undo = on
        self._show_undo()

    def _show_undo(self) -> None:
        text = f"Undo {self._undo_text}" if self._can_undo and self._undo_text else ""
        self.undo_button.setText(text)
        self.undo_button.setToolTip(f"{text} (Ctrl+Z)" if text else "")
        self.undo_button.setVisible(bool(text))

    def _fill_tags(self) -> None:
        self.tag_menu.clear()
        colors, common = self.tag_state()
        for name in sorted(colors, key=str.casefold):
            action = self.tag_menu.addAction(swatch(colors[name]), name)
            action.setCheckable(True)
            action.setChecked(name in common)
            action.toggled.connect(lambda on, n=name: self.tag_toggled.emit(n, on))
        if colors:
            self.tag_menu.addSeparator()
        self.tag_menu.addAction("New Tag…").triggered.connect(self.new_tag_clicked)
        self.tag_menu.addAction("Manage Tags…").triggered.connect(self.manage_tags_clicked)
