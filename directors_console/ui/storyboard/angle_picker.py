"""A visual picker for the 144 camera angles of the :class:`AngleLibrary`.

:class:`AngleDial` draws the library as a director thinks of it: seen from above, the
subject in the middle facing up (the front, 0°), one ring of camera positions per shot
size (inner close-up, middle medium, outer wide) with a dot every direction; beside it,
one small side view per camera height. Click a dot and a height to pick; arrows move
around (Left/Right: direction, Up/Down: shot size, PgUp/PgDn: height); Delete means no
angle. :class:`AnglePicker` adds a "No angle" button, a filter by name or prompt words
(matches listed below, others dimmed on the dial) and the chosen angle's name.
Tooltips show each choice's prompt tokens. ``angle_changed(id)`` says what was picked
(``""`` for none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.templates import Angle, AngleLibrary

RING = 204.0  # side of the top-down square
RADII = (36.0, 60.0, 84.0)  # close, medium, wide (the library's size order)
DOT = 5.5
COLUMN_X = RING + 8.0
ROW_HEIGHT = RING / 4
ACCENT = QColor("#4aa3df")
CAMERA = QColor("#f0a830")
LINE = QColor("#3c3f47")
DOT_OFF = QColor("#6b6d74")
DIM = QColor("#3a3d44")
TEXT = QColor("#c8c9ce")
DEFAULT_HEIGHT = "eye"


@dataclass(frozen=True)
class Target:
    """What is under a point of the dial: a ring position or a height row."""

    size: str = ""
    direction: str = ""
    height: str = ""


def matches(angle: Angle, query: str) -> bool:
    """Every word of ``query`` is in the angle's id, name or prompt (case-insensitive)."""
    hay = f"{angle.id} {angle.label} {angle.prompt}".lower()
    return all(word in hay for word in query.lower().split())


