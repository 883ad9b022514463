"""A zoomable, pannable image canvas shared by the lightbox and the compare view.

The view state is kept in terms that do not depend on the image's pixel size: ``zoom``
is a multiple of the fit-to-window scale (1.0 = fit) and ``center`` is the image point
shown at the widget's centre, in relative image coordinates (0..1). Two canvases showing
images of different sizes therefore line up when they share the same state, which is
what the compare view relies on. Wheel zooms around the cursor, dragging pans,
double-click toggles fit / 100 %; every user change is emitted as ``view_changed``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

MIN_ZOOM = 0.25
MAX_SCALE = 32.0  # drawn pixels per image pixel
WHEEL_STEP = 1.25


def show_over_parent(overlay: QWidget) -> None:
    """Show a full-window viewer (lightbox, compare) over all of its parent, focused."""
    parent = overlay.parentWidget()
    if parent is not None:
        overlay.setGeometry(parent.rect())
    overlay.show()
    overlay.raise_()
    overlay.setFocus()


def _clamp_axis(center: float, view: float, drawn: float) -> float:
    """Centre an image that fits; otherwise keep its edges from leaving the view."""
    if drawn <= view:
        return 0.5
    half = view / (2 * drawn)
    return min(max(center, half), 1.0 - half)


class ZoomCanvas(QWidget):
    """Paints one pixmap at ``fit scale × zoom`` around ``center``."""

    view_changed = Signal(float, float, float)  # zoom, centre x, centre y (relative)

    def __init__(self, parent: QWidget | None = None, margin: int = 0) -> None:
        super().__init__(parent)
        self.setMouseTracking(False)
        self.margin = margin
        self._pixmap: QPixmap | None = None
        self.zoom = 1.0
        self.center = QPointF(0.5, 0.5)
        self._drag: QPointF | None = None
        self.message = ""

    # -- content ----------------------------------------------------------------------

    @property
    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def set_image(self, image: QImage | QPixmap | None, keep_view: bool = False) -> None:
        if image is None or image.isNull():
            self._pixmap = None
        else:
            self._pixmap = image if isinstance(image, QPixmap) else QPixmap.fromImage(image)
        if not keep_view:
            self.zoom, self.center = 1.0, QPointF(0.5, 0.5)
        self.update()

    # -- geometry ---------------------------------------------------------------------

    def area(self) -> QRectF:
        m = self.margin
        return QRectF(self.rect()).adjusted(m, m, -m, -m)

    def fit_scale(self) -> float:
        if self._pixmap is None or self._pixmap.isNull():
            return 1.0
        area = self.area()
        w, h = self._pixmap.width(), self._pixmap.height()
        return max(1e-6, min(area.width() / w, area.height() / h))

    def scale(self) -> float:
        """Drawn pixels per image pixel."""
        return self.fit_scale() * self.zoom

    def image_rect(self) -> QRectF:
        """Where the image is drawn, in widget coordinates."""
        if self._pixmap is None:
            return QRectF()
        s = self.scale()
        w, h = self._pixmap.width() * s, self._pixmap.height() * s
        c = self.area().center()
        return QRectF(c.x() - self.center.x() * w, c.y() - self.center.y() * h, w, h)

    # -- view state -------------------------------------------------------------------

    def set_view(self, zoom: float, cx: float, cy: float, emit: bool = False) -> None:
        fit = self.fit_scale()
        # 100 % must stay reachable for images larger or smaller than the window.
        low, high = min(MIN_ZOOM, 1.0 / fit), max(MAX_SCALE / fit, 1.0)
        self.zoom = min(max(zoom, low), high)
        if self._pixmap is not None:
            s, area = fit * self.zoom, self.area()
            cx = _clamp_axis(cx, area.width(), self._pixmap.width() * s)
            cy = _clamp_axis(cy, area.height(), self._pixmap.height() * s)
        self.center = QPointF(cx, cy)
        self.update()
        if emit:
            self.view_changed.emit(self.zoom, self.center.x(), self.center.y())

    def fit(self) -> None:
        self.set_view(1.0, 0.5, 0.5, emit=True)

    def actual_size(self) -> None:
        self.set_view(1.0 / self.fit_scale(), self.center.x(), self.center.y(), emit=True)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under ``anchor`` (widget coords) in place."""
        if self._pixmap is None:
            return
        anchor = anchor if anchor is not None else self.area().center()
        rect = self.image_rect()
        rx = (anchor.x() - rect.left()) / rect.width()
        ry = (anchor.y() - rect.top()) / rect.height()
        new_zoom = self.zoom * factor
        s = self.fit_scale() * new_zoom
        c = self.area().center()
        cx = rx - (anchor.x() - c.x()) / (self._pixmap.width() * s)
        cy = ry - (anchor.y() - c.y()) / (self._pixmap.height() * s)
        self.set_view(new_zoom, cx, cy, emit=True)

    def pan_by(self, dx: float, dy: float) -> None:
        if self._pixmap is None:
            return
        s = self.scale()
        cx = self.center.x() - dx / (self._pixmap.width() * s)
        cy = self.center.y() - dy / (self._pixmap.height() * s)
        self.set_view(self.zoom, cx, cy, emit=True)

    # -- events -----------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(WHEEL_STEP**steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            self.pan_by(delta.x(), delta.y())
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if abs(self.scale() - 1.0) < 1e-3 or self.zoom != 1.0:
            self.fit()
        else:
            self.actual_size()
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pixmap = self._pixmap
        if pixmap is not None and not pixmap.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale() < 2)
            painter.setClipRect(self.area())
            painter.drawPixmap(self.image_rect(), pixmap, QRectF(pixmap.rect()))
        elif self.message:
            painter.setPen(QColor("#a0a4aa"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
        painter.end()
