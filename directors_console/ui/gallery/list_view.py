"""The gallery's list view: one row per file under a header of sortable, resizable columns.

The rows are a :class:`QListView` on the shared :class:`FileModel` and selection model
(uniform row heights keep 100,000 rows fluid); a free-standing :class:`QHeaderView` above
them holds the columns. The row delegate paints each column at the header's section
positions, so no proxy model is needed and the selection is the grid's own. Clicking a
header asks the tab to sort the listing (``sort_requested``): all views then share the
order. Column widths are saved and restored through :meth:`header_state`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPixmap, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.gallery.arrange import SortField
from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery.grid import EntryRole, FileModel, human_size
from directors_console.ui.gallery.keys import ListingInfo, gallery_key

ROW_HEIGHT = 34
THUMB = 28
COLUMNS: tuple[tuple[SortField, str, int], ...] = (
    ("name", "Name", 240),
    ("folder", "Folder", 130),
    ("kind", "Kind", 56),
    ("size", "Size", 80),
    ("date", "Modified", 130),
    ("rating", "Rating", 84),
    ("dimensions", "Dimensions", 96),
    ("seed", "Seed", 120),
    ("model", "Model", 200),
)
FIELDS: tuple[SortField, ...] = tuple(c[0] for c in COLUMNS)


class RowDelegate(QStyledItemDelegate):
    """Paints one file's row, column by column, at the header's section positions."""

    def __init__(self, header: QHeaderView, model: FileModel, info: ListingInfo) -> None:
        super().__init__(header)
        self.header = header
        self.model = model
        self.info = info

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        return QSize(max(1, self.header.length()), ROW_HEIGHT)

    def text(self, entry: FileEntry, field: SortField) -> str:
        if field == "name":
            return entry.name
        if field == "folder":
            return self.model.rel_of(entry.path).rpartition("/")[0] or "(top)"
        if field == "kind":
            return entry.kind
        if field == "size":
            return human_size(entry.size)
        if field == "date":
            return dt.datetime.fromtimestamp(entry.mtime).strftime("%Y-%m-%d %H:%M")
        if field == "rating":
            return "★" * self.model.rating_of(entry.path)
        known = self.info.get(entry.path)
        if known is None:
            return ""
        if field == "dimensions":
            return f"{known.width} × {known.height}" if known.width and known.height else ""
        if field == "seed":
            return "" if known.seed is None else str(known.seed)
        return known.model or ""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        entry: FileEntry | None = index.data(EntryRole)
        if entry is None:
            return
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            painter.fillRect(rect, option.palette.highlight())
        elif index.row() % 2:
            painter.fillRect(rect, option.palette.alternateBase())
        text_color = (
            option.palette.highlightedText().color() if selected else option.palette.text().color()
        )
        metrics = painter.fontMetrics()
        for i, (field, _title, _w) in enumerate(COLUMNS):
            if self.header.isSectionHidden(i):
                continue
            left = rect.left() + self.header.sectionPosition(i)
            cell = QRect(left + 6, rect.top(), self.header.sectionSize(i) - 12, rect.height())
            if field == "name":
                self._thumb(painter, index, QRect(cell.left(), cell.top() + 3, THUMB, THUMB))
                cell.setLeft(cell.left() + THUMB + 8)
            painter.setPen(QColor("#f5c518") if field == "rating" and not selected else text_color)
            elide = Qt.TextElideMode.ElideMiddle if field == "name" else Qt.TextElideMode.ElideRight
            shown = metrics.elidedText(self.text(entry, field), elide, cell.width())
            align = Qt.AlignmentFlag.AlignVCenter | (
                Qt.AlignmentFlag.AlignRight
                if field in ("size", "dimensions")
                else Qt.AlignmentFlag.AlignLeft
            )
            painter.drawText(cell, align, shown)
        painter.restore()

    def _thumb(self, painter: QPainter, index: Any, box: QRect) -> None:
        pixmap: QPixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if pixmap is None or pixmap.isNull():
            return
        size = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(box.center())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(target, pixmap)


class ListRows(QListView):
    """The rows of the list view; the gallery keys as in the grid."""

    rate_requested = Signal(int)
    trash_requested = Signal()
    rename_requested = Signal()
    lightbox_requested = Signal()

    def __init__(self, model: FileModel, selection: QItemSelectionModel) -> None:
        super().__init__()
        self.setObjectName("GalleryListRows")
        self.file_model = model
        self.setModel(model)
        own = self.selectionModel()
        self.setSelectionModel(selection)
        own.deleteLater()
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(4000)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        selection.currentChanged.connect(self._current_moved)
        self.columns: QHeaderView | None = None  # set by GalleryListView

    def relayout(self) -> None:
        self.scheduleDelayedItemsLayout()
        self.viewport().update()

    def _current_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.isVisible() and current.isValid():
            self.scrollTo(current)

    def name_rect(self, index: QModelIndex) -> QRect:
        """The row's name cell (thumbnail and name) in viewport coordinates."""
        rect = self.visualRect(index)
        header = self.columns
        if header is None or not rect.isValid() or header.isSectionHidden(0):
            return rect
        left = rect.left() + header.sectionPosition(0)
        return QRect(left, rect.top(), header.sectionSize(0), rect.height())

    def visible_rows(self) -> range:
        count = self.file_model.rowCount()
        first = self.indexAt(self.viewport().rect().topLeft())
        start = first.row() if first.isValid() else 0
        lines = self.viewport().height() // ROW_HEIGHT + 2
        return range(start, min(count, start + lines))

    def request_visible(self) -> None:
        if not self.isVisible():
            return
        entries = self.file_model.entries
        rows = [r for r in self.visible_rows() if r < len(entries)]
        self.file_model.loader.request(
            [(e.path, str(e.kind), e.size, e.mtime) for e in (entries[r] for r in rows)]
        )

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if dy:
            self.request_visible()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not gallery_key(self, event):
            super().keyPressEvent(event)