class AngleDial(QWidget):
    """The painted top-down ring × height column; owns only what is highlighted."""

    picked = Signal(str)  # an angle id, or "" for none

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AngleDial")
        self.library: AngleLibrary | None = None
        self.angle: Angle | None = None
        self.height_id = DEFAULT_HEIGHT  # used for the next pick while no angle is chosen
        self.hover: Target | None = None
        self.visible: set[str] | None = None  # angle ids the filter lets through
        self.setFixedSize(QSize(int(COLUMN_X + 76), int(RING)))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")  # tooltips come from event(): one per dot and row
        self.setAccessibleName("Camera angle")

    # -- state -------------------------------------------------------------------------------

    def set_library(self, library: AngleLibrary | None) -> None:
        self.library = library
        if self.angle is not None and (library is None or self.angle.id not in library):
            self.angle = None
        self.update()

    def set_angle(self, angle: Angle | None) -> None:
        self.angle = angle
        if angle is not None:
            self.height_id = angle.height
        self.update()

    def set_visible_ids(self, ids: set[str] | None) -> None:
        self.visible = ids
        self.update()

    def _pick(self, size: str, height: str, direction: str) -> None:
        if self.library is None:
            return
        angle = self.library.get(f"{size}-{height}-{direction}")
        if angle is not None:
            self.set_angle(angle)
            self.picked.emit(angle.id)

    # -- geometry ----------------------------------------------------------------------------

    def centre(self) -> QPointF:
        return QPointF(RING / 2, RING / 2)

    def dot_at(self, size_index: int, degrees: float) -> QPointF:
        """Where a camera of that size and direction sits (0° at the top, clockwise)."""
        r = RADII[min(size_index, len(RADII) - 1)]
        a = math.radians(degrees)
        c = self.centre()
        return QPointF(c.x() + r * math.sin(a), c.y() - r * math.cos(a))

    def row_rect(self, index: int) -> QRectF:
        return QRectF(COLUMN_X, index * ROW_HEIGHT + 1, 74, ROW_HEIGHT - 2)

    def target_at(self, pos: QPointF) -> Target | None:
        if self.library is None:
            return None
        axes = self.library.axes
        for i, height in enumerate(axes.heights):
            if self.row_rect(i).contains(pos):
                return Target(height=height.id)
        best: tuple[float, Target] | None = None
        for si, size in enumerate(axes.sizes):
            for d in axes.directions:
                p = self.dot_at(si, d.degrees)
                dist = math.hypot(p.x() - pos.x(), p.y() - pos.y())
                if dist <= DOT + 5 and (best is None or dist < best[0]):
                    best = (dist, Target(size=size.id, direction=d.id))
        return best[1] if best else None

    def dot_point(self, size: str, direction: str) -> QPointF:
        """The centre of a ring dot by ids (tests click it)."""
        assert self.library is not None
        axes = self.library.axes
        si = [s.id for s in axes.sizes].index(size)
        d = next(d for d in axes.directions if d.id == direction)
        return self.dot_at(si, d.degrees)

    def row_point(self, height: str) -> QPointF:
        assert self.library is not None
        index = [h.id for h in self.library.axes.heights].index(height)
        return self.row_rect(index).center()

    # -- input -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        target = self.target_at(event.position())
        if target is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        if target.height:
            self.height_id = target.height
            if self.angle is not None:
                self._pick(self.angle.size, target.height, self.angle.direction)
            self.update()
        else:
            self._pick(target.size, self.height_id, target.direction)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        target = self.target_at(event.position())
        if target != self.hover:
            self.hover = target
            self.setCursor(
                Qt.CursorShape.PointingHandCursor if target else Qt.CursorShape.ArrowCursor
            )
            self.update()

    def leaveEvent(self, event: QEvent) -> None:
        self.hover = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.library is None:
            return
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_angle(None)
            self.picked.emit("")
            return
        moves = {
            Qt.Key.Key_Left: ("direction", -1),
            Qt.Key.Key_Right: ("direction", 1),
            Qt.Key.Key_Up: ("size", 1),
            Qt.Key.Key_Down: ("size", -1),
            Qt.Key.Key_PageUp: ("height", 1),
            Qt.Key.Key_PageDown: ("height", -1),
        }
        if key not in moves:
            super().keyPressEvent(event)
            return
        axis, step = moves[Qt.Key(key)]
        self._step(axis, step)

    def _step(self, axis: str, step: int) -> None:
        assert self.library is not None
        axes = self.library.axes
        sizes = [s.id for s in axes.sizes]
        heights = [h.id for h in axes.heights]
        directions = [d.id for d in axes.directions]
        current = self.angle
        if current is None:  # the first key picks a medium front shot at the chosen height
            middle = sizes[len(sizes) // 2]
            self._pick(middle, self.height_id, directions[0])
            return
        size, height, direction = current.size, current.height, current.direction
        if axis == "direction":  # around the ring, wrapping
            direction = directions[(directions.index(direction) + step) % len(directions)]
        elif axis == "size":
            size = sizes[max(0, min(len(sizes) - 1, sizes.index(size) + step))]
        else:
            height = heights[max(0, min(len(heights) - 1, heights.index(height) + step))]
        self._pick(size, height, direction)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_for(self.target_at(QPointF(event.pos())))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def tooltip_for(self, target: Target | None) -> str:
        if target is None or self.library is None:
            return ""
        axes = self.library.axes
        if target.height:
            h = next(v for v in axes.heights if v.id == target.height)
            return f"<b>{h.label}</b><br>{h.tokens}"
        angle = self.library.get(f"{target.size}-{self.height_id}-{target.direction}")
        if angle is None:
            return ""
        return f"<b>{angle.label}</b><br>{angle.prompt}"

    # -- painting ----------------------------------------------------------------------------

    def _shown(self, size: str = "", height: str = "", direction: str = "") -> bool:
        if self.visible is None or self.library is None:
            return True
        return any(
            (not size or a.size == size)
            and (not height or a.height == height)
            and (not direction or a.direction == direction)
            for a in self.library
            if a.id in self.visible
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.library is None:
            painter.setPen(TEXT)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loading angles…")
            return
        self._paint_ring(painter)
        self._paint_heights(painter)
        if self.hasFocus():
            pen = QPen(ACCENT, 1, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    def _paint_ring(self, painter: QPainter) -> None:
        assert self.library is not None
        axes = self.library.axes
        c = self.centre()
        painter.setBrush(QColor("#202329"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(c, RADII[-1] + 12, RADII[-1] + 12)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for r in RADII:
            painter.setPen(QPen(LINE, 1))
            painter.drawEllipse(c, r, r)
        # Under the dots: a camera at the front or back may cover its label.
        painter.setPen(QColor("#8b8d94"))
        font = painter.font()
        font.setPointSizeF(7)
        painter.setFont(font)
        painter.drawText(QRectF(c.x() - 30, 0, 60, 12), Qt.AlignmentFlag.AlignCenter, "FRONT")
        painter.drawText(
            QRectF(c.x() - 30, RING - 12, 60, 12), Qt.AlignmentFlag.AlignCenter, "BACK"
        )
        chosen = self.angle
        if chosen is not None:  # the line of sight, under the dots
            si = [s.id for s in axes.sizes].index(chosen.size)
            pen = QPen(CAMERA, 1.2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(self.dot_at(si, chosen.degrees), c)
        self._paint_subject(painter, c)
        for si, size in enumerate(axes.sizes):
            for d in axes.directions:
                p = self.dot_at(si, d.degrees)
                is_chosen = (
                    chosen is not None and chosen.size == size.id and chosen.direction == d.id
                )
                hovered = self.hover == Target(size=size.id, direction=d.id)
                if is_chosen:
                    self._paint_camera(painter, p, d.degrees)
                    continue
                shown = self._shown(size=size.id, direction=d.id)
                colour = ACCENT if hovered else (DOT_OFF if shown else DIM)
                painter.setPen(QPen(colour.lighter(130) if hovered else colour, 1))
                painter.setBrush(colour if shown or hovered else Qt.BrushStyle.NoBrush)
                painter.drawEllipse(p, DOT - 1.5 if not hovered else DOT, DOT - 1.5)

    def _paint_subject(self, painter: QPainter, c: QPointF) -> None:
        """A head seen from above, nose up: the subject faces the front (0°)."""
        painter.setPen(QPen(QColor("#9fa3ad"), 1.2))
        painter.setBrush(QColor("#555a66"))
        painter.drawEllipse(c, 13, 8)  # shoulders
        painter.setBrush(QColor("#c8c9ce"))
        painter.drawEllipse(c, 6, 6)  # head
        nose = QPolygonF([QPointF(c.x() - 3, c.y() - 5), QPointF(c.x() + 3, c.y() - 5)])
        nose.append(QPointF(c.x(), c.y() - 10))
        painter.drawPolygon(nose)

    def _paint_camera(self, painter: QPainter, p: QPointF, degrees: float) -> None:
        """A small camera body with its lens pointing at the subject."""
        painter.save()
        painter.translate(p)
        painter.rotate(degrees)  # local -y points away from the subject: lens goes +y
        painter.setPen(QPen(CAMERA.darker(150), 1))
        painter.setBrush(CAMERA)
        painter.drawRoundedRect(QRectF(-7, -6, 14, 9), 2, 2)
        lens = QPolygonF([QPointF(-3, 3), QPointF(3, 3), QPointF(5, 8), QPointF(-5, 8)])
        painter.drawPolygon(lens)
        painter.restore()

    def _paint_heights(self, painter: QPainter) -> None:
        assert self.library is not None
        chosen_height = self.angle.height if self.angle is not None else self.height_id
        font = painter.font()
        font.setPointSizeF(7.5)
        painter.setFont(font)
        heights = self.library.axes.heights
        for i, height in enumerate(heights):
            rect = self.row_rect(i)
            on = height.id == chosen_height
            hovered = self.hover == Target(height=height.id)
            shown = self._shown(height=height.id)
            picked = on and self.angle is not None
            border = ACCENT if picked else (DOT_OFF if on else LINE)
            painter.setPen(QPen(border if not hovered else ACCENT.lighter(120), 1))
            painter.setBrush(QColor("#2f4a66") if picked else QColor("#25282f"))
            painter.drawRoundedRect(rect, 4, 4)
            self._paint_side_view(painter, rect, i, len(heights), shown)
            painter.setPen(TEXT if shown else DIM)
            label = height.label.split()[0] if height.id != "overhead" else "Overhead"
            painter.drawText(
                rect.adjusted(3, 0, -2, -2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                label,
            )

    def _paint_side_view(
        self, painter: QPainter, rect: QRectF, index: int, count: int, shown: bool
    ) -> None:
        """Side view: the subject standing on the ground, the camera at this height."""
        ground = rect.top() + rect.height() * 0.62
        figure_x = rect.right() - 16
        colour = QColor("#9fa3ad") if shown else DIM
        painter.setPen(QPen(colour, 1))
        painter.drawLine(QPointF(rect.left() + 4, ground), QPointF(rect.right() - 4, ground))
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(figure_x, ground - 17), 3, 3)
        painter.drawLine(QPointF(figure_x, ground - 14), QPointF(figure_x, ground))
        # Camera heights from below the eyes to straight above the head.
        t = index / max(1, count - 1)
        cam_y = ground - 6 - t * (ground - rect.top() - 8)
        cam_x = rect.left() + 14 + (figure_x - rect.left() - 18) * (0.85 * t * t)
        eye = QPointF(figure_x, ground - 15)
        path = QPainterPath(QPointF(cam_x, cam_y))
        path.lineTo(eye)
        painter.setPen(QPen(CAMERA if shown else DIM, 1, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(CAMERA if shown else DIM))
        painter.drawRoundedRect(QRectF(cam_x - 4, cam_y - 3, 8, 6), 1.5, 1.5)


class AnglePicker(QWidget):
    """The dial, "No angle", a filter with its matches, and the chosen angle's name."""

    angle_changed = Signal(str)  # angle id or ""

    def __init__(self, library: AngleLibrary | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnglePicker")
        self.library: AngleLibrary | None = None
        self.search = QLineEdit()
        self.search.setObjectName("AngleSearch")
        self.search.setPlaceholderText("Filter: low, profile, close…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Filter the angles by name or prompt words; Enter picks the first")
        self.none_button = QToolButton()
        self.none_button.setObjectName("NoAngle")
        self.none_button.setText("No angle")
        self.none_button.setCheckable(True)
        self.none_button.setToolTip("Render without a camera angle in the prompt (Delete)")
        self.dial = AngleDial()
        self.matches = QListWidget()
        self.matches.setObjectName("AngleMatches")
        self.matches.setMaximumHeight(110)
        self.matches.setVisible(False)
        self.count = QLabel()
        self.count.setObjectName("AngleMatchCount")
        self.count.setStyleSheet("color: #8b8d94; font-size: 8pt;")
        self.count.setVisible(False)
        self.name = QLabel()
        self.name.setObjectName("AngleName")
        self.name.setWordWrap(True)
        self.legend = QLabel("Rings: close-up · medium · wide  ·  ←→ ↑↓ PgUp/PgDn")
        self.legend.setStyleSheet("color: #8b8d94; font-size: 7.5pt;")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        top.addWidget(self.none_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(4)
        col.addLayout(top)
        col.addWidget(self.count)
        col.addWidget(self.matches)
        col.addWidget(self.dial, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addWidget(self.name)
        col.addWidget(self.legend)
        self.dial.picked.connect(self._picked)
        self.none_button.clicked.connect(self.clear)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._pick_first)
        self.matches.itemActivated.connect(self._pick_item)
        self.matches.itemClicked.connect(self._pick_item)
        self.set_library(library)

    def set_library(self, library: AngleLibrary | None) -> None:
        self.library = library
        self.dial.set_library(library)
        self.search.setEnabled(library is not None)
        self._filter(self.search.text())
        self._show_name()

    # -- value -------------------------------------------------------------------------------

    def angle_id(self) -> str:
        return self.dial.angle.id if self.dial.angle is not None else ""

    def angle(self) -> Angle | None:
        return self.dial.angle

    def set_angle_id(self, angle_id: str) -> None:
        """Show ``angle_id`` (unknown or empty: no angle); emits nothing."""
        angle = self.library.get(angle_id) if self.library is not None and angle_id else None
        self.dial.set_angle(angle)
        self._show_name()

    def clear(self) -> None:
        self.dial.set_angle(None)
        self._picked("")

    def _picked(self, angle_id: str) -> None:
        self._show_name()
        self.angle_changed.emit(angle_id)

    def _show_name(self) -> None:
        angle = self.dial.angle
        self.none_button.setChecked(angle is None)
        if angle is None:
            self.name.setText("<span style='color:#8b8d94'>No camera angle</span>")
            self.name.setToolTip("")
        else:
            self.name.setText(f"<b>{angle.label}</b>")
            self.name.setToolTip(angle.prompt)

    # -- filter ------------------------------------------------------------------------------

    def _filter(self, text: str) -> None:
        query = text.strip()
        self.matches.clear()
        if not query or self.library is None:
            self.dial.set_visible_ids(None)
            self.matches.setVisible(False)
            self.count.setVisible(False)
            return
        found = [a for a in self.library if matches(a, query)]
        self.dial.set_visible_ids({a.id for a in found})
        for angle in found:
            item = QListWidgetItem(angle.label)
            item.setData(Qt.ItemDataRole.UserRole, angle.id)
            item.setToolTip(angle.prompt)
            self.matches.addItem(item)
        self.count.setText(
            f"{len(found)} angle{'s' if len(found) != 1 else ''} match"
            if found
            else f"No angle matches “{query}”"
        )
        self.count.setVisible(True)
        self.matches.setVisible(bool(found))

    def _pick_first(self) -> None:
        if self.matches.count():
            self._pick_item(self.matches.item(0))

    def _pick_item(self, item: QListWidgetItem) -> None:
        angle_id = str(item.data(Qt.ItemDataRole.UserRole))
        self.set_angle_id(angle_id)
        self._picked(angle_id)
