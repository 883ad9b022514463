"""The thumbnail grid: a virtualised list model of files and an icon-mode view.

The model holds the current listing (``FileEntry`` rows) and looks ratings up through a
callback; it owns no domain state. The view paints fixed-size tiles (uniform sizes
keep 100k rows fluid), asks the thumbnail loader for the rows on screen after each
scroll or resize, turns keys into signals (0–5 rate, Del trash, F2 rename, Space
lightbox) and drags the selection out as file URLs plus project-relative paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery.thumbs import ThumbnailLoader, placeholder

MIME_RELS = "application/x-directors-console-gallery-paths"
TILE = QSize(168, 196)
ICON = 144
EntryRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


class FileModel(QAbstractListModel):
    def __init__(
        self,
        loader: ThumbnailLoader,
        rel_of: Callable[[str], str],
        rating_of: Callable[[str], int],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.loader = loader
        self.rel_of = rel_of
        self.rating_of = rating_of
        self.entries: list[FileEntry] = []
        self._rows: dict[str, int] = {}
        self._placeholders = {k: placeholder(k) for k in ("image", "video", "other")}
        loader.ready.connect(self._thumb_ready)

    def set_entries(self, entries: Sequence[FileEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self._rows = {e.path: i for i, e in enumerate(self.entries)}
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.loader.get(entry.path) or self._placeholders[entry.kind]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.name}\n{human_size(entry.size)} · {entry.kind}"
        if role == EntryRole:
            return entry
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [MIME_RELS, "text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        entries = [self.entries[i.row()] for i in indexes if i.isValid()]
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(e.path) for e in entries])
        mime.setData(MIME_RELS, "\n".join(self.rel_of(e.path) for e in entries).encode())
        return mime

    def row_of(self, path: str) -> int:
        return self._rows.get(path, -1)

    def _thumb_ready(self, path: str) -> None:
        row = self._rows.get(path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def refresh_row(self, path: str) -> None:
        self._thumb_ready(path)


class TileDelegate(QStyledItemDelegate):
    def __init__(self, rating_of: Callable[[str], int], parent: Any = None) -> None:
        super().__init__(parent)
        self.rating_of = rating_of

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return TILE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry: FileEntry | None = index.data(EntryRole)
        if entry is None:
            return
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        state = option.state
        palette = option.palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if state & QStyle.StateFlag.State_Selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.highlight())
            painter.drawRoundedRect(rect, 6, 6)
        pixmap: QPixmap = index.data(Qt.ItemDataRole.DecorationRole)
        box = QRect(rect.left() + 4, rect.top() + 4, rect.width() - 8, ICON - 4)
        scaled = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if pixmap.width() < box.width() and pixmap.height() < box.height():
            scaled = pixmap.size()
        target = QRect(QPoint(0, 0), scaled)
        target.moveCenter(box.center())
        painter.drawPixmap(target, pixmap)
        text_rect = QRect(rect.left() + 4, box.bottom() + 6, rect.width() - 8, 18)
        painter.setPen(
            palette.highlightedText().color()
            if state & QStyle.StateFlag.State_Selected
            else palette.text().color()
        )
        name = painter.fontMetrics().elidedText(
            entry.name, Qt.TextElideMode.ElideMiddle, text_rect.width()
        )
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, name)
        stars = self.rating_of(entry.path)
        if stars:
            selected = state & QStyle.StateFlag.State_Selected
            painter.setPen(palette.highlightedText().color() if selected else QColor("#f5c518"))
            star_rect = QRect(text_rect.left(), text_rect.bottom() + 1, text_rect.width(), 16)
            painter.drawText(star_rect, Qt.AlignmentFlag.AlignCenter, "★" * stars)
        painter.restore()


class GalleryGrid(QListView):
    """Icon-mode view; signals carry the selected rows' absolute paths."""

    rate_requested = Signal(int)
    trash_requested = Signal()
    rename_requested = Signal()
    lightbox_requested = Signal()

    def __init__(self, model: FileModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        # Batched: 100k rows lay out in slices instead of one 0.2 s block.
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setGridSize(TILE)
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setModel(model)
        self.file_model = model
        self.setItemDelegate(TileDelegate(model.rating_of, self))
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(40)
        self._visible_timer.timeout.connect(self.request_visible)
        self.verticalScrollBar().valueChanged.connect(self._visible_timer.start)
        model.modelReset.connect(self._visible_timer.start)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._visible_timer.start()

    def visible_rows(self) -> range:
        count = self.file_model.rowCount()
        if not count:
            return range(0)
        port = self.viewport().rect()
        first = self.indexAt(QPoint(TILE.width() // 2, TILE.height() // 2))
        last = self.indexAt(QPoint(port.width() - 10, port.height() - 10))
        start = first.row() if first.isValid() else 0
        if last.isValid():
            end = last.row() + 1
        else:
            per_row = max(1, port.width() // TILE.width())
            end = start + per_row * (port.height() // TILE.height() + 2)
        return range(max(0, start), min(count, end))

    def request_visible(self) -> None:
        entries = self.file_model.entries
        rows = self.visible_rows()
        items = [(e.path, str(e.kind), e.size, e.mtime) for e in (entries[r] for r in rows)]
        self.file_model.loader.request(items)

    def selected_entries(self) -> list[FileEntry]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [self.file_model.entries[r] for r in rows if r < len(self.file_model.entries)]

    def current_entry(self) -> FileEntry | None:
        index = self.currentIndex()
        return index.data(EntryRole) if index.isValid() else None

    def select_path(self, path: str) -> None:
        row = self.file_model.row_of(path)
        if row >= 0:
            self.setCurrentIndex(self.file_model.index(row))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_5 and plain:
            self.rate_requested.emit(key - Qt.Key.Key_0)
        elif key == Qt.Key.Key_Delete:
            self.trash_requested.emit()
        elif key == Qt.Key.Key_F2:
            self.rename_requested.emit()
        elif key == Qt.Key.Key_Space:
            self.lightbox_requested.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
