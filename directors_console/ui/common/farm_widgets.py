"""Render-node widgets shared by the Orchestrator tab and the Render Farm dock.

:class:`NodeCard` paints one node (status dot, latency, device, VRAM bar, queue depth,
current job) from a :class:`~directors_console.ui.common.node_view.NodeView`, in a
full or a compact size; :class:`Sparkline` is the tiny load-history graph inside it.
Everything is painted from the palette at paint time, so a theme switch just works.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from directors_console.ui.common.node_view import (
    STATUS_COLORS,
    NodeView,
    format_gb,
    status_color,
)


def _muted(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.PlaceholderText)


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class Sparkline(QWidget):
    """A tiny line graph of recent values (a node's load per poll)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: tuple[float, ...] = ()
        self.color = QColor(STATUS_COLORS["busy"])
        self.setFixedSize(84, 22)
        self.setToolTip("Load over the last polls (jobs running and waiting on the server)")

    def set_values(self, values: Sequence[float], color: QColor | None = None) -> None:
        self.values = tuple(values)
        if color is not None:
            self.color = color
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 2, -1, -2)
        base = _muted(self.palette())
        base.setAlpha(70)
        painter.setPen(QPen(base, 1))
        painter.drawLine(QPointF(rect.left(), rect.bottom()), QPointF(rect.right(), rect.bottom()))
        values = self.values[-60:]
        if len(values) < 2:
            return
        top = max(max(values), 1.0) * 1.2  # headroom: a full line is not the frame
        step = rect.width() / (len(values) - 1)
        points = [
            QPointF(rect.left() + i * step, rect.bottom() - (v / top) * rect.height())
            for i, v in enumerate(values)
        ]
        area = QPainterPath(QPointF(rect.left(), rect.bottom()))
        for point in points:
            area.lineTo(point)
        area.lineTo(QPointF(rect.right(), rect.bottom()))
        fill = QColor(self.color)
        fill.setAlpha(55)
        painter.fillPath(area, fill)
        line = QPainterPath(points[0])
        for point in points[1:]:
            line.lineTo(point)
        painter.setPen(QPen(self.color, 1.4))
        painter.drawPath(line)


