"""The thumbnail grid: a virtualised list model of files and an icon-mode view.

The model holds the current listing (``FileEntry`` rows) and looks ratings up through a
callback; it owns no domain state. A new listing of the same folder is merged in as row
inserts and removals (scroll position and selection stay; while the view lays the rows
out again in batches it keeps its scroll range and its picture, so nothing jumps or
flashes blank). Thumbnails that arrive
together become one ``dataChanged`` per run of nearby rows. The view paints fixed-size
tiles (uniform sizes and batched layout keep 100k rows fluid; the delegate keeps the
scaled pixmaps and elided names it drew), asks the thumbnail loader for the rows on
screen and one screen either side at most every 40 ms while scrolling, turns keys into
signals (0–5 rate, Del trash, F2 rename, Space lightbox) and drags the selection out as
file URLs plus project-relative paths.
"""

from __future__ import annotations

import gc
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from directors_console.ui.gallery.keys import gallery_key
from directors_console.ui.gallery.thumbs import ThumbnailLoader, placeholder

MIME_RELS = "application/x-directors-console-gallery-paths"
TILE = QSize(168, 196)
ICON = 144
EntryRole = Qt.ItemDataRole.UserRole + 1
SCALED_KEPT = 400  # scaled thumbnails kept by the delegate (a few screens)
NAMES_KEPT = 20_000  # elided names kept
FREEZE_MAX_S = 1.0  # longest the grid keeps its old picture while rows are laid out
BIG_LISTING = 20_000  # rows from which a new listing freezes the GC's view (see set_entries)
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
    files_changed = Signal()  # rows whose file was rewritten (their thumbnails are stale)

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
        loader.batch_ready.connect(self._thumbs_ready)

    def set_entries(self, entries: Sequence[FileEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self._rows = {e.path: i for i, e in enumerate(self.entries)}
        self.endResetModel()
        if len(self.entries) >= BIG_LISTING:
            # A big listing adds hundreds of thousands of long-lived objects; the next
            # full collection of the cyclic GC would walk them all (~0.1 s, a stall in
            # the middle of scrolling). Freezing moves the objects alive now out of the
            # collector's sight; reference counting still frees them (a listing holds
            # no reference cycles). Collecting first leaves no cyclic garbage frozen;
            # it is cheap after the first time, as frozen objects are not walked again.
            gc.collect()
            gc.freeze()

    def update_entries(self, entries: Sequence[FileEntry], diff: ListingDiff | None = None) -> bool:
        """Take a new listing of the same view as row inserts, removals and changes.

        The view keeps its scroll position and selection. ``diff`` may come from
        :func:`diff_listing` run in a worker thread on :attr:`entries` (it is ignored
        if the rows changed since). Returns False (and changes nothing) when the rows
        kept are not in the same order: then call :meth:`set_entries`.
        """
        new = list(entries)
        if diff is None or diff.base is not self.entries:
            diff = diff_listing(self.entries, new)
        if diff is None:
            return False
        self.entries = list(self.entries)  # a copy: a diff in flight keeps its base
        for first, last in reversed(diff.gone):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self.entries[first : last + 1]
            self.endRemoveRows()
        for first, last in diff.added:
            self.beginInsertRows(QModelIndex(), first, last)
            self.entries[first:first] = new[first : last + 1]
            self.endInsertRows()
        self.entries = new
        self._rows = diff.rows
        for row in diff.changed:
            index = self.index(row)
            self.dataChanged.emit(index, index)
        if diff.changed:
            self.files_changed.emit()
        return True

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

    def path_rows(self) -> dict[str, int]:
        """``path -> row`` of the rows shown (replaced, never changed in place)."""
        return self._rows

    def _thumbs_ready(self, paths: list[str]) -> None:
        # One dataChanged per run of nearby rows: the view repaints once per batch, and
        # never walks the rows between two far-apart tiles (the icon-mode view asks
        # every row in a changed range for its size).
        rows = sorted(r for r in (self._rows.get(p) for p in paths) if r is not None)
        for first, last in runs(rows, gap=64):
            self.dataChanged.emit(
                self.index(first), self.index(last), [Qt.ItemDataRole.DecorationRole]
            )

    def refresh_row(self, path: str) -> None:
        self._thumbs_ready([path])


@dataclass(frozen=True)
class ListingDiff:
    """How a new listing differs from ``base`` (see :func:`diff_listing`)."""

    base: list[FileEntry]
    gone: list[tuple[int, int]]  # runs of rows of ``base`` to remove
    added: list[tuple[int, int]]  # runs of rows of the new listing to insert
    changed: list[int]  # rows of the new listing whose file changed (size or mtime)
    rows: dict[str, int]  # path -> row in the new listing


def diff_listing(base: list[FileEntry], new: list[FileEntry]) -> ListingDiff | None:
    """The row changes from ``base`` to ``new``, or None if the rows both hold are not in
    the same order. Plain Python on lists: safe in a worker thread (100k rows: ~0.3 s)."""
    rows = {e.path: i for i, e in enumerate(new)}
    gone: list[int] = []
    kept: list[int] = []  # new row of each kept old row, in old order
    changed: list[int] = []
    for i, e in enumerate(base):
        row = rows.get(e.path)
        if row is None:
            gone.append(i)
            continue
        if kept and row < kept[-1]:
            return None
        kept.append(row)
        twin = new[row]
        if twin.size != e.size or twin.mtime != e.mtime or twin.problem != e.problem:
            changed.append(row)
    kept_set = set(kept)
    added = [i for i in range(len(new)) if i not in kept_set]
    return ListingDiff(base, runs(gone), runs(added), changed, rows)


def runs(rows: list[int], gap: int = 1) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of rows at most ``gap`` apart."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class TileDelegate(QStyledItemDelegate):
    """Paints a tile: thumbnail, name, stars. Scaled pixmaps and elided names are kept,
    so a scroll frame mostly blits what an earlier frame already prepared."""

    def __init__(self, rating_of: Callable[[str], int], parent: Any = None) -> None:
        super().__init__(parent)
        self.rating_of = rating_of
        self._scaled: OrderedDict[tuple[int, int, int], QPixmap] = OrderedDict()
        self._names: dict[tuple[str, int], str] = {}

    def _fitted(self, pixmap: QPixmap, box: QSize) -> QPixmap:
        """``pixmap`` scaled down to fit ``box`` (smoothly, once), or itself if it fits."""
        if pixmap.width() <= box.width() and pixmap.height() <= box.height():
            return pixmap
        key = (pixmap.cacheKey(), box.width(), box.height())
        scaled = self._scaled.get(key)
        if scaled is None:
            scaled = pixmap.scaled(
                box,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled[key] = scaled
            if len(self._scaled) > SCALED_KEPT:
                self._scaled.popitem(last=False)
        else:
            self._scaled.move_to_end(key)
        return scaled

    def _elided(self, painter: QPainter, name: str, width: int) -> str:
        key = (name, width)
        text = self._names.get(key)
        if text is None:
            if len(self._names) > NAMES_KEPT:
                self._names.clear()
            text = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, width)
            self._names[key] = text
        return text

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
        if state & QStyle.StateFlag.State_Selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.highlight())
            painter.drawRoundedRect(rect, 6, 6)
        box = QRect(rect.left() + 4, rect.top() + 4, rect.width() - 8, ICON - 4)
        pixmap = self._fitted(index.data(Qt.ItemDataRole.DecorationRole), box.size())
        target = QRect(QPoint(0, 0), pixmap.size())
        target.moveCenter(box.center())
        painter.drawPixmap(target.topLeft(), pixmap)
        text_rect = QRect(rect.left() + 4, box.bottom() + 6, rect.width() - 8, 18)
        painter.setPen(
            palette.highlightedText().color()
            if state & QStyle.StateFlag.State_Selected
            else palette.text().color()
        )
        name = self._elided(painter, entry.name, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, name)
        stars = self.rating_of(entry.path)
        if stars:
            selected = state & QStyle.StateFlag.State_Selected
            painter.setPen(palette.highlightedText().color() if selected else QColor("#f5c518"))
            star_rect = QRect(text_rect.left(), text_rect.bottom() + 1, text_rect.width(), 16)
            painter.drawText(star_rect, Qt.AlignmentFlag.AlignCenter, "★" * stars)
        painter.restore()


def _item(entry: FileEntry) -> tuple[str, str, int, float]:
    return (entry.path, str(entry.kind), entry.size, entry.mtime)


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
        self.setBatchSize(1000)
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
        # While scrolling, the rows on screen are asked for at most every 40 ms (each
        # request drops what was queued for rows already scrolled past).
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(40)
        self._visible_timer.timeout.connect(self.request_visible)
        self.verticalScrollBar().valueChanged.connect(self._request_soon)
        model.modelReset.connect(self.scrollToTop)  # a new listing starts at its top
        model.modelReset.connect(self._request_now)
        model.rowsInserted.connect(self._request_soon)
        model.rowsRemoved.connect(self._request_soon)
        model.files_changed.connect(self._request_soon)
        # Rows inserted or removed: the view lays every row out again in batches, top
        # first; until the rows on screen are laid out it would paint them blank.
        self._thaw_timer = QTimer(self)
        self._thaw_timer.setInterval(8)
        self._thaw_timer.timeout.connect(self._thaw)
        self._frozen_at = 0.0
        self._held: int | None = None  # the scroll position kept through the layout
        model.rowsAboutToBeInserted.connect(self._freeze)
        model.rowsAboutToBeRemoved.connect(self._freeze)
        model.modelAboutToBeReset.connect(self._thaw_now)
        self.verticalScrollBar().rangeChanged.connect(self._keep_held)
        # The user scrolling takes over from a position still being kept.
        self.verticalScrollBar().actionTriggered.connect(self._drop_held)

    def _request_soon(self, *_args: object) -> None:
        if not self._visible_timer.isActive():
            self._visible_timer.start()

    def _request_now(self) -> None:
        QTimer.singleShot(0, self, self.request_visible)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._request_soon()

    def _freeze(self, *_args: object) -> None:
        """Keep the scroll position and the picture on screen until the new layout
        reaches them (a short while): after each batch the scroll range covers only the
        rows laid out so far, which would pull the view up, and rows not laid out yet
        paint blank."""
        bar = self.verticalScrollBar()
        if bar.value() == 0 or self._thaw_timer.isActive():
            return  # at the top the first batch covers the screen
        if self._held is None:  # else still putting back the one before a slow layout
            self._held = bar.value()
        self.viewport().setUpdatesEnabled(False)
        self._frozen_at = time.monotonic()
        self._thaw_timer.start()

    def _keep_held(self, _low: int, high: int) -> None:
        bar = self.verticalScrollBar()
        if self._held is not None and high >= self._held and bar.value() != self._held:
            bar.setValue(self._held)
            if not self._thaw_timer.isActive():
                self._held = None  # put back after a slow layout: done

    def _drop_held(self, _action: int) -> None:
        if not self._thaw_timer.isActive():
            self._held = None

    def _thaw(self) -> None:
        bar = self.verticalScrollBar()
        # Back exactly where it was: a value clamped by a range not grown yet is not it.
        held = self._held is None or bar.value() == self._held
        laid_out = self.indexAt(QPoint(TILE.width() // 2, TILE.height() // 2)).isValid()
        if held and laid_out:
            self._thaw_now()
        elif time.monotonic() - self._frozen_at > FREEZE_MAX_S:
            # A slow layout (a busy machine): show the view again, but keep putting the
            # scroll position back as the range grows, unless the user scrolls first.
            self._thaw_now(keep_position=not held)

    def _thaw_now(self, *_args: object, keep_position: bool = False) -> None:
        if not keep_position:
            self._held = None
        if self._thaw_timer.isActive():
            self._thaw_timer.stop()
            self.viewport().setUpdatesEnabled(True)
            self.viewport().update()

    def updateGeometries(self) -> None:
        """While a batched layout runs, keep the scroll range of the whole listing (all
        tiles are one size: its height is known before the layout finishes)."""
        super().updateGeometries()
        bar = self.verticalScrollBar()
        full = self.full_height() - self.viewport().height()
        if bar.maximum() < full:
            bar.setRange(bar.minimum(), full)

    def full_height(self) -> int:
        """Height of all rows once laid out (tiles in rows as wide as the viewport)."""
        model = self.model()  # (also called while the view is being built)
        count = model.rowCount() if model is not None else 0
        columns = max(1, self.viewport().width() // TILE.width())
        return -(-count // columns) * TILE.height()

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
        """Ask for the thumbnails on screen, then for one screen below and one above."""
        if not self.isVisible():
            # Another view (list, masonry, duplicates…) is shown and asks for its own
            # tiles; a hidden grid must neither replace nor drop that request.
            return
        entries = self.file_model.entries
        rows = self.visible_rows()
        if not rows:
            self.file_model.loader.forget()
            return
        page = len(rows)
        below = range(rows.stop, min(len(entries), rows.stop + page))
        above = range(max(0, rows.start - page), rows.start)
        self.file_model.loader.request(
            [_item(entries[r]) for r in rows],
            [_item(entries[r]) for r in (*below, *reversed(above))],
        )

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
        if not gallery_key(self, event):  # 0-5 rate, Del, F2, Space (as every view)
            super().keyPressEvent(event)
