"""The gallery's view modes — grid, list, masonry, timeline — and the switcher between them.

All four views show the one :class:`FileModel` through the one selection model (the
grid's), so the selection, the current file and the order survive a switch, and every
view sends the same key signals. :class:`GalleryViews` stacks them and owns the
switcher (tool buttons, Ctrl+Alt+1…4). The mode is remembered per project by the tab
(see :class:`ViewPrefs`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QByteArray, QRectF, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from directors_console.ui.gallery.canvas import CanvasView
from directors_console.ui.gallery.grid import FileModel, GalleryGrid
from directors_console.ui.gallery.keys import ListingInfo
from directors_console.ui.gallery.list_view import GalleryListView, ListRows
from directors_console.ui.gallery.masonry import MasonryView
from directors_console.ui.gallery.timeline import TimelineView

ViewMode = Literal["grid", "list", "masonry", "timeline"]
MODES: tuple[ViewMode, ...] = ("grid", "list", "masonry", "timeline")
_LABELS = {"grid": "Grid", "list": "List", "masonry": "Masonry", "timeline": "Timeline"}
_TIPS = {
    "grid": "Thumbnail grid",
    "list": "List with sortable columns",
    "masonry": "Masonry: thumbnails keep their shape",
    "timeline": "Timeline: grouped by day",
}


def _mode_icon(mode: str, px: int = 20) -> QIcon:
    """A small line drawing of the layout each mode gives."""
    pixmap = QPixmap(px, px)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#d0d3d8"))
    boxes: list[tuple[float, float, float, float]]
    if mode == "grid":
        boxes = [(x, y, 7, 7) for x in (2, 11) for y in (2, 11)]
    elif mode == "list":
        boxes = [(2, y, 16, 3) for y in (3, 8.5, 14)]
    elif mode == "masonry":
        boxes = [(2, 2, 7, 10), (2, 14, 7, 4), (11, 2, 7, 5), (11, 9, 7, 9)]
    else:
        boxes = [(2, 2, 16, 2), (2, 6, 4.5, 4.5), (7.7, 6, 4.5, 4.5), (2, 13, 16, 2)]
        boxes.append((2, 17, 4.5, 1.5))
    for x, y, w, h in boxes:
        painter.drawRoundedRect(QRectF(x, y, w, h), 1.2, 1.2)
    painter.end()
    return QIcon(pixmap)


class ViewPrefs:
    """The view mode per project and the list's column widths, on this machine.

    A view mode is a personal display choice, not project data: kept in an INI file
    beside the app's caches instead of ``gallery.json``, so colleagues sharing a project
    on a NAS do not flip each other's view, and a click never takes the project lock.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.settings = QSettings(str(cache_dir / "gallery-ui.ini"), QSettings.Format.IniFormat)

    @staticmethod
    def _key(project: Path) -> str:
        return hashlib.sha1(str(project).encode("utf-8", "surrogateescape")).hexdigest()[:16]

    def mode(self, project: Path) -> ViewMode:
        value = self.settings.value(f"projects/{self._key(project)}/mode", "grid")
        return value if value in MODES else "grid"

    def set_mode(self, project: Path, mode: ViewMode) -> None:
        # Written by Qt a moment later (QSettings saves from the event loop, atomically).
        self.settings.setValue(f"projects/{self._key(project)}/mode", mode)

    def list_header(self) -> bytes:
        value = self.settings.value("list/header", QByteArray())
        return bytes(value.data()) if isinstance(value, QByteArray) else b""

    def set_list_header(self, state: bytes) -> None:
        # As a QByteArray: a Python bytes value would be stored pickled.
        self.settings.setValue("list/header", QByteArray(state))


class GalleryViews(QWidget):
    """The four views in a stack; ``mode_changed(mode)`` after the user switches."""

    mode_changed = Signal(str)

    def __init__(
        self,
        model: FileModel,
        grid: GalleryGrid,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryViews")
        self.model = model
        self.grid = grid
        self.info = ListingInfo()
        selection = grid.selectionModel()
        self.list = GalleryListView(model, selection, self.info)
        self.masonry = MasonryView(model, selection, self.info)
        self.timeline = TimelineView(model, selection, self.info)
        self.stack = QStackedWidget()
        for widget in (grid, self.list, self.masonry, self.timeline):
            self.stack.addWidget(widget)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.mode: ViewMode = "grid"
        self.switcher = QWidget()
        self.switcher.setObjectName("GalleryViewSwitcher")
        bar = QHBoxLayout(self.switcher)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions_by_mode: dict[str, QAction] = {}
        for number, mode in enumerate(MODES, start=1):
            action = QAction(_mode_icon(mode), _LABELS[mode], self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"Ctrl+Alt+{number}"))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{_TIPS[mode]} (Ctrl+Alt+{number})")
            action.triggered.connect(lambda _c=False, m=mode: self._user_switch(m))
            self.group.addAction(action)
            self.actions_by_mode[mode] = action
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            bar.addWidget(button)
        self.actions_by_mode["grid"].setChecked(True)

    def shortcut_actions(self) -> list[QAction]:
        """Add these to the tab so Ctrl+Alt+1…4 work wherever the focus is in it."""
        return list(self.actions_by_mode.values())

    def item_views(self) -> list[QAbstractItemView]:
        """The views that take keys and clicks (the list's rows, not its header)."""
        return [self.grid, self.list.rows, self.masonry, self.timeline]

    def extra_views(self) -> list[ListRows | CanvasView]:
        """The views besides the grid (they send the same signals as the grid)."""
        return [self.list.rows, self.masonry, self.timeline]

    def active(self) -> QAbstractItemView:
        return self.item_views()[MODES.index(self.mode)]

    def _user_switch(self, mode: ViewMode) -> None:
        if mode != self.mode:
            self.set_mode(mode)
            self.mode_changed.emit(mode)

    def set_mode(self, mode: ViewMode) -> None:
        """Show ``mode``'s view, keeping the current file in sight and the focus."""
        had_focus = self.active().hasFocus()
        self.mode = mode
        self.actions_by_mode[mode].setChecked(True)
        self.stack.setCurrentIndex(MODES.index(mode))
        view = self.active()  # a canvas view lays itself out when shown, if it must
        current = self.grid.currentIndex()
        if current.isValid():
            view.scrollTo(current)
        if had_focus or self.isVisible():
            view.setFocus()

    def info_changed(self) -> None:
        """The index facts changed: masonry shapes and list columns may differ."""
        self.masonry.invalidate()
        self.list.rows.viewport().update()


class FilesStack(QStackedWidget):
    """The tab's centre stack; the grid stands for the files page whatever the mode.

    Code that returns to the files (closing the trash, duplicates…) asks for the grid;
    this shows the view container instead, so the chosen mode stays.
    """

    def __init__(self, grid: GalleryGrid, views: GalleryViews) -> None:
        super().__init__()
        self._grid = grid
        self._views = views

    def setCurrentWidget(self, widget: QWidget) -> None:
        super().setCurrentWidget(self._views if widget is self._grid else widget)
