"""One storyboard panel on the canvas: it paints a :class:`Panel` and says what was hit.

The item owns no state of its own beyond the image it shows: geometry, name, rating,
lock and status come from the core ``Panel`` it is given. It paints a header (name,
lock, rating stars), the image or a placeholder, a status line, and a resize handle,
with ``DeviceCoordinateCache``. Mouse handling lives in the view; the item only
answers :meth:`hit` with the part under a point.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from directors_console.core.storyboard.model import Panel, PanelStatus

HEADER = 30.0
FOOTER = 22.0
HANDLE = 16.0
STAR = 14.0
STAR_GAP = 2.0
PAD = 8.0

BODY = QColor("#2a2d34")
HEADER_BG = QColor("#33363e")
IMAGE_BG = QColor("#1c1e23")
TEXT = QColor("#e4e4e7")
MUTED = QColor("#8b8d94")
STAR_ON = QColor("#f0a830")
STAR_OFF = QColor("#555861")
SELECTED = QColor("#f0a830")
STATUS_COLOURS = {
    PanelStatus.EMPTY: QColor("#6b6d74"),
    PanelStatus.GENERATING: QColor("#4aa3df"),
    PanelStatus.COMPLETE: QColor("#5cb85c"),
    PanelStatus.ERROR: QColor("#e05555"),
}


# Below this scale a panel is drawn as a thumbnail-like block (see _paint_overview).
OVERVIEW_LOD = 0.35


class Hit(Enum):
    NONE = 0
    HEADER = 1
    STAR = 2
    LOCK = 3
    HANDLE = 4
    BODY = 5


def _star_polygon(rect: QRectF) -> QPolygonF:
    import math

    cx, cy = rect.center().x(), rect.center().y()
    outer = rect.width() / 2
    inner = outer * 0.45
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return QPolygonF(points)


class PanelItem(QGraphicsItem):
    """The picture of one panel; ``panel`` is the core model it shows."""

    def __init__(self, panel: Panel) -> None:
        super().__init__()
        self.model = panel
        self.image: QImage | None = None
        self._overview_image: QImage | None = None  # small copy for far zoom levels
        self.progress: float | None = None  # 0..1 while the panel renders
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(False)
        self.sync()

    # -- model -> item ----------------------------------------------------------------------

    @property
    def panel_id(self) -> str:
        return self.model.id

    def sync(self) -> None:
        """Take position, size and z from the model and repaint."""
        self.prepareGeometryChange()
        self.setPos(self.model.x, self.model.y)
        self.setZValue(self.model.z)
        self.update()

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self._overview_image = None
        self.update()

    def set_progress(self, fraction: float | None) -> None:
        if fraction != self.progress:
            self.progress = fraction
            self.update()

    def scene_rect(self) -> QRectF:
        return QRectF(self.pos(), self.size_rect().size())

    def size_rect(self) -> QRectF:
        return QRectF(0, 0, self.model.width, self.model.height)

    # -- hit areas, item coordinates ----------------------------------------------------------

    def header_rect(self) -> QRectF:
        return QRectF(0, 0, self.model.width, HEADER)

    def star_rect(self, index: int) -> QRectF:
        """Star ``index`` (0–4), right-aligned in the header."""
        right = self.model.width - PAD
        x = right - (5 - index) * (STAR + STAR_GAP) + STAR_GAP
        return QRectF(x, (HEADER - STAR) / 2, STAR, STAR)

    def lock_rect(self) -> QRectF:
        x = self.star_rect(0).left() - 8 - STAR
        return QRectF(x, (HEADER - STAR) / 2, STAR, STAR)

    def handle_rect(self) -> QRectF:
        return QRectF(self.model.width - HANDLE, self.model.height - HANDLE, HANDLE, HANDLE)

    def image_rect(self) -> QRectF:
        return QRectF(
            PAD, HEADER + 2, self.model.width - 2 * PAD, self.model.height - HEADER - FOOTER - 4
        )

    def hit(self, point: QPointF) -> tuple[Hit, int]:
        """The part under ``point`` (item coordinates) and, for stars, which one (1–5)."""
        if not self.size_rect().contains(point):
            return (Hit.NONE, 0)
        if not self.model.locked and self.handle_rect().contains(point):
            return (Hit.HANDLE, 0)
        if self.header_rect().contains(point):
            for i in range(5):
                if self.star_rect(i).adjusted(-1, -4, 1, 4).contains(point):
                    return (Hit.STAR, i + 1)
            if self.lock_rect().adjusted(-2, -4, 2, 4).contains(point):
                return (Hit.LOCK, 0)
            return (Hit.HEADER, 0)
        return (Hit.BODY, 0)

    # -- painting -----------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self.size_rect().adjusted(-3, -3, 3, 3)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        rect = self.size_rect()
        if option.levelOfDetailFromTransform(painter.worldTransform()) < OVERVIEW_LOD:
            self._paint_overview(painter, rect)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        outline = QPainterPath()
        outline.addRoundedRect(rect, 6, 6)
        painter.fillPath(outline, BODY)
        painter.save()
        painter.setClipPath(outline)
        painter.fillRect(self.header_rect(), HEADER_BG)
        painter.restore()
        self._paint_header(painter)
        self._paint_image(painter)
        self._paint_progress(painter)
        self._paint_footer(painter)
        if self.isSelected():
            painter.setPen(QPen(SELECTED, 2.5))
        else:
            painter.setPen(QPen(QColor("#3c3f47"), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 6, 6)

    def _paint_overview(self, painter: QPainter, rect: QRectF) -> None:
        """Zoomed far out (the whole board in view): text would be a few pixels high, so
        only the panel, its header band, its image and the selection are drawn, fast."""
        painter.fillRect(rect, BODY)
        painter.fillRect(self.header_rect(), SELECTED if self.isSelected() else HEADER_BG)
        area = self.image_rect()
        painter.fillRect(area, IMAGE_BG)
        if self.image is not None and not self.image.isNull():
            if self._overview_image is None:
                # A tiny copy: scaling the full image for every panel on every zoom step
                # is what makes the overview slow.
                self._overview_image = self.image.scaledToWidth(
                    64, Qt.TransformationMode.FastTransformation
                )
            small = self._overview_image
            size = small.size().toSizeF().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(QPointF(0, 0), size)
            target.moveCenter(area.center())
            painter.drawImage(target, small)
        if self.isSelected():
            painter.setPen(QPen(SELECTED, 0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)

    def _paint_header(self, painter: QPainter) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(10)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(TEXT)
        name_rect = QRectF(PAD, 0, self.lock_rect().left() - PAD - 4, HEADER)
        elided = painter.fontMetrics().elidedText(
            self.model.name, Qt.TextElideMode.ElideRight, int(name_rect.width())
        )
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter, elided)
        self._paint_lock(painter, self.lock_rect())
        painter.setPen(Qt.PenStyle.NoPen)
        for i in range(5):
            painter.setBrush(STAR_ON if i < self.model.rating else STAR_OFF)
            painter.drawPolygon(_star_polygon(self.star_rect(i)))

    def _paint_lock(self, painter: QPainter, r: QRectF) -> None:
        colour = STAR_ON if self.model.locked else STAR_OFF
        painter.setPen(QPen(colour, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        shackle = QRectF(r.left() + 3.5, r.top() + 1, r.width() - 7, r.height() * 0.7)
        if self.model.locked:
            painter.drawArc(shackle, 0, 180 * 16)
        else:
            painter.drawArc(shackle.translated(3, -1), 0, 180 * 16)
        body = QRectF(r.left() + 1.5, r.top() + r.height() * 0.45, r.width() - 3, r.height() * 0.5)
        painter.setBrush(colour)
        painter.drawRoundedRect(body, 1.5, 1.5)

    def _paint_image(self, painter: QPainter) -> None:
        area = self.image_rect()
        painter.fillRect(area, IMAGE_BG)
        if self.image is not None and not self.image.isNull():
            size = (
                self.image.size().toSizeF().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            )
            target = QRectF(QPointF(0, 0), size)
            target.moveCenter(area.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self.image)
            return
        painter.setPen(MUTED)
        font = QFont(painter.font())
        font.setPointSizeF(9)
        font.setBold(False)
        painter.setFont(font)
        text = "No image yet" if self.model.image is None else "Image not found"
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_progress(self, painter: QPainter) -> None:
        if self.model.status is not PanelStatus.GENERATING:
            return
        area = self.image_rect()
        track = QRectF(area.left(), area.bottom() - 4, area.width(), 4)
        painter.fillRect(track, QColor(0, 0, 0, 140))
        done = QRectF(track)
        done.setWidth(track.width() * max(0.0, min(1.0, self.progress or 0.0)))
        painter.fillRect(done, STATUS_COLOURS[PanelStatus.GENERATING])

    def _paint_footer(self, painter: QPainter) -> None:
        top = self.model.height - FOOTER
        status = self.model.status
        colour = STATUS_COLOURS[status]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(QRectF(PAD, top + FOOTER / 2 - 4, 8, 8))
        painter.setPen(MUTED)
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        font.setBold(False)
        painter.setFont(font)
        label = self.model.status_text or status.value.capitalize()
        if status is PanelStatus.GENERATING and self.progress is not None:
            label += f" · {round(self.progress * 100)} %"
        elif self.model.history:
            label += f" · v{max(h.version for h in self.model.history)}"
        text_rect = QRectF(PAD + 14, top, self.model.width - 2 * PAD - 14 - HANDLE, FOOTER)
        label = painter.fontMetrics().elidedText(
            label, Qt.TextElideMode.ElideRight, int(text_rect.width())
        )
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, label)
        if not self.model.locked:
            h = self.handle_rect()
            painter.setPen(QPen(MUTED, 1.2))
            for step in (4, 8, 12):
                painter.drawLine(
                    QPointF(h.right() - step, h.bottom() - 3),
                    QPointF(h.right() - 3, h.bottom() - step),
                )