class GalleryListView(QWidget):
    """Header + rows; ``sort_requested(field, descending)`` when a header is clicked."""

    sort_requested = Signal(str, bool)

    def __init__(
        self,
        model: FileModel,
        selection: QItemSelectionModel,
        info: ListingInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryList")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._titles = QStandardItemModel(0, len(COLUMNS), self)
        self._titles.setHorizontalHeaderLabels([c[1] for c in COLUMNS])
        self.header = QHeaderView(Qt.Orientation.Horizontal, self)
        self.header.setModel(self._titles)
        self.header.setSectionsClickable(True)
        self.header.setSortIndicatorShown(True)
        self.header.setHighlightSections(False)
        self.header.setStretchLastSection(False)
        self.header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.header.setMinimumSectionSize(40)
        self.header.setFixedHeight(self.header.fontMetrics().height() + 14)
        for i, (_f, _t, width) in enumerate(COLUMNS):
            self.header.resizeSection(i, width)
        self.header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.rows = ListRows(model, selection)
        self.rows.columns = self.header
        self.rows.setItemDelegate(RowDelegate(self.header, model, info))
        layout.addWidget(self.header)
        layout.addWidget(self.rows, 1)
        self.header.sectionResized.connect(lambda *_a: self.rows.relayout())
        self.header.sortIndicatorChanged.connect(self._sort_clicked)
        self.rows.horizontalScrollBar().valueChanged.connect(self.header.setOffset)
        model.modelReset.connect(self._reset)

    def _reset(self) -> None:
        self.rows.relayout()
        self.rows.request_visible()

    def _sort_clicked(self, section: int, order: Qt.SortOrder) -> None:
        self.sort_requested.emit(FIELDS[section], order == Qt.SortOrder.DescendingOrder)

    def show_sort(self, field: str, descending: bool) -> None:
        """Show the listing's order on the header without asking for a sort."""
        if field not in FIELDS:
            return
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.header.blockSignals(True)
        self.header.setSortIndicator(FIELDS.index(field), order)
        self.header.blockSignals(False)

    def header_state(self) -> bytes:
        return bytes(self.header.saveState().data())

    def restore_header(self, state: bytes) -> None:
        """Column widths from :meth:`header_state`; the order shown stays the listing's."""
        if not state:
            return
        field = FIELDS[self.header.sortIndicatorSection()]
        descending = self.header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        self.header.blockSignals(True)
        self.header.restoreState(QByteArray(state))
        self.header.blockSignals(False)
        self.show_sort(field, descending)
        self.rows.relayout()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.rows.request_visible()
