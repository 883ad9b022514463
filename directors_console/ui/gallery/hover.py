"""Hover preview and video hover-scrub for the gallery's views.

:class:`HoverController` is an event filter on the viewports of the grid and of the
other view modes beside it (list, masonry, timeline; the views themselves are left
alone). Resting the pointer on a tile (in the list: on a row's thumbnail and name) for
``DELAY_MS`` shows a :class:`HoverPopup` near the cursor: the image at up to 512 px
(decoded in a worker thread at reduced size), name, pixel and file size, rating and a
prompt excerpt (metadata read in a worker). Leaving the tile, scrolling, clicking, any
key or losing focus hides it; nothing shows while a button is held. Moving across a
video tile's picture (grid, masonry, timeline) shows the frame at that relative position
in a :class:`ScrubOverlay` over it, frames coming from a :class:`FrameScrubber`. The
rows' own tooltips are replaced where the preview shows.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QHelpEvent,
    QImage,
    QImageReader,
    QMouseEvent,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.gallery.metadata import MediaMetadata
from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.common.images import shrunk
from directors_console.ui.gallery.grid import ICON, GalleryGrid, human_size
from directors_console.ui.gallery.list_view import ListRows
from directors_console.ui.gallery.masonry import MasonryView, cover_crop
from directors_console.ui.gallery.scrub import FrameScrubber, bucket_of
from directors_console.ui.gallery.session import GallerySession
from directors_console.ui.gallery.views import GalleryViews

DELAY_MS = 500
PREVIEW_PX = 512
PREVIEWS_KEPT = 24
PROMPT_CHARS = 220
STILL_AT = 0.33  # where in a video the card's frame comes from when not scrubbing


def decode_preview(path: str, px: int = PREVIEW_PX) -> QImage | None:
    """Decode at most ``px`` on the long side (worker thread; JPEGs decode smaller)."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > px:
        reader.setScaledSize(size.scaled(QSize(px, px), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


def tile_box(rect: QRect) -> QRect:
    """Where ``grid.TileDelegate`` draws a tile's picture (grid and timeline)."""
    inner = rect.adjusted(4, 4, -4, -4)
    return QRect(inner.left() + 4, inner.top() + 4, inner.width() - 8, ICON - 4)


class HoverPopup(QFrame):
    """A floating card; never takes focus."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("GalleryHoverPreview")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setStyleSheet(
            "#GalleryHoverPreview { background: #1f2125; border: 1px solid #4a4e55;"
            " border-radius: 6px; } QLabel { color: #dddddd; background: transparent; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name_label = QLabel()
        self.info_label = QLabel()
        self.info_label.setStyleSheet("color: #a0a4aa;")
        self.prompt_label = QLabel()
        self.prompt_label.setWordWrap(True)
        self.prompt_label.setMaximumWidth(PREVIEW_PX)
        for label in (self.image_label, self.name_label, self.info_label, self.prompt_label):
            layout.addWidget(label)
        self.path = ""
        self._facts: list[str] = []
        self._stars = ""

    def show_entry(self, entry: FileEntry, rating: int, image: QPixmap | None) -> None:
        self.path = entry.path
        self.name_label.setText(f"<b>{html.escape(entry.name)}</b>")
        self._facts = [human_size(entry.size), entry.kind]
        self._stars = "★" * rating
        self.prompt_label.clear()
        self.prompt_label.hide()
        self.set_image(image)

    def set_image(self, image: QPixmap | None) -> None:
        if image is None or image.isNull():
            self.image_label.setText("No preview")
            self.image_label.setFixedSize(256, 160)
        else:
            image = shrunk(image, PREVIEW_PX)
            self.image_label.setPixmap(image)
            self.image_label.setFixedSize(image.size())
        self._update_info()

    def set_metadata(self, meta: MediaMetadata) -> None:
        width = meta.info.width or meta.width
        height = meta.info.height or meta.height
        if width and height:
            self._facts = [f"{width}×{height}", *self._facts]
        prompt = (meta.info.positive or "").strip()
        if prompt:
            short = prompt if len(prompt) <= PROMPT_CHARS else prompt[:PROMPT_CHARS] + "…"
            self.prompt_label.setText(html.escape(short))
            self.prompt_label.show()
        self._update_info()

    def _update_info(self) -> None:
        stars = f" · <span style='color:#f5c518'>{self._stars}</span>" if self._stars else ""
        self.info_label.setText(" · ".join(self._facts) + stars)
        self.adjustSize()

    def place_near(self, global_pos: QPoint) -> None:
        self.adjustSize()
        pos = global_pos + QPoint(18, 18)
        screen = QGuiApplication.screenAt(global_pos) or QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            if pos.x() + self.width() > area.right():
                pos.setX(max(area.left(), global_pos.x() - self.width() - 18))
            if pos.y() + self.height() > area.bottom():
                pos.setY(max(area.top(), global_pos.y() - self.height() - 18))
        self.move(pos)


def _similar_shape(a: QSize, b: QSize, tolerance: float = 0.12) -> bool:
    if min(a.width(), a.height(), b.width(), b.height()) <= 0:
        return False
    ratio = (a.width() / a.height()) / (b.width() / b.height())
    return abs(ratio - 1.0) <= tolerance


class ScrubOverlay(QWidget):
    """Drawn over a video tile's picture: the scrubbed frame and a position bar.

    With ``fill`` the frame covers the whole box like the masonry's tiles (a sliver
    cropped), unless the shapes differ much (a square tile still waiting for the video's
    size): then, as always in the grid, it fits inside so no part of the frame is lost.
    """

    def __init__(self, parent: QWidget, fill: bool = False) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.image: QImage | None = None
        self.fraction = 0.0
        self.fill = fill
        self.hide()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1e1f22"))
        if self.image is not None and not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            if self.fill and _similar_shape(self.image.size(), self.size()):
                source = cover_crop(self.image.rect(), self.rect())
                painter.drawImage(self.rect(), self.image, source)
            else:
                size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRect(QPoint(0, 0), size)
                target.moveCenter(self.rect().center())
                painter.drawImage(target, self.image)
        bar = QRect(0, self.height() - 4, int(self.width() * self.fraction), 4)
        painter.fillRect(bar, QColor("#e0a800"))
        painter.end()


@dataclass(eq=False)
class HoverSurface:
    """One watched view: where a row's hover area and picture lie (viewport coordinates).

    ``picture`` is ``None`` where the view has no picture worth scrubbing (the list's
    28 px thumbnails); ``overlay`` is then ``None`` too.
    """

    view: QAbstractItemView
    viewport: QWidget
    area: Callable[[QModelIndex], QRect]
    picture: Callable[[QModelIndex], QRect] | None
    overlay: ScrubOverlay | None


def surface_of(view: QAbstractItemView) -> HoverSurface:
    """How hovering works in ``view``, by the way each view draws its rows."""
    port = view.viewport()
    if isinstance(view, ListRows):  # the name cell (thumbnail + name) of a row
        return HoverSurface(view, port, view.name_rect, None, None)
    if isinstance(view, MasonryView):  # the picture fills the whole tile
        overlay = ScrubOverlay(port, fill=True)
        return HoverSurface(view, port, view.visualRect, view.visualRect, overlay)
    # The grid and the timeline both paint with grid.TileDelegate.
    overlay = ScrubOverlay(port)
    return HoverSurface(
        view, port, view.visualRect, lambda index: tile_box(view.visualRect(index)), overlay
    )


def views_holding(grid: GalleryGrid) -> GalleryViews | None:
    """The view switcher the grid sits in, if any (its other views share the model)."""
    widget = grid.parentWidget()
    while widget is not None and not isinstance(widget, GalleryViews):
        widget = widget.parentWidget()
    return widget


_HIDING_ON_VIEWPORT = (
    QEvent.Type.Leave,
    QEvent.Type.Wheel,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
)
_HIDING_ON_VIEW = (QEvent.Type.KeyPress, QEvent.Type.FocusOut, QEvent.Type.Hide)


class HoverController(QObject):
    """Watches the viewports of the grid and of the other view modes beside it.

    One controller serves every view (only one is shown at a time), so the popup, the
    decoded previews and the scrubbed frames are shared; each view has its own overlay.
    """

    def __init__(
        self,
        grid: GalleryGrid,
        tasks: TaskManager,
        workers: Workers,
        session: Callable[[], GallerySession | None],
    ) -> None:
        super().__init__(grid)
        self.grid = grid
        self.model = grid.file_model
        self.tasks = tasks
        self.workers = workers
        self.session = session
        views = views_holding(grid)
        # Owned by the views' container: it stays shown whichever view is.
        self.popup = HoverPopup(views if views is not None else grid)
        self.scrubber = FrameScrubber(tasks, workers, self)
        self.scrubber.frame_ready.connect(self._frame_ready)
        self._previews: OrderedDict[str, QImage | None] = OrderedDict()
        self.entry: FileEntry | None = None
        self._pos = QPoint()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self._show_popup)
        self.surfaces: list[HoverSurface] = []
        self._by_object: dict[QObject, HoverSurface] = {}
        self.model.modelReset.connect(self.hide)
        self._surface = self.watch(grid)
        for view in views.extra_views() if views is not None else ():
            self.watch(view)

    def watch(self, view: QAbstractItemView) -> HoverSurface:
        """Show the preview (and scrub videos, where it fits) over ``view``'s rows."""
        known = self._by_object.get(view)
        if known is not None:
            return known
        surface = surface_of(view)
        self.surfaces.append(surface)
        viewport = surface.viewport
        self._by_object[view] = self._by_object[viewport] = surface
        viewport.setMouseTracking(True)
        viewport.installEventFilter(self)
        view.installEventFilter(self)
        view.verticalScrollBar().valueChanged.connect(lambda _v: self.hide())
        view.horizontalScrollBar().valueChanged.connect(lambda _v: self.hide())
        return surface

    @property
    def overlay(self) -> ScrubOverlay:
        """The scrub overlay of the view hovered last (the grid's at first)."""
        return self.overlay_of(self._surface.view)

    def overlay_of(self, view: QAbstractItemView) -> ScrubOverlay:
        surface = self._by_object[view]
        assert surface.overlay is not None, "this view has no scrub overlay"
        return surface.overlay

    # -- events -----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        surface = self._by_object.get(watched)
        if surface is None or not isValid(surface.view) or not isValid(self.popup):
            return False  # the view is being destroyed
        kind = event.type()
        if watched is surface.viewport:
            if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                if event.buttons() == Qt.MouseButton.NoButton:  # not while dragging
                    self._moved(surface, event.position().toPoint())
            elif kind in _HIDING_ON_VIEWPORT:
                self.hide()
            elif kind == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
                # The hover preview replaces the row's tooltip where it would show.
                return self._hovered(surface, event.pos()) is not None
        elif kind in _HIDING_ON_VIEW:
            self.hide()
        return False

    def hide(self) -> None:
        self.timer.stop()
        self.entry = None
        self.popup.hide()
        for surface in self.surfaces:
            if surface.overlay is not None and isValid(surface.overlay):
                surface.overlay.hide()
        self.scrubber.stop()

    def _hovered(self, surface: HoverSurface, pos: QPoint) -> QModelIndex | None:
        index = surface.view.indexAt(pos)
        if not index.isValid() or index.row() >= len(self.model.entries):
            return None
        return index if surface.area(index).contains(pos) else None

    def _moved(self, surface: HoverSurface, pos: QPoint) -> None:
        self._pos = pos
        index = self._hovered(surface, pos)
        entry = self.model.entries[index.row()] if index is not None else None
        if entry is None or (
            self.entry is not None
            and (entry.path != self.entry.path or surface is not self._surface)
        ):
            self.hide()
        if entry is None or index is None:
            return
        if self.entry is None:
            self.entry = entry
            self._surface = surface
            self.timer.start()
        if entry.kind == "video" and surface.picture is not None:
            self._scrub(surface, entry, surface.picture(index), pos)
        elif self.popup.isVisible():
            self.popup.place_near(self._global_pos())

    def _global_pos(self) -> QPoint:
        return self._surface.viewport.mapToGlobal(self._pos)

    # -- video scrub ------------------------------------------------------------------

    def _scrub(self, surface: HoverSurface, entry: FileEntry, box: QRect, pos: QPoint) -> None:
        overlay = surface.overlay
        if overlay is None or box.isEmpty():
            return
        fraction = (pos.x() - box.left()) / max(1, box.width())
        fraction = min(max(fraction, 0.0), 1.0)
        overlay.setGeometry(box)
        overlay.fraction = fraction
        image = self.scrubber.request(entry.path, fraction)
        if image is None:
            image = self.scrubber.nearest(entry.path, bucket_of(fraction))
        if image is not None or entry.path not in self.scrubber.failed:
            overlay.image = image
            overlay.show()
            overlay.raise_()
            overlay.update()
        if self.popup.isVisible() and image is not None:
            self.popup.set_image(QPixmap.fromImage(image))

    def _fraction(self) -> float:
        """Where in the hovered video to look: the scrub position, else ``STILL_AT``."""
        overlay = self._surface.overlay
        return overlay.fraction if overlay is not None else STILL_AT

    def _frame_ready(self, path: str, bucket: int) -> None:
        entry = self.entry
        if entry is None or entry.path != path:
            return
        wanted = bucket_of(self._fraction())
        if bucket != wanted and self.scrubber.frame(path, wanted) is not None:
            return  # a frame asked for earlier; the wanted one is shown already
        image = self.scrubber.frame(path, bucket)
        overlay = self._surface.overlay
        if overlay is not None and overlay.isVisible():
            overlay.image = image
            overlay.update()
        if self.popup.isVisible() and image is not None:
            self.popup.set_image(QPixmap.fromImage(image))

    # -- popup ------------------------------------------------------------------------

    def _show_popup(self) -> None:
        entry = self.entry
        session = self.session()
        if entry is None or session is None:
            return
        image: QPixmap | None = None
        if entry.kind == "video":
            # Where the view has no scrub (the list), one frame is decoded for the card.
            fraction = self._fraction()
            frame = self.scrubber.request(entry.path, fraction)
            frame = frame or self.scrubber.nearest(entry.path, bucket_of(fraction))
            image = QPixmap.fromImage(frame) if frame is not None else None
        elif entry.path in self._previews:
            cached = self._previews[entry.path]
            image = QPixmap.fromImage(cached) if cached is not None else None
        image = image or self.model.loader.get(entry.path)
        self.popup.show_entry(entry, session.rating(entry.path), image)
        self.popup.place_near(self._global_pos())
        self.popup.show()
        self.tasks.run_task(self._fill(session, entry), self, "Hover preview")

    async def _fill(self, session: GallerySession, entry: FileEntry) -> None:
        if entry.kind == "image" and entry.path not in self._previews:
            image = await self.workers.in_thread(decode_preview, entry.path)
            self._previews[entry.path] = image
            while len(self._previews) > PREVIEWS_KEPT:
                self._previews.popitem(last=False)
            if self._showing(entry) and image is not None:
                self.popup.set_image(QPixmap.fromImage(image))
        meta = await session.metadata(entry.path)
        if self._showing(entry):
            self.popup.set_metadata(meta)
            self.popup.place_near(self._global_pos())

    def _showing(self, entry: FileEntry) -> bool:
        return self.popup.isVisible() and self.popup.path == entry.path
