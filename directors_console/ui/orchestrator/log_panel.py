"""The farm's log lines (``engine.on_log``), time-stamped, the newest few thousand kept."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

MAX_LINES = 3000


class LogPanel(QWidget):
    def __init__(
        self, clock: Callable[[], float] = time.time, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("FarmLog")
        self._clock = clock
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        title = QLabel("Farm log")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        clear = QToolButton()
        clear.setText("Clear")
        clear.setAutoRaise(True)
        bar.addWidget(title)
        bar.addStretch(1)
        bar.addWidget(clear)
        layout.addLayout(bar)
        self.view = QPlainTextEdit()
        self.view.setObjectName("FarmLogText")
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setPlaceholderText("Node and job events appear here.")
        clear.clicked.connect(self.view.clear)
        layout.addWidget(self.view, 1)

    def add_line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(self._clock()))
        bar = self.view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.view.appendPlainText(f"{stamp}  {text}")
        if at_end:
            bar.setValue(bar.maximum())

    def lines(self) -> list[str]:
        return self.view.toPlainText().splitlines()
