"""The version strip under a panel's image: one small tile per rendered version.

Versions read left to right, oldest first, so the newest is always at the right end.
When there are more than fit, the oldest ones fold into a "+N" tile at the left (a click
on it lists every version). The tile of the version the panel shows is outlined; videos
carry a play badge. This module only lays out and paints; clicks are routed by
:mod:`panel_tools`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF

from directors_console.core.storyboard.model import HistoryEntry, MediaKind, Panel
from directors_console.ui.storyboard.media import is_video

STRIP_H = 28.0
TILE_H = 22.0
TILE_W = 36.0
TILE_GAP = 4.0
MORE = -1  # the index of the "+N" tile

TILE_BG = QColor("#24262c")
TILE_EDGE = QColor("#44474f")
CURRENT = QColor("#f0a830")
HOVER = QColor("#c9cbd1")
LABEL_BG = QColor(0, 0, 0, 170)
LABEL = QColor("#f2f2f4")
MUTED = QColor("#8b8d94")


@dataclass(frozen=True)
class Tile:
    rect: QRectF
    index: int  # index into panel.history, or MORE
    hidden: int = 0  # for the MORE tile: how many versions it folds


def ordered(panel: Panel) -> list[int]:
    """History indices oldest first (by version, then time), stable for equal ones."""
    history = panel.history
    return sorted(range(len(history)), key=lambda i: (history[i].version, history[i].created))


def current_index(panel: Panel) -> int | None:
    """Which history entry the panel shows, if any."""
    for i, entry in enumerate(panel.history):
        if entry.path == panel.image:
            return i
    return None


def is_video_entry(entry: HistoryEntry) -> bool:
    return entry.kind is MediaKind.VIDEO or is_video(entry.path)


def tiles(panel: Panel, area: QRectF) -> list[Tile]:
    """Tiles laid out in ``area`` (the strip row), right-aligned on the newest version."""
    order = ordered(panel)
    fit = max(1, int((area.width() + TILE_GAP) // (TILE_W + TILE_GAP)))
    top = area.top() + (area.height() - TILE_H) / 2
    shown = order
    hidden = 0
    if len(order) > fit:
        shown = order[len(order) - (fit - 1) :] if fit > 1 else []
        hidden = len(order) - len(shown)
        current = current_index(panel)
        if current is not None and current not in shown and shown:
            # The version on screen always has its tile, in place of the oldest shown.
            shown = sorted([current, *shown[1:]], key=order.index)
            hidden = len(order) - len(shown)
    out: list[Tile] = []
    x = area.left()
    if hidden:
        out.append(Tile(QRectF(x, top, TILE_W, TILE_H), MORE, hidden))
        x += TILE_W + TILE_GAP
    for index in shown:
        out.append(Tile(QRectF(x, top, TILE_W, TILE_H), index))
        x += TILE_W + TILE_GAP
    return out


def tooltip(entry: HistoryEntry, current: bool) -> str:
    kind = "video" if is_video_entry(entry) else "still"
    parts = [f"v{entry.version} · {kind}"]
    if entry.seed is not None:
        parts.append(f"seed {entry.seed}")
    if entry.node:
        parts.append(entry.node)
    if entry.template:
        parts.append(entry.template)
    parts.append(entry.created.astimezone().strftime("%Y-%m-%d %H:%M"))
    text = " · ".join(parts)
    return f"{text}\n(shown now)" if current else f"{text}\nClick to show this version"


def paint_strip(
    painter: QPainter,
    panel: Panel,
    area: QRectF,
    thumb: Callable[[HistoryEntry], QImage | None],
    hover: int | None,
) -> None:
    current = current_index(panel)
    font = QFont(painter.font())
    font.setPointSizeF(7)
    font.setBold(True)
    painter.setFont(font)
    for tile in tiles(panel, area):
        if tile.index == MORE:
            _paint_more(painter, tile, hover == MORE)
            continue
        entry = panel.history[tile.index]
        _paint_tile(painter, tile.rect, entry, thumb(entry))
        if tile.index == current:
            painter.setPen(QPen(CURRENT, 2))
        elif tile.index == hover:
            painter.setPen(QPen(HOVER, 1.5))
        else:
            painter.setPen(QPen(TILE_EDGE, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(tile.rect, 3, 3)
        if tile.index in (current, hover):
            _paint_label(painter, tile.rect, f"v{entry.version}")


def _paint_tile(painter: QPainter, rect: QRectF, entry: HistoryEntry, image: QImage | None) -> None:
    painter.fillRect(rect, TILE_BG)
    video = is_video_entry(entry)
    if image is not None and not image.isNull():
        # Fill the tile (crop), as film strips do; the tile is too small for letterboxing.
        source = image.size().toSizeF()
        scaled = source.scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatioByExpanding)
        crop = QRectF(0, 0, rect.width() * source.width() / scaled.width(), 0)
        crop.setHeight(rect.height() * source.height() / scaled.height())
        crop.moveCenter(QRectF(QPointF(0, 0), source).center())
        painter.drawImage(rect, image, crop)
    elif video:
        _paint_film_holes(painter, rect)
    if video:
        _paint_play_badge(painter, rect)


def _paint_film_holes(painter: QPainter, rect: QRectF) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#3a3d45"))
    step = rect.width() / 6
    for i in range(6):
        x = rect.left() + i * step + step / 3
        painter.drawRect(QRectF(x, rect.top() + 2, step / 3, 2.5))
        painter.drawRect(QRectF(x, rect.bottom() - 4.5, step / 3, 2.5))


def _paint_play_badge(painter: QPainter, rect: QRectF) -> None:
    r = 6.0
    # Right of centre, clear of the version label at the bottom left.
    centre = QPointF(rect.right() - r - 3, rect.center().y())
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 160))
    painter.drawEllipse(centre, r, r)
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(
        QPolygonF(
            [
                QPointF(centre.x() - 2.2, centre.y() - 3.2),
                QPointF(centre.x() - 2.2, centre.y() + 3.2),
                QPointF(centre.x() + 3.4, centre.y()),
            ]
        )
    )


def _paint_label(painter: QPainter, rect: QRectF, text: str) -> None:
    width = painter.fontMetrics().horizontalAdvance(text) + 5
    label = QRectF(rect.left() + 1, rect.bottom() - 10, width, 9)
    painter.fillRect(label, LABEL_BG)
    painter.setPen(LABEL)
    painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)


def _paint_more(painter: QPainter, tile: Tile, hovered: bool) -> None:
    painter.setPen(QPen(HOVER if hovered else TILE_EDGE, 1))
    painter.setBrush(TILE_BG)
    painter.drawRoundedRect(tile.rect, 3, 3)
    painter.setPen(LABEL if hovered else MUTED)
    painter.drawText(tile.rect, Qt.AlignmentFlag.AlignCenter, f"+{tile.hidden}")
