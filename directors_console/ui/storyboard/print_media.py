"""How a video panel looks on a printed sheet: a film-strip tile, or a badge on its frame.

A panel whose current version is a video prints its first frame when the canvas has
one, marked with a small "▶ video · 4.0 s" badge; without a frame it prints a dark
film-strip tile (sprocket holes along both edges, a play mark, the same label), so a
video shot never looks like an empty box. Painting only; safe in worker threads.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPolygonF

FILM = QColor("#2b2d33")
HOLE = QColor("#d9dade")
PLAY = QColor("#f0f0f2")
BADGE_BG = QColor(20, 20, 24, 200)
FONT_FAMILY = "DejaVu Sans"


def _font(pixels: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(bold)
    return font


def _play(centre: QPointF, size: float) -> QPolygonF:
    """A play triangle ``size`` high, centred a little right of ``centre`` (looks centred)."""
    half = size / 2
    x = centre.x() - half * 0.75
    return QPolygonF(
        [
            QPointF(x, centre.y() - half),
            QPointF(x + size * 0.9, centre.y()),
            QPointF(x, centre.y() + half),
        ]
    )


def _sprockets(painter: QPainter, band: QRectF) -> None:
    hole_h = band.height() * 0.5
    hole_w = hole_h * 1.4
    step = hole_w * 2.2
    count = max(1, int((band.width() - hole_w) // step) + 1)
    start = band.left() + (band.width() - (count - 1) * step - hole_w) / 2
    top = band.top() + (band.height() - hole_h) / 2
    for i in range(count):
        painter.drawRoundedRect(
            QRectF(start + i * step, top, hole_w, hole_h), hole_h * 0.25, hole_h * 0.25
        )


def paint_video_tile(painter: QPainter, box: QRectF, label: str) -> None:
    """A film-strip tile filling ``box`` with a play mark and ``label`` under it."""
    painter.save()
    painter.fillRect(box, FILM)
    band = min(box.height() * 0.13, box.width() * 0.08)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(HOLE)
    _sprockets(painter, QRectF(box.left(), box.top(), box.width(), band))
    _sprockets(painter, QRectF(box.left(), box.bottom() - band, box.width(), band))
    inner = box.adjusted(0, band, 0, -band)
    size = min(inner.height() * 0.32, inner.width() * 0.2)
    text_px = max(5.0, min(inner.height() * 0.13, size * 0.55))
    centre = QPointF(inner.center().x(), inner.center().y() - text_px * 0.7)
    painter.setBrush(PLAY)
    painter.drawPolygon(_play(centre, size))
    painter.setPen(PLAY)
    painter.setFont(_font(text_px, bold=True))
    text_box = QRectF(
        inner.left(), centre.y() + size / 2 + text_px * 0.3, inner.width(), text_px * 1.5
    )
    painter.drawText(text_box, Qt.AlignmentFlag.AlignCenter, label)
    painter.restore()


def paint_video_badge(painter: QPainter, box: QRectF, label: str) -> None:
    """A small dark "▶ label" badge at the bottom left of ``box`` (over a video's frame)."""
    painter.save()
    px = max(5.0, min(box.height() * 0.085, 11.0))
    font = _font(px, bold=True)
    text_w = QFontMetricsF(font).horizontalAdvance(label)
    pad = px * 0.45
    height = px * 1.6
    badge = QRectF(box.left() + pad, box.bottom() - pad - height, text_w + px * 1.6 + pad, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BADGE_BG)
    painter.drawRoundedRect(badge, height * 0.25, height * 0.25)
    painter.setBrush(PLAY)
    painter.drawPolygon(
        _play(QPointF(badge.left() + pad + px * 0.35, badge.center().y()), px * 0.8)
    )
    painter.setPen(PLAY)
    painter.setFont(font)
    text = QRectF(badge.left() + pad + px, badge.top(), text_w + pad, height)
    painter.drawText(text, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
    painter.restore()