class NodeCard(QWidget):
    """One render node at a glance; full size in the tab, compact in the dock."""

    clicked = Signal(str)
    menu_requested = Signal(str, QPoint)  # node name, global position

    PAD = 10

    def __init__(
        self, view: NodeView, *, compact: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NodeCard")
        self.compact = compact
        self.selected = False
        self.view = view
        self.sparkline = Sparkline(self)
        self.menu_button: QToolButton | None = None
        if not compact:
            button = QToolButton(self)
            button.setText("⋯")
            button.setAutoRaise(True)
            button.setToolTip("Node actions")
            button.setObjectName("NodeCardMenu")
            button.setFixedSize(24, 22)
            button.clicked.connect(
                lambda: self.menu_requested.emit(
                    self.view.name, button.mapToGlobal(QPoint(0, button.height()))
                )
            )
            self.menu_button = button
        policy = QSizePolicy.Policy
        self.setSizePolicy(policy.Expanding if compact else policy.Fixed, policy.Fixed)
        self.setFixedHeight(self.sizeHint().height())
        self.set_view(view)

    # -- state ----------------------------------------------------------------------------

    def set_view(self, view: NodeView) -> None:
        self.view = view
        self.sparkline.set_values(view.history, status_color(view.status))
        self.sparkline.setVisible(view.status not in ("starting", "stopped"))
        self.setToolTip(self._tooltip())
        self.update()

    def set_selected(self, on: bool) -> None:
        if self.selected != on:
            self.selected = on
            self.update()

    def _tooltip(self) -> str:
        v = self.view
        lines = [f"<b>{v.name}</b> — {v.status_text}", v.url]
        if v.tags:
            lines.append("Tags: " + ", ".join(v.tags))
        lines.append(f"Runs up to {v.max_concurrent} job(s) at once")
        if v.error and v.status in ("offline", "degraded"):
            lines.append(f"Last error: {v.error}")
        return "<br>".join(lines)

    # -- geometry -------------------------------------------------------------------------

    def _line(self) -> int:
        return self.fontMetrics().height() + 4

    def sizeHint(self) -> QSize:
        line = self._line()
        if self.compact:
            return QSize(240, self.PAD * 2 + line * 4 + 6)
        return QSize(300, self.PAD * 2 + line * 6 + 10)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        line = self._line()
        spark = self.sparkline
        rows = 3 if self.compact else 4
        y = self.PAD + line * rows + (4 if self.compact else 6) + (line - spark.height()) // 2
        spark.move(self.width() - self.PAD - spark.width(), y)
        if self.menu_button is not None:
            self.menu_button.move(self.width() - self.menu_button.width() - 4, 4)

    # -- input ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.view.name)
        super().mousePressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.clicked.emit(self.view.name)
        self.menu_requested.emit(self.view.name, event.globalPos())

    # -- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        dark = _is_dark(pal)
        window = pal.color(QPalette.ColorRole.Window)
        bg = window.lighter(112) if dark else pal.color(QPalette.ColorRole.Base)
        border = window.lighter(140) if dark else window.darker(118)
        if self.selected:
            border = pal.color(QPalette.ColorRole.Highlight)
        painter.setPen(QPen(border, 1.5 if self.selected else 1))
        painter.setBrush(bg)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 7, 7)
        if self.compact:
            self._paint_compact(painter, pal)
        else:
            self._paint_full(painter, pal)

    def _text(
        self,
        painter: QPainter,
        rect: QRect,
        text: str,
        color: QColor,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        font: QFont | None = None,
    ) -> int:
        """Draw ``text`` elided into ``rect``; returns the width used."""
        painter.setFont(font or self.font())
        metrics = painter.fontMetrics()
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(color)
        painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), shown)
        return metrics.horizontalAdvance(shown)

    def _header(self, painter: QPainter, pal: QPalette, top: int, right_pad: int) -> None:
        v = self.view
        line = self._line()
        left = self.PAD
        color = status_color(v.status)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QRectF(left, top + line / 2 - 5, 10, 10))
        bold = QFont(self.font())
        bold.setBold(True)
        if not self.compact:
            bold.setPointSizeF(bold.pointSizeF() * 1.1)
        text_color = pal.color(QPalette.ColorRole.WindowText)
        status_w = painter.fontMetrics().horizontalAdvance(v.status_text) + 4
        name_rect = QRect(left + 18, top, self.width() - left - 18 - right_pad - status_w, line)
        self._text(painter, name_rect, v.name, text_color, font=bold)
        status_rect = QRect(self.width() - right_pad - status_w, top, status_w, line)
        self._text(painter, status_rect, v.status_text, color, Qt.AlignmentFlag.AlignRight)

    def _detail_line(self) -> str:
        v = self.view
        parts = [v.device] if v.device else []
        if v.latency_ms is not None:
            parts.append(f"{v.latency_ms:.0f} ms")
        if v.gpu_utilization is not None:
            parts.append(f"GPU {v.gpu_utilization:.0f} %")
        if v.temperature is not None:
            parts.append(f"{v.temperature:.0f} °C")
        if not parts and v.status in ("starting", "stopped"):
            parts.append(v.url)
        elif not parts and v.error:
            parts.append(v.error)
        return " · ".join(parts) or v.url

    def _vram(self, painter: QPainter, pal: QPalette, rect: QRect) -> None:
        v = self.view
        muted = _muted(pal)
        label_w = 44
        self._text(painter, QRect(rect.left(), rect.top(), label_w, rect.height()), "VRAM", muted)
        used, total = v.vram_used, v.vram_total
        figure = f"{format_gb(used)} / {format_gb(total)} GB" if used is not None and total else "—"
        figure_w = painter.fontMetrics().horizontalAdvance("00.0 / 00.0 GB") + 6
        bar = QRectF(
            rect.left() + label_w, rect.center().y() - 3.5, rect.width() - label_w - figure_w, 7
        )
        track = QColor(muted)
        track.setAlpha(60)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(bar, 3.5, 3.5)
        if used is not None and total:
            share = min(1.0, used / total)
            fill = QColor("#e5484d" if share > 0.9 else "#c98a1c" if share > 0.75 else "#3e9bd6")
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * share, 7), 3.5, 3.5)
        figure_rect = QRect(rect.right() - figure_w, rect.top(), figure_w, rect.height())
        self._text(painter, figure_rect, figure, muted, Qt.AlignmentFlag.AlignRight)

    def _queue_text(self) -> str:
        v = self.view
        if v.status == "starting":
            return "Waiting for the farm to start"
        if v.status == "stopped":
            return "No jobs while the farm is not running"
        if self.compact:
            return f"{v.running} running · {v.server_queue} queued on server"
        return f"{v.running}/{v.max_concurrent} running · {v.server_queue} queued"

    def _job_line(self, pal: QPalette) -> tuple[str, QColor]:
        v = self.view
        if v.current_job:
            return f"▶ {v.current_job}", pal.color(QPalette.ColorRole.WindowText)
        if v.status == "offline" and v.error:
            text = v.error.removeprefix(v.url).strip()  # the address is shown above
            text = text.removeprefix("is ")
            return text[:1].upper() + text[1:], status_color("offline")
        if not v.enabled:
            return "Disabled: gets no jobs", _muted(pal)
        if v.draining:
            return "Draining: takes no new jobs", status_color("degraded")
        return "Idle", _muted(pal)

    def _paint_full(self, painter: QPainter, pal: QPalette) -> None:
        v = self.view
        line = self._line()
        width = self.width() - 2 * self.PAD
        left, top = self.PAD, self.PAD
        muted = _muted(pal)
        self._header(painter, pal, top, self.PAD + 24)
        top += line + 2
        self._text(painter, QRect(left, top, width, line), self._detail_line(), muted)
        top += line
        tags = "  ".join(f"#{t}" for t in v.tags)
        self._text(
            painter, QRect(left, top, width, line), v.url + ("   " + tags if tags else ""), muted
        )
        top += line
        self._vram(painter, pal, QRect(left, top, width, line))
        top += line + 4
        queue_w = width - self.sparkline.width() - 8
        text_color = pal.color(QPalette.ColorRole.WindowText)
        self._text(painter, QRect(left, top, queue_w, line), self._queue_text(), text_color)
        top += line + 2
        job, color = self._job_line(pal)
        self._text(painter, QRect(left, top, width, line), job, color)

    def _paint_compact(self, painter: QPainter, pal: QPalette) -> None:
        line = self._line()
        width = self.width() - 2 * self.PAD
        left, top = self.PAD, self.PAD
        muted = _muted(pal)
        self._header(painter, pal, top, self.PAD)
        top += line
        self._text(painter, QRect(left, top, width, line), self._detail_line(), muted)
        top += line
        self._vram(painter, pal, QRect(left, top, width, line))
        top += line + 4
        text, color = self._job_line(pal)
        if text == "Idle":
            text, color = self._queue_text(), pal.color(QPalette.ColorRole.WindowText)
        queue_w = width - self.sparkline.width() - 8
        self._text(painter, QRect(left, top, queue_w, line), text, color)
