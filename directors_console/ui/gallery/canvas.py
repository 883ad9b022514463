"""Free-layout views of the gallery listing: the base of masonry and timeline.

A :class:`CanvasView` is one :class:`QAbstractItemView` over the shared
:class:`FileModel` and its selection model (no widget per file). Its subclass keeps
plain integer geometry per row and answers "which rows meet this rectangle" quickly,
so painting, hit-testing, keyboard moves, rubber-band selection and thumbnail requests
only touch the rows on screen. A hidden view lays out when shown (or asked about a row).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QRegion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyleOptionViewItem,
    QWidget,
)

from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery.grid import FileModel
from directors_console.ui.gallery.keys import ListingInfo, gallery_key

Index = QModelIndex | QPersistentModelIndex
GAP = 6
SEARCH = 600  # px searched above/below for the tile to move to with Up/Down
LIVE_RESIZE_ROWS = 5000  # above this, a resize lays out after a pause


def _item(entry: FileEntry) -> tuple[str, str, int, float]:
    return (entry.path, str(entry.kind), entry.size, entry.mtime)


class CanvasView(QAbstractItemView):
    """Base: scrolling, painting, hit-testing and selection from a row -> rect layout."""

    rate_requested = Signal(int)
    trash_requested = Signal()
    rename_requested = Signal()
    lightbox_requested = Signal()

    def __init__(
        self,
        model: FileModel,
        selection: QItemSelectionModel,
        info: ListingInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.file_model = model
        self.info = info
        self._ready = False  # Qt calls updateGeometries before the subclass is set up
        self._dirty = True
        self._width = -1
        self._height = 0
        self.setModel(model)
        own = self.selectionModel()
        self.setSelectionModel(selection)
        own.deleteLater()
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setMouseTracking(True)
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(40)
        self._visible_timer.timeout.connect(self.request_visible)
        # With many rows a resize lays out once the user stops dragging.
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(120)
        self._resize_timer.timeout.connect(self.invalidate)
        model.modelReset.connect(self.invalidate)
        model.rowsInserted.connect(self.invalidate)
        model.rowsRemoved.connect(self.invalidate)
        model.layoutChanged.connect(self.invalidate)
        model.dataChanged.connect(self._data_changed)
        selection.currentChanged.connect(self._current_moved)

    # -- layout hooks (subclasses) ------------------------------------------------------

    def _relayout(self, width: int) -> int:
        """Lay every row out for ``width``; returns the content height."""
        raise NotImplementedError

    def item_rect(self, row: int) -> QRect:
        """The row's rectangle in content coordinates (empty if it has none)."""
        raise NotImplementedError

    def rows_in(self, area: QRect) -> Iterator[int]:
        """Rows whose rectangles may meet ``area`` (content coordinates)."""
        raise NotImplementedError

    def visual_order(self) -> list[int] | None:
        """Rows in reading order when it differs from model order."""
        return None

    def _paint_decorations(self, painter: QPainter, area: QRect) -> None:
        """Anything under the tiles (headers)."""

    def _paint_overlay(self, painter: QPainter, area: QRect) -> None:
        """Anything over the tiles (a pinned header)."""

    # -- layout state -------------------------------------------------------------------

    def invalidate(self, *_args: object) -> None:
        self._dirty = True
        self.updateGeometries()
        self.viewport().update()
        self._visible_timer.start()

    def ensure_layout(self) -> None:
        if not self._ready:
            return
        width = self.viewport().width()
        resizing = self._resize_timer.isActive() and self._width > 0
        if self._dirty or (width != self._width and not resizing):
            self._dirty = False
            self._width = width
            self._height = self._relayout(width)
            self._sync_scrollbar()

    def content_height(self) -> int:
        self.ensure_layout()
        return self._height

    def _sync_scrollbar(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setRange(0, max(0, self._height - page))
        bar.setPageStep(page)
        bar.setSingleStep(48)

    def updateGeometries(self) -> None:
        if self.isVisible():  # a hidden view lays out when shown or asked about a row
            self.ensure_layout()
            self._sync_scrollbar()
        super().updateGeometries()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.file_model.rowCount() > LIVE_RESIZE_ROWS:
            self._resize_timer.start()
        self.updateGeometries()
        self._visible_timer.start()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._visible_timer.start()

    def _data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: Any = ()) -> None:
        self.viewport().update()

    def _current_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.isVisible() and current.isValid():
            self.scrollTo(current)

    # -- QAbstractItemView --------------------------------------------------------------

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return int(self.verticalScrollBar().value())

    def isIndexHidden(self, index: Index) -> bool:
        return False

    def visualRect(self, index: Index) -> QRect:
        if not index.isValid() or not self._ready:
            return QRect()
        self.ensure_layout()
        rect = self.item_rect(index.row())
        return rect.translated(0, -self.verticalOffset()) if rect.isValid() else QRect()

    def indexAt(self, point: QPoint) -> QModelIndex:
        if not self._ready:
            return QModelIndex()
        self.ensure_layout()
        spot = QPoint(point.x(), point.y() + self.verticalOffset())
        for row in self.rows_in(QRect(spot, QSize(1, 1))):
            if self.item_rect(row).contains(spot):
                return self.file_model.index(row)
        return QModelIndex()

    def scrollTo(
        self,
        index: Index,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        if not index.isValid():
            return
        self.ensure_layout()
        rect = self.item_rect(index.row())
        bar = self.verticalScrollBar()
        top, page = bar.value(), self.viewport().height()
        if hint == QAbstractItemView.ScrollHint.PositionAtTop:
            bar.setValue(rect.top() - GAP)
        elif hint == QAbstractItemView.ScrollHint.PositionAtCenter:
            bar.setValue(rect.center().y() - page // 2)
        elif rect.top() < top:
            bar.setValue(rect.top() - GAP)
        elif rect.bottom() > top + page:
            bar.setValue(rect.bottom() - page + GAP)

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        count = self.file_model.rowCount()
        if not count:
            return QModelIndex()
        self.ensure_layout()
        order = self.visual_order() or range(count)
        current = self.currentIndex()
        if not current.isValid():
            return self.file_model.index(order[0])
        row = current.row()
        act = QAbstractItemView.CursorAction
        page = self.viewport().height()
        if action in (act.MoveLeft, act.MovePrevious, act.MoveRight, act.MoveNext):
            step = -1 if action in (act.MoveLeft, act.MovePrevious) else 1
            position = self._position(order, row) + step
            row = order[max(0, min(len(order) - 1, position))]
        elif action == act.MoveHome:
            row = order[0]
        elif action == act.MoveEnd:
            row = order[-1]
        elif action in (act.MoveUp, act.MoveDown):
            row = self._neighbour(row, action == act.MoveDown, 0)
        elif action in (act.MovePageUp, act.MovePageDown):
            row = self._neighbour(row, action == act.MovePageDown, page)
        return self.file_model.index(row)

    def _position(self, order: Any, row: int) -> int:
        if isinstance(order, range):
            return row
        return self._positions().get(row, 0)

    def _positions(self) -> dict[int, int]:
        return {}

    def _neighbour(self, row: int, down: bool, distance: int) -> int:
        """The tile above/below ``row`` (``distance`` further for page up/down)."""
        rect = self.item_rect(row)
        x = rect.center().x()
        if down:
            probe = QRect(0, rect.bottom() + distance, self._width, SEARCH)
            ahead = [r for r in self.rows_in(probe) if self.item_rect(r).top() > rect.top()]
        else:
            probe = QRect(0, rect.top() - distance - SEARCH, self._width, SEARCH)
            ahead = [r for r in self.rows_in(probe) if self.item_rect(r).top() < rect.top()]
        if not ahead:
            return row
        under = [r for r in ahead if self.item_rect(r).left() <= x <= self.item_rect(r).right()]
        pool = under or ahead
        ref = rect.bottom() + distance if down else rect.top() - distance

        def closeness(r: int) -> tuple[int, int]:
            other = self.item_rect(r)
            dy = abs((other.top() if down else other.bottom()) - ref)
            return dy, abs(other.center().x() - x)

        return min(pool, key=closeness)

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        self.ensure_layout()
        area = rect.normalized().translated(0, self.verticalOffset())
        rows = sorted(r for r in self.rows_in(area) if self.item_rect(r).intersects(area))
        selection = QItemSelection()
        start = prev = -2
        for row in [*rows, -2]:
            if row != prev + 1:
                if start >= 0:
                    selection.select(self.file_model.index(start), self.file_model.index(prev))
                start = row
            prev = row
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        return QRegion(self.viewport().rect())

    # -- painting -----------------------------------------------------------------------

    def visible_area(self, margin: int = 0) -> QRect:
        port = self.viewport().rect()
        return QRect(0, self.verticalOffset() - margin, port.width(), port.height() + 2 * margin)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.ensure_layout()
        painter = QPainter(self.viewport())
        offset = self.verticalOffset()
        area = event.rect().translated(0, offset)
        painter.translate(0, -offset)
        self._paint_decorations(painter, area)
        base = QStyleOptionViewItem()
        self.initViewItemOption(base)
        selection = self.selectionModel()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        delegate = self.itemDelegate()
        for row in self.rows_in(area):
            rect = self.item_rect(row)
            if not rect.intersects(area):
                continue
            index = self.file_model.index(row)
            option = QStyleOptionViewItem(base)
            option.rect = rect
            if selection.isSelected(index):
                option.state |= QStyle.StateFlag.State_Selected
            if row == current and self.hasFocus():
                option.state |= QStyle.StateFlag.State_HasFocus
            delegate.paint(painter, option, index)
        self._paint_overlay(painter, area)
        painter.end()

    # -- thumbnails and keys ------------------------------------------------------------

    def visible_rows(self) -> list[int]:
        self.ensure_layout()
        area = self.visible_area()
        return sorted(r for r in self.rows_in(area) if self.item_rect(r).intersects(area))

    def request_visible(self) -> None:
        """Ask for the thumbnails on screen, then for those one screen below."""
        if not self.isVisible():
            return
        entries = self.file_model.entries
        rows = [r for r in self.visible_rows() if r < len(entries)]
        area = self.visible_area()
        below = area.translated(0, area.height())
        shown = set(rows)
        ahead = sorted(
            r
            for r in self.rows_in(below)
            if r < len(entries) and r not in shown and self.item_rect(r).intersects(below)
        )
        self.file_model.loader.request(
            [_item(entries[r]) for r in rows], [_item(entries[r]) for r in ahead]
        )

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.updateGeometries()
        self._visible_timer.start()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not gallery_key(self, event):
            super().keyPressEvent(event)
