"""One storyboard panel on the canvas: it paints a :class:`Panel` and says what was hit.

The item owns no state of its own beyond the image it shows: geometry, name, rating,
lock, status, versions and notes come from the core ``Panel`` it is given. It paints a
header (name, notes toggle, lock, rating stars), the image or a placeholder (a play
button when the current version is a video), the version strip, the Markdown notes (a
cached layout, see :mod:`notes`), a status line and a resize handle, with
``DeviceCoordinateCache``. Zoomed far out it draws only a block with its image. Mouse
handling lives in the view and :mod:`panel_tools`; the item answers :meth:`hit` with
the part under a point and shows tooltips for the part under the cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from directors_console.core.storyboard.model import HistoryEntry, Panel, PanelStatus
from directors_console.ui.storyboard import history_strip as strip
from directors_console.ui.storyboard.media import PanelMedia, is_video
from directors_console.ui.storyboard.notes import NotesDoc, paint_notes
from directors_console.ui.storyboard.video import PLAY_RADIUS, paint_play_button

HEADER = 30.0
FOOTER = 22.0
HANDLE = 16.0
STAR = 14.0
STAR_GAP = 2.0
PAD = 8.0
GAP = 3.0
NOTES_EMPTY_H = 16.0  # the one faint "Add notes…" line
NOTES_SHARE = 0.28  # of the content height, when there are notes
NOTES_MIN_H = 36.0
NOTES_MAX_H = 240.0
EDITOR_MIN_H = 96.0

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
OVERVIEW_SCALE = 0.25  # of the far-zoom picture, to its panel


class Hit(Enum):
    NONE = 0
    HEADER = 1
    STAR = 2
    LOCK = 3
    HANDLE = 4
    BODY = 5
    HISTORY = 6  # index: which history entry
    MORE = 7  # the "+N" tile of the version strip
    PLAY = 8
    NOTES = 9
    NOTES_TOGGLE = 10


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

    def __init__(self, panel: Panel, media: PanelMedia | None = None) -> None:
        super().__init__()
        self.model = panel
        self.media = media
        self.image: QImage | None = None
        # The far-zoom picture of the panel, with what it was made from.
        self._overview: tuple[tuple[float, float, int, bool], QImage] | None = None
        self.progress: float | None = None  # 0..1 while the panel renders
        self.notes_doc = NotesDoc()
        self.notes_editing = False  # set by the notes editor while it is open here
        self.video_active = False  # set by the player while this panel's video is on
        self.hover: tuple[Hit, int] = (Hit.NONE, 0)
        self._video_key: tuple[str | None, int] | None = None
        self._areas_key: tuple[float, float, str, int] | None = None
        self._areas_cache: tuple[QRectF, QRectF, QRectF] | None = None
        self._video = False
        # Called when the item leaves the scene (set while an editor or player uses it).
        self.on_leave: Callable[[PanelItem], None] | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
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
        self.update()

    def set_progress(self, fraction: float | None) -> None:
        if fraction != self.progress:
            self.progress = fraction
            self.update()

    def scene_rect(self) -> QRectF:
        return QRectF(self.pos(), self.size_rect().size())

    def size_rect(self) -> QRectF:
        return QRectF(0, 0, self.model.width, self.model.height)

    def current_entry(self) -> HistoryEntry | None:
        index = strip.current_index(self.model)
        return None if index is None else self.model.history[index]

    def shows_video(self) -> bool:
        """Whether the current image is a video (cached: every paint and hit test asks)."""
        key = (self.model.image, len(self.model.history))
        if key != self._video_key:
            entry = self.current_entry()
            self._video_key = key
            self._video = strip.is_video_entry(entry) if entry else is_video(self.model.image)
        return self._video

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if (
            change == QGraphicsItem.GraphicsItemChange.ItemSceneChange
            and value is None
            and self.on_leave is not None
        ):
            self.on_leave(self)
        return super().itemChange(change, value)

    # -- layout and hit areas, item coordinates -----------------------------------------------

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

    def notes_toggle_rect(self) -> QRectF:
        x = self.lock_rect().left() - 8 - STAR
        return QRectF(x, (HEADER - STAR) / 2, STAR, STAR)

    def handle_rect(self) -> QRectF:
        return QRectF(self.model.width - HANDLE, self.model.height - HANDLE, HANDLE, HANDLE)

    def _content(self) -> tuple[float, float]:
        return HEADER + 2, self.model.height - FOOTER - 2

    def notes_height(self) -> float:
        if not self.model.notes.strip():
            return NOTES_EMPTY_H
        top, bottom = self._content()
        return max(NOTES_MIN_H, min(NOTES_MAX_H, (bottom - top) * NOTES_SHARE))

    def strip_height(self) -> float:
        return strip.STRIP_H if len(self.model.history) >= 2 else 0.0

    def _areas(self) -> tuple[QRectF, QRectF, QRectF]:
        """Image, strip and notes rectangles, kept until size, notes or versions change
        (every paint and hit test asks; 1,000 overview paints per zoom step add up).
        Callers must not change the rectangles they get."""
        m = self.model
        key = (m.width, m.height, m.notes, len(m.history))
        if key != self._areas_key or self._areas_cache is None:
            top, bottom = self._content()
            notes_h, strip_h = self.notes_height(), self.strip_height()
            width = m.width - 2 * PAD
            image = QRectF(PAD, top, width, max(20.0, bottom - top - notes_h - GAP - strip_h))
            strip_area = QRectF(PAD, image.bottom(), width, strip_h)
            notes = QRectF(PAD, bottom - notes_h, width, notes_h)
            self._areas_key, self._areas_cache = key, (image, strip_area, notes)
        return self._areas_cache

    def image_rect(self) -> QRectF:
        return self._areas()[0]

    def strip_rect(self) -> QRectF:
        return self._areas()[1]

    def notes_rect(self) -> QRectF:
        return self._areas()[2]

    def notes_editor_rect(self) -> QRectF:
        """Where the inline editor goes: over the notes and the strip, at least
        ``EDITOR_MIN_H`` tall (then it covers the bottom of the image while open)."""
        top, bottom = self._content()
        notes = self.notes_rect()
        # Cover the version strip too (half-hidden tiles under the editor look broken).
        start = self.strip_rect().top() if self.strip_height() else notes.top()
        height = min(bottom - top, max(EDITOR_MIN_H, bottom - start))
        return QRectF(notes.left(), bottom - height, notes.width(), height)

    def play_rect(self) -> QRectF:
        centre = self.image_rect().center()
        r = PLAY_RADIUS
        return QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)

    def hit(self, point: QPointF) -> tuple[Hit, int]:
        """The part under ``point`` (item coordinates) and, for stars, which one (1–5);
        for a version tile, the index of its history entry."""
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
            if self.notes_toggle_rect().adjusted(-3, -4, 3, 4).contains(point):
                return (Hit.NOTES_TOGGLE, 0)
            return (Hit.HEADER, 0)
        return self._hit_body(point)

    def _hit_body(self, point: QPointF) -> tuple[Hit, int]:
        if self.shows_video():
            target = self.image_rect() if self.video_active else self.play_rect()
            if target.contains(point):
                return (Hit.PLAY, 0)
        if self.strip_height() and self.strip_rect().contains(point):
            for tile in strip.tiles(self.model, self.strip_rect()):
                if tile.rect.adjusted(-1, -3, 1, 3).contains(point):
                    if tile.index == strip.MORE:
                        return (Hit.MORE, tile.hidden)
                    return (Hit.HISTORY, tile.index)
        if self.notes_rect().contains(point):
            return (Hit.NOTES, 0)
        return (Hit.BODY, 0)

    # -- hover: tooltips and the hovered version tile -----------------------------------------

    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._set_hover(self.hit(event.pos()))
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._set_hover((Hit.NONE, 0))
        super().hoverLeaveEvent(event)

    def _set_hover(self, hover: tuple[Hit, int]) -> None:
        if hover == self.hover:
            return
        old, self.hover = self.hover, hover
        self.setToolTip(self._tooltip(hover))
        if Hit.HISTORY in (old[0], hover[0]) or Hit.MORE in (old[0], hover[0]):
            self.update(self.strip_rect().adjusted(-2, -2, 2, 2))

    def _tooltip(self, hover: tuple[Hit, int]) -> str:
        part, index = hover
        if part is Hit.HISTORY and 0 <= index < len(self.model.history):
            entry = self.model.history[index]
            return strip.tooltip(entry, entry.path == self.model.image)
        if part is Hit.MORE:
            return f"{index} older version{'s' if index != 1 else ''}: click to pick one"
        if part is Hit.PLAY:
            return "Pause (K)" if self.video_active else "Play the video here, muted (K)"
        if part is Hit.NOTES_TOGGLE:
            return "Done editing notes (Esc)" if self.notes_editing else "Edit notes (N)"
        if part is Hit.NOTES:
            return "" if self.notes_editing else "Double-click to edit the notes"
        if part is Hit.LOCK:
            return "Unlock" if self.model.locked else "Lock (no moving or resizing)"
        if part is Hit.STAR:
            return "Click the same star again to clear the rating"
        return ""

    # -- painting -----------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        # The panel and 3 px for the selection outline; asked twice per paint, so built
        # at once (1,000 panels in view at far zoom).
        model = self.model
        return QRectF(-3, -3, model.width + 6, model.height + 6)

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
        if self.strip_height():
            strip.paint_strip(
                painter, self.model, self.strip_rect(), self._thumbnail, self._hover_tile()
            )
        self._paint_notes(painter)
        self._paint_footer(painter)
        if self.isSelected():
            painter.setPen(QPen(SELECTED, 2.5))
        else:
            painter.setPen(QPen(QColor("#3c3f47"), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 6, 6)

    def _paint_overview(self, painter: QPainter, rect: QRectF) -> None:
        """Zoomed far out (the whole board in view): text would be a few pixels high, so
        the panel is one small picture of its body, header band, image and selection,
        made once (a thousand panels each drawing several shapes per zoom step is what
        made the overview slow)."""
        picture = self._picture(request=False)
        key = (
            self.model.width,
            self.model.height,
            picture.cacheKey() if picture is not None else 0,
            self.isSelected(),
        )
        if self._overview is None or self._overview[0] != key:
            self._overview = (key, self._overview_tile(picture, key[3]))
        painter.drawImage(rect, self._overview[1])
        if key[3]:  # a one-pixel outline at any zoom (scaled down, the tile's would vanish)
            painter.setPen(QPen(SELECTED, 0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)

    def _overview_tile(self, picture: QImage | None, selected: bool) -> QImage:
        rect = self.size_rect()
        size = (rect.size() * OVERVIEW_SCALE).toSize().expandedTo(QSize(4, 4))
        tile = QImage(size, QImage.Format.Format_RGB32)
        painter = QPainter(tile)
        painter.scale(size.width() / rect.width(), size.height() / rect.height())
        painter.fillRect(rect, BODY)
        painter.fillRect(self.header_rect(), SELECTED if selected else HEADER_BG)
        area = self.image_rect()
        painter.fillRect(area, IMAGE_BG)
        if picture is not None and not picture.isNull():
            fitted = (
                picture.size().toSizeF().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            )
            target = QRectF(QPointF(0, 0), fitted)
            target.moveCenter(area.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, picture)
        painter.end()
        return tile

    def _paint_header(self, painter: QPainter) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(10)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(TEXT)
        name_rect = QRectF(PAD, 0, self.notes_toggle_rect().left() - PAD - 4, HEADER)
        elided = painter.fontMetrics().elidedText(
            self.model.name, Qt.TextElideMode.ElideRight, int(name_rect.width())
        )
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter, elided)
        self._paint_lock(painter, self.lock_rect())
        self._paint_notes_toggle(painter, self.notes_toggle_rect())
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

    def _paint_notes_toggle(self, painter: QPainter, r: QRectF) -> None:
        """A small page with lines: muted without notes, bright with notes, amber editing."""
        if self.notes_editing:
            colour = STAR_ON
        elif self.model.notes.strip():
            colour = TEXT
        else:
            colour = STAR_OFF
        page = r.adjusted(2.5, 1, -2.5, -1)
        painter.setPen(QPen(colour, 1.3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(page, 1.5, 1.5)
        for i in range(3):
            y = page.top() + 3.5 + i * 3
            right = page.right() - (3 if i == 2 else 2)
            painter.drawLine(QPointF(page.left() + 2, y), QPointF(right, y))

    def _picture(self, request: bool = True) -> QImage | None:
        """What the image area shows: the loaded still, or a video's first frame."""
        if not self.shows_video():
            return self.image
        if self.media is None or not self.model.image:
            return None
        if not request:
            return self.media.cached_poster(self.model.image)
        return self.media.poster(self.model.image, self.panel_id)

    def _thumbnail(self, entry: HistoryEntry) -> QImage | None:
        if self.media is None:
            return None
        return self.media.thumbnail(entry.path, self.panel_id)

    def _hover_tile(self) -> int | None:
        part, index = self.hover
        if part is Hit.HISTORY:
            return index
        return strip.MORE if part is Hit.MORE else None

    def _paint_image(self, painter: QPainter) -> None:
        area = self.image_rect()
        painter.fillRect(area, IMAGE_BG)
        image = self._picture()
        video = self.shows_video()
        if image is not None and not image.isNull():
            size = image.size().toSizeF().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(QPointF(0, 0), size)
            target.moveCenter(area.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, image)
        else:
            painter.setPen(MUTED)
            font = QFont(painter.font())
            font.setPointSizeF(9)
            font.setBold(False)
            painter.setFont(font)
            if video:
                text = "No preview" if self._preview_failed() else ""
            else:
                text = "No image yet" if self.model.image is None else "Image not found"
            below = area.adjusted(0, area.height() / 2 + PLAY_RADIUS, 0, 0) if video else area
            painter.drawText(below, Qt.AlignmentFlag.AlignCenter, text)
        if video and not self.video_active:
            paint_play_button(painter, area.center())

    def _preview_failed(self) -> bool:
        return (
            self.media is not None
            and bool(self.model.image)
            and self.media.failed(self.model.image or "")
        )

    def _paint_notes(self, painter: QPainter) -> None:
        area = self.notes_rect()
        if self.notes_editing:
            return  # the editor covers it
        if not self.model.notes.strip():
            painter.save()
            font = QFont(painter.font())
            font.setPointSizeF(8)
            font.setBold(False)
            font.setItalic(True)
            painter.setFont(font)
            painter.setPen(STAR_OFF)
            painter.drawText(area, Qt.AlignmentFlag.AlignVCenter, "Add notes…")
            painter.restore()
            return
        doc = self.notes_doc.document(self.model.notes, area.width())
        paint_notes(painter, area, doc, BODY)

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
            latest = max(h.version for h in self.model.history)
            shown = self.current_entry()
            if shown is not None and shown.version != latest:
                label += f" · v{shown.version} (latest v{latest})"
            else:
                label += f" · v{latest}"
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
