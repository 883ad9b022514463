"""The detail panel: what is known about the selected file.

It renders a ``MediaMetadata`` read by the tab in a worker thread (prompt with a copy
button, negative prompt, model, seed, sampler, steps, CFG, LoRAs, size), the file's
rating as clickable stars and its tags. Clicking a star emits ``rate(stars)``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.gallery.metadata import MediaMetadata
from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery.grid import human_size

_FIELDS = ("model", "seed", "sampler", "steps", "cfg", "loras", "size")


class DetailPanel(QWidget):
    rate = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryDetail")
        self.setMinimumWidth(200)
        layout = QVBoxLayout(self)
        self.name_label = QLabel("Select a file to see its details.")
        self.name_label.setObjectName("GalleryDetailName")
        self.name_label.setWordWrap(True)
        layout.addWidget(self.name_label)

        stars = QHBoxLayout()
        self.star_buttons: list[QToolButton] = []
        for n in range(1, 6):
            button = QToolButton()
            button.setAutoRaise(True)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.5)
            button.setFont(font)
            button.setStyleSheet("color: #e0a800;")
            button.setToolTip(f"Rate {n} star{'s' * (n > 1)} (key {n}); click again to clear")
            button.clicked.connect(lambda _=False, n=n: self._star_clicked(n))
            stars.addWidget(button)
            self.star_buttons.append(button)
        stars.addStretch(1)
        layout.addLayout(stars)
        self._stars = 0
        self.show_rating(0)

        head = QHBoxLayout()
        head.addWidget(QLabel("Prompt"))
        head.addStretch(1)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the prompt to the clipboard")
        self.copy_button.clicked.connect(self.copy_prompt)
        head.addWidget(self.copy_button)
        layout.addLayout(head)
        self.prompt = QPlainTextEdit()
        self.prompt.setReadOnly(True)
        self.prompt.setMaximumHeight(140)
        layout.addWidget(self.prompt)
        layout.addWidget(QLabel("Negative"))
        self.negative = QPlainTextEdit()
        self.negative.setReadOnly(True)
        self.negative.setMaximumHeight(70)
        layout.addWidget(self.negative)

        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name in _FIELDS:
            label = QLabel("—")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[name] = label
            title = {"cfg": "CFG", "loras": "LoRAs"}.get(name, name.capitalize())
            form.addRow(title, label)
        self.tags_label = QLabel("—")
        self.tags_label.setWordWrap(True)
        form.addRow("Tags", self.tags_label)
        layout.addLayout(form)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setObjectName("GalleryDetailProblem")
        layout.addWidget(self.problem_label)
        layout.addStretch(1)
        self.setEnabled(False)

    def _star_clicked(self, n: int) -> None:
        self.rate.emit(0 if n == self._stars else n)

    def show_rating(self, stars: int) -> None:
        self._stars = stars
        for i, button in enumerate(self.star_buttons):
            button.setText("★" if i < stars else "☆")

    def show_tags(self, tags: set[str]) -> None:
        self.tags_label.setText(", ".join(sorted(tags)) or "—")

    def clear(self) -> None:
        self.name_label.setText("Select a file to see its details.")
        self.prompt.clear()
        self.negative.clear()
        for label in self.values.values():
            label.setText("—")
        self.tags_label.setText("—")
        self.problem_label.clear()
        self.show_rating(0)
        self.setEnabled(False)

    def show_entry(self, entry: FileEntry, stars: int, tags: set[str]) -> None:
        self.setEnabled(True)
        size = human_size(entry.size)
        self.name_label.setText(f"<b>{html.escape(entry.name)}</b><br>{size} · {entry.kind}")
        self.show_rating(stars)
        self.show_tags(tags)

    def show_metadata(self, meta: MediaMetadata) -> None:
        info = meta.info
        self.prompt.setPlainText(info.positive or "")
        self.negative.setPlainText(info.negative or "")
        width = meta.width or info.width
        height = meta.height or info.height
        shown = {
            "model": info.model,
            "seed": info.seed,
            "sampler": " · ".join(x for x in (info.sampler, info.scheduler) if x) or None,
            "steps": info.steps,
            "cfg": info.cfg,
            "loras": ", ".join(info.loras) or None,
            "size": f"{width} × {height}" if width and height else None,
        }
        for name, value in shown.items():
            self.values[name].setText("—" if value is None else str(value))
        self.copy_button.setEnabled(bool(info.positive))
        self.problem_label.setText("\n".join(meta.problems))

    def copy_prompt(self) -> None:
        QGuiApplication.clipboard().setText(self.prompt.toPlainText())
