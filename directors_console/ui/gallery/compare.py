"""Compare 2–4 images side by side with synced zoom and pan.

Two panes split the view in halves, three in thirds, four in a 2×2 grid. Each pane is a
:class:`ZoomCanvas` with the file's name and key metadata (seed, model, size) under it.
Zooming or panning one pane applies the same relative view (zoom as a multiple of fit,
centre in relative image coordinates) to the others, so images of different pixel
sizes stay lined up. The tab decodes images and reads metadata in worker threads and
hands them over with :meth:`CompareView.show_image` / :meth:`show_metadata`.
Keys: + / − zoom, 0 fit, 1 100 %, Esc closes.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.gallery.metadata import MediaMetadata
from directors_console.ui.gallery.lightbox import zoom_key
from directors_console.ui.gallery.zoom import ZoomCanvas, show_over_parent

MAX_PANES = 4


def describe(meta: MediaMetadata | None, image: QImage | None) -> str:
    """One line of key facts: seed, model, pixel size."""
    parts: list[str] = []
    if meta is not None and meta.info.seed is not None:
        parts.append(f"seed {meta.info.seed}")
    if meta is not None and meta.info.model:
        parts.append(Path(meta.info.model).stem)
    if image is not None and not image.isNull():
        parts.append(f"{image.width()}×{image.height()}")
    elif meta is not None and meta.width and meta.height:
        parts.append(f"{meta.width}×{meta.height}")
    return " · ".join(parts) or "no generation metadata"


class ComparePane(QWidget):
    """One image with its caption."""

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.image: QImage | None = None
        self.meta: MediaMetadata | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.canvas = ZoomCanvas(self, margin=2)
        self.canvas.message = "Loading…"
        self.canvas.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.canvas, 1)
        self.name_label = QLabel(f"<b>{html.escape(Path(path).name)}</b>")
        self.info_label = QLabel("")
        for label in (self.name_label, self.info_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("color: #dddddd;")
            layout.addWidget(label)
        self.info_label.setStyleSheet("color: #a0a4aa;")

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.canvas.message = "Cannot show this file."
        self.canvas.set_image(image, keep_view=True)
        self._caption()

    def set_metadata(self, meta: MediaMetadata) -> None:
        self.meta = meta
        self._caption()

    def _caption(self) -> None:
        self.info_label.setText(describe(self.meta, self.image))


class CompareView(QWidget):
    """Overlay over the tab; ``closed`` when the user leaves it."""

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryCompare")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.panes: list[ComparePane] = []
        self._syncing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("color: #dddddd;")
        head.addWidget(self.title, 1)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close (Esc)")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.close_compare)
        head.addWidget(close)
        layout.addLayout(head)
        self.grid = QGridLayout()
        self.grid.setSpacing(6)
        layout.addLayout(self.grid, 1)
        self.hide()

    def open_on(self, paths: list[str]) -> None:
        if not 2 <= len(paths) <= MAX_PANES:
            raise ValueError(f"compare needs 2 to {MAX_PANES} images, got {len(paths)}")
        for pane in self.panes:
            pane.deleteLater()
        self.panes = []
        columns = 2 if len(paths) in (2, 4) else 3
        for i, path in enumerate(paths):
            pane = ComparePane(path, self)
            pane.canvas.view_changed.connect(
                lambda z, x, y, src=pane.canvas: self._sync(src, z, x, y)
            )
            self.grid.addWidget(pane, i // columns, i % columns)
            self.panes.append(pane)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        for r in range(2):
            self.grid.setRowStretch(r, 1 if r < (len(paths) + columns - 1) // columns else 0)
        self.title.setText(
            f"<b>Compare</b> — {len(paths)} images · wheel/+/− zoom all · drag to pan all"
            " · 0 fit · 1 actual size · Esc closes"
        )
        show_over_parent(self)

    def pane(self, path: str) -> ComparePane | None:
        return next((p for p in self.panes if p.path == path), None)

    def show_image(self, path: str, image: QImage | None) -> None:
        pane = self.pane(path)
        if pane is not None:
            pane.set_image(image)

    def show_metadata(self, path: str, meta: MediaMetadata) -> None:
        pane = self.pane(path)
        if pane is not None:
            pane.set_metadata(meta)

    def _sync(self, source: ZoomCanvas, zoom: float, cx: float, cy: float) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for pane in self.panes:
                if pane.canvas is not source:
                    pane.canvas.set_view(zoom, cx, cy)
        finally:
            self._syncing = False

    def close_compare(self) -> None:
        self.hide()
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_C):
            self.close_compare()
        elif not (self.panes and zoom_key(self.panes[0].canvas, key)):
            super().keyPressEvent(event)
            return
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(10, 10, 12, 245))
        painter.end()
