"""The timeline view: a header per day ("Tuesday 24 November 2026 · 37 files") over a grid
of tiles; days newest first unless the listing is sorted oldest first.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from PySide6.QtCore import QItemSelectionModel, QRect, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QWidget

from directors_console.core.gallery.arrange import day_groups
from directors_console.ui.gallery.canvas import GAP, CanvasView
from directors_console.ui.gallery.grid import TILE, FileModel, TileDelegate
from directors_console.ui.gallery.keys import ListingInfo


class TimelineView(CanvasView):
    """Tiles grouped under a header per day of the files' modification dates."""

    HEADER = 40

    def __init__(
        self,
        model: FileModel,
        selection: QItemSelectionModel,
        info: ListingInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(model, selection, info, parent)
        self.setObjectName("GalleryTimeline")
        self.setItemDelegate(TileDelegate(model.rating_of, self))
        self.newest_first = True
        self.titles: list[str] = []
        self._groups: list[list[int]] = []
        self._group_tops: list[int] = []
        self._group_of: list[int] = []
        self._slot: list[int] = []
        self._order: list[int] = []
        self._pos: dict[int, int] = {}
        self._cols = 1
        self._ready = True

    def set_newest_first(self, newest_first: bool) -> None:
        if newest_first != self.newest_first:
            self.newest_first = newest_first
            self.invalidate()

    def _relayout(self, width: int) -> int:
        entries = self.file_model.entries
        self._cols = max(1, (width - GAP) // TILE.width())
        groups = day_groups(entries, self.newest_first)
        self.titles = [g.title for g in groups]
        self._groups = [g.rows for g in groups]
        count = len(entries)
        self._group_of = [0] * count
        self._slot = [0] * count
        self._group_tops = []
        y = 0
        for g, rows in enumerate(self._groups):
            self._group_tops.append(y)
            for slot, row in enumerate(rows):
                self._group_of[row] = g
                self._slot[row] = slot
            lines = -(-len(rows) // self._cols)
            y += self.HEADER + lines * TILE.height() + GAP
        self._order = [row for rows in self._groups for row in rows]
        self._pos = {}
        return y

    def group_count(self) -> int:
        self.ensure_layout()
        return len(self._groups)

    def visual_order(self) -> list[int] | None:
        return self._order

    def _positions(self) -> dict[int, int]:
        if len(self._pos) != len(self._order):
            self._pos = {row: i for i, row in enumerate(self._order)}
        return self._pos

    def header_rect(self, group: int) -> QRect:
        return QRect(0, self._group_tops[group], max(self._width, 1), self.HEADER)

    def item_rect(self, row: int) -> QRect:
        if row >= len(self._group_of) or not self._groups:
            return QRect()
        slot = self._slot[row]
        top = self._group_tops[self._group_of[row]] + self.HEADER
        x = GAP + (slot % self._cols) * TILE.width()
        return QRect(x, top + (slot // self._cols) * TILE.height(), TILE.width(), TILE.height())

    def _groups_in(self, area: QRect) -> range:
        first = max(0, bisect_right(self._group_tops, area.top()) - 1)
        last = bisect_right(self._group_tops, area.bottom())
        return range(first, min(last, len(self._groups)))

    def rows_in(self, area: QRect) -> Iterator[int]:
        tile_w, tile_h = TILE.width(), TILE.height()
        c0 = max(0, (area.left() - GAP) // tile_w)
        c1 = min(self._cols - 1, (area.right() - GAP) // tile_w)
        for g in self._groups_in(area):
            rows = self._groups[g]
            top = self._group_tops[g] + self.HEADER
            l0 = max(0, (area.top() - top) // tile_h)
            l1 = (area.bottom() - top) // tile_h
            for line in range(l0, l1 + 1):
                for col in range(c0, c1 + 1):
                    slot = line * self._cols + col
                    if slot >= len(rows):
                        break
                    yield rows[slot]

    def _paint_decorations(self, painter: QPainter, area: QRect) -> None:
        for g in self._groups_in(area):
            self._paint_header(painter, g, self.header_rect(g))

    def _paint_header(self, painter: QPainter, group: int, rect: QRect) -> None:
        palette = self.palette()
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() + 1.5)
        painter.save()
        painter.setFont(font)
        text = rect.adjusted(GAP + 4, 0, -GAP, 0)
        painter.setPen(palette.text().color())
        painter.drawText(
            text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.titles[group]
        )
        painter.setPen(palette.mid().color())
        painter.drawLine(text.left(), text.bottom() - 4, text.right(), text.bottom() - 4)
        painter.restore()

    def pinned_header(self) -> tuple[int, QRect] | None:
        """The day whose header is scrolled away while its tiles still show, and where
        its header is drawn instead (pushed up by the next day's header)."""
        top = self.verticalOffset()
        groups = self._groups_in(QRect(0, top, 1, 1))
        if not groups or self._group_tops[groups.start] >= top:
            return None
        group = groups.start
        y = top
        if group + 1 < len(self._group_tops):
            y = min(top, self._group_tops[group + 1] - self.HEADER)
        return group, QRect(0, y, max(self._width, 1), self.HEADER)

    def _paint_overlay(self, painter: QPainter, area: QRect) -> None:
        pinned = self.pinned_header()
        if pinned is not None:
            group, rect = pinned
            painter.fillRect(rect, self.palette().base())
            self._paint_header(painter, group, rect)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.viewport().update()  # the pinned header moves with the view, not the content
