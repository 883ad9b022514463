"""Non-modal notifications stacked in the window's bottom-right corner.

Errors stay until closed; info fades after a few seconds. Nothing here blocks.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget
from shiboken6 import isValid

INFO_MS = 6000
MAX_SHOWN = 4


class Toast(QFrame):
    def __init__(self, title: str, text: str, level: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Toast")
        self.setProperty("level", level)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        outer = QHBoxLayout(self)
        body = QVBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("ToastTitle")
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.title)
        body.addWidget(self.text)
        outer.addLayout(body, 1)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        outer.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setFixedWidth(380)

    def dismiss(self) -> None:
        self.hide()
        self.deleteLater()


class NotificationArea(QObject):
    """Owns the toasts of one window and keeps them placed as the window resizes."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self._host = host
        self._toasts: list[Toast] = []
        host.installEventFilter(self)

    @property
    def shown(self) -> list[Toast]:
        return [t for t in self._toasts if t.isVisible()]

    def notify(self, title: str, text: str, level: str = "info") -> Toast:
        toast = Toast(title, text, level, self._host)
        toast.destroyed.connect(lambda *_: self._forget(toast))
        self._toasts.append(toast)
        while len(self._toasts) > MAX_SHOWN:
            self._toasts.pop(0).dismiss()
        toast.show()
        toast.raise_()
        if level == "info":
            QTimer.singleShot(INFO_MS, toast, toast.dismiss)
        self._place()
        return toast

    @Slot(str, str)
    def notify_error(self, title: str, text: str) -> None:
        """For signals: connected to this object, a signal stops with the window."""
        self.notify(title, text, "error")

    def _forget(self, toast: Toast) -> None:
        if toast in self._toasts:
            self._toasts.remove(toast)
        if isValid(self._host):  # the window may be going away itself
            self._place()

    def _place(self) -> None:
        margin = 16
        bottom = self._host.height() - margin - 24  # above the status bar
        for toast in reversed(self._toasts):
            toast.adjustSize()
            bottom -= toast.height()
            toast.move(self._host.width() - toast.width() - margin, bottom)
            bottom -= 8

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._place()
        return False
