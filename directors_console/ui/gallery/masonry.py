"""The masonry view: columns of equal width, each tile keeping its image's aspect ratio.

The shape comes from the loaded thumbnail, else the index's dimensions, else a square
until known. When a thumbnail changes a tile's height, the layout is redone from the
nearest saved checkpoint before it, and the scroll position keeps the top tile still.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from directors_console.core.gallery.arrange import FileInfo
from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery.canvas import GAP, CanvasView, Index
from directors_console.ui.gallery.grid import EntryRole, FileModel
from directors_console.ui.gallery.keys import ListingInfo

CHECKPOINT = 512  # rows between saved column heights


def cover_crop(source: QRect, target: QRect) -> QRect:
    """The centre part of ``source`` with ``target``'s shape (never a stretched image)."""
    if target.height() <= 0 or source.height() <= 0:
        return source
    want = target.width() / target.height()
    if source.width() / source.height() > want:
        width = round(source.height() * want)
        return QRect(
            source.left() + (source.width() - width) // 2, source.top(), width, source.height()
        )
    height = round(source.width() / want)
    return QRect(
        source.left(), source.top() + (source.height() - height) // 2, source.width(), height
    )


class MasonryDelegate(QStyledItemDelegate):
    """A tile filled by its image, a highlight frame when selected, stars when rated."""

    def __init__(self, model: FileModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.model = model

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry: FileEntry | None = index.data(EntryRole)
        if entry is None:
            return
        rect: QRect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pixmap: QPixmap = index.data(Qt.ItemDataRole.DecorationRole)
        painter.fillRect(rect, QColor("#2b2d31"))
        if self.model.loader.get(entry.path) is not None:
            painter.drawPixmap(rect, pixmap, cover_crop(pixmap.rect(), rect))
        else:  # the placeholder stays small and centred until the thumbnail comes
            side = min(rect.width(), rect.height(), pixmap.width())
            target = QRect(0, 0, side, side)
            target.moveCenter(rect.center())
            painter.drawPixmap(target, pixmap)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            pen = option.palette.highlight().color()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for i in range(3):
                painter.setPen(pen)
                painter.drawRect(rect.adjusted(i, i, -1 - i, -1 - i))
        stars = self.model.rating_of(entry.path)
        if stars:
            font = QFont(painter.font())
            font.setPointSizeF(font.pointSizeF() + 1)
            painter.setFont(font)
            band = QRect(rect.left(), rect.bottom() - 22, rect.width(), 22)
            painter.fillRect(band, QColor(0, 0, 0, 140))
            painter.setPen(QColor("#f5c518"))
            painter.drawText(band.adjusted(6, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, "★" * stars)
        painter.restore()


class MasonryView(CanvasView):
    """Columns of varying heights; tiles keep their image's aspect ratio."""

    COLUMN = 220  # target column width

    def __init__(
        self,
        model: FileModel,
        selection: QItemSelectionModel,
        info: ListingInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(model, selection, info, parent)
        self.setObjectName("GalleryMasonry")
        self.setItemDelegate(MasonryDelegate(model, self))
        self._cols = 1
        self._colw = self.COLUMN
        self._col_of: list[int] = []
        self._tops: list[int] = []
        self._heights: list[int] = []
        self._aspects: list[float] = []
        self._col_rows: list[list[int]] = []
        self._col_tops: list[list[int]] = []
        self._checkpoints: list[list[int]] = []
        self._redo_from: int | None = None
        self._redo_timer = QTimer(self)
        self._redo_timer.setSingleShot(True)
        self._redo_timer.setInterval(120)
        self._redo_timer.timeout.connect(self._redo)
        self._ready = True

    def _aspects_of(self, entries: list[FileEntry]) -> list[float]:
        """Width/height of each tile: thumbnail, else the index's size, else square."""
        get = self.file_model.loader.get
        known = self.info.by_path
        out: list[float] = []
        for entry in entries:
            pixmap = get(entry.path)
            if pixmap is not None and pixmap.height() > 0:
                aspect = pixmap.width() / pixmap.height()
            elif known:
                found: FileInfo | None = known.get(entry.path)
                aspect = (found.aspect if found else None) or 1.0
            else:
                aspect = 1.0
            out.append(4.0 if aspect > 4.0 else 0.25 if aspect < 0.25 else aspect)
        return out

    def _relayout(self, width: int) -> int:
        self._redo_from = None
        usable = max(1, width - GAP)
        self._cols = max(1, usable // (self.COLUMN + GAP))
        self._colw = max(16, usable // self._cols - GAP)
        self._col_of, self._tops, self._heights, self._aspects = [], [], [], []
        self._col_rows = [[] for _ in range(self._cols)]
        self._col_tops = [[] for _ in range(self._cols)]
        self._checkpoints = []
        return self._place_from(0, [GAP] * self._cols)

    def _place_from(self, start: int, heights: list[int]) -> int:
        entries = self.file_model.entries
        colw, gap = self._colw, GAP
        col_of, tops, hs = self._col_of, self._tops, self._heights
        col_rows, col_tops, checkpoints = self._col_rows, self._col_tops, self._checkpoints
        aspects = self._aspects_of(entries[start:])
        self._aspects.extend(aspects)
        row = start
        for aspect in aspects:
            if row % CHECKPOINT == 0:
                checkpoints.append(list(heights))
            height = max(24, int(colw / aspect + 0.5))
            top = min(heights)
            col = heights.index(top)
            col_of.append(col)
            tops.append(top)
            hs.append(height)
            col_rows[col].append(row)
            col_tops[col].append(top)
            heights[col] = top + height + gap
            row += 1
        return max(heights) + gap if entries else 0

    def _data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: Any = ()) -> None:
        if not self.isVisible():
            self._dirty = True  # shapes may have changed: lay out again when shown
            return
        if self._dirty or top.row() >= len(self._aspects):
            return
        first, last = top.row(), min(bottom.row() + 1, len(self._aspects))
        now = self._aspects_of(self.file_model.entries[first:last])
        for row, aspect in enumerate(now, start=first):
            if abs(aspect - self._aspects[row]) > 0.01:
                self._redo_from = row if self._redo_from is None else min(self._redo_from, row)
                break
        if self._redo_from is not None:
            self._redo_timer.start()
        self.viewport().update(self.visualRect(top))

    def _redo(self) -> None:
        """Lay out again from the checkpoint before the first tile whose shape changed."""
        start_row = self._redo_from
        if start_row is None or self._dirty:
            return
        self._redo_from = None
        anchor = next(iter(self.visible_rows()), None)
        before = self._tops[anchor] if anchor is not None else 0
        mark = start_row // CHECKPOINT
        start = mark * CHECKPOINT
        heights = list(self._checkpoints[mark])
        del self._checkpoints[mark:]
        for lst in (self._col_of, self._tops, self._heights, self._aspects):
            del lst[start:]
        for col in range(self._cols):
            cut = bisect_left(self._col_rows[col], start)
            del self._col_rows[col][cut:]
            del self._col_tops[col][cut:]
        self._height = self._place_from(start, heights)
        self._sync_scrollbar()
        if anchor is not None and anchor >= start:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + self._tops[anchor] - before)
        self.viewport().update()
        self._visible_timer.start()  # other tiles may be on screen now

    def item_rect(self, row: int) -> QRect:
        if row >= len(self._tops):
            return QRect()
        x = GAP + self._col_of[row] * (self._colw + GAP)
        return QRect(x, self._tops[row], self._colw, self._heights[row])

    def rows_in(self, area: QRect) -> Iterator[int]:
        tallest = round(self._colw / 0.25) + GAP
        for col in range(self._cols):
            left = GAP + col * (self._colw + GAP)
            if left > area.right() or left + self._colw < area.left():
                continue
            tops = self._col_tops[col]
            first = bisect_left(tops, area.top() - tallest)
            last = bisect_right(tops, area.bottom())
            yield from self._col_rows[col][first:last]
