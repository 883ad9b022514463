"""The rule messages for the current shot: severity, what is wrong, and a one-click fix."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from directors_console.core.cinema import RuleMessage

Fix = Mapping[str, str | None]
SEVERITY_ICONS = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
}


class ValidationPanel(QWidget):
    fix_requested = Signal(object)  # a Fix mapping
    fix_all_requested = Signal()

    def __init__(self, describe_fix: Callable[[Fix], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._describe_fix = describe_fix
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("PromptChecksSummary")
        self.fix_all = QPushButton("Fix &all")
        self.fix_all.setToolTip("Apply every proposed fix, errors first")
        self.fix_all.clicked.connect(self.fix_all_requested)
        head.addWidget(self.summary, 1)
        head.addWidget(self.fix_all)
        layout.addLayout(head)
        self.rows_host = QWidget()
        self.rows = QVBoxLayout(self.rows_host)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(4)
        self.rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes straight to its fields
        scroll.setWidget(self.rows_host)
        layout.addWidget(scroll, 1)
        self.messages: list[RuleMessage] = []
        self.fix_buttons: list[QPushButton] = []

    def show_messages(self, messages: list[RuleMessage]) -> None:
        self.messages = list(messages)
        while self.rows.count() > 1:
            taken = self.rows.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.fix_buttons = []
        for message in messages:
            self.rows.insertWidget(self.rows.count() - 1, self._row(message))
        errors = sum(m.severity == "error" for m in messages)
        warnings = len(messages) - errors
        if not messages:
            self.summary.setText("✓ No problems: every choice fits together.")
        else:
            parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
            parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
            self.summary.setText(" · ".join(parts))
        self.summary.setProperty("state", "error" if errors else "warning" if warnings else "ok")
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)
        self.fix_all.setEnabled(any(m.fix for m in messages))

    def _row(self, message: RuleMessage) -> QFrame:
        row = QFrame()
        row.setObjectName("RuleMessage")
        row.setProperty("severity", message.severity)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(8, 6, 6, 6)
        icon = QLabel()
        pixmap = SEVERITY_ICONS.get(message.severity, QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon.setPixmap(self.style().standardIcon(pixmap).pixmap(18, 18))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        icon.setToolTip(message.severity.capitalize())
        text = QLabel(message.message)
        text.setWordWrap(True)
        text.setObjectName("RuleMessageText")
        text.setToolTip(f"{message.severity}: {message.rule_id} ({message.field})")
        layout.addWidget(icon)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(text)
        layout.addLayout(words, 1)
        if message.fix:
            button = QPushButton("Fix")
            button.setObjectName("RuleFixButton")
            description = self._describe_fix(message.fix)
            fix_text = QLabel(f"Fix: {description}")
            fix_text.setObjectName("RuleFixText")
            fix_text.setWordWrap(True)
            words.addWidget(fix_text)
            button.setToolTip(description)
            button.setAccessibleName(f"Fix: {description}")
            button.clicked.connect(partial(self.fix_requested.emit, dict(message.fix)))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.fix_buttons.append(button)
        return row
