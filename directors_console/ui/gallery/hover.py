"""Hover preview and video hover-scrub for the thumbnail grid.

:class:`HoverController` is an event filter on the grid's viewport (the grid itself is
left alone). Resting the pointer on a tile for ``DELAY_MS`` shows a :class:`HoverPopup`
near the cursor: the image at up to 512 px (decoded in a worker thread at reduced size),
name, pixel and file size, rating and a prompt excerpt (metadata read in a worker).
Leaving the tile, scrolling, clicking or any key hides it. Moving across a video tile
shows the frame at that relative position in a :class:`ScrubOverlay` over the tile,
frames coming from a :class:`FrameScrubber`. The grid's own tooltip is replaced.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QImageReader,
    QMouseEvent,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.gallery.metadata import MediaMetadata
from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery.grid import ICON, GalleryGrid, human_size
from directors_console.ui.gallery.scrub import FrameScrubber, bucket_of
from directors_console.ui.gallery.session import GallerySession

DELAY_MS = 500
PREVIEW_PX = 512
PREVIEWS_KEPT = 24
PROMPT_CHARS = 220


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
    """Where the delegate draws a tile's picture (see ``grid.TileDelegate``)."""
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
            if max(image.width(), image.height()) > PREVIEW_PX:
                image = image.scaled(
                    PREVIEW_PX,
                    PREVIEW_PX,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
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


class ScrubOverlay(QWidget):
    """Drawn over a video tile's picture: the scrubbed frame and a position bar."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.image: QImage | None = None
        self.fraction = 0.0
        self.hide()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1e1f22"))
        if self.image is not None and not self.image.isNull():
            size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(QPoint(0, 0), size)
            target.moveCenter(self.rect().center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self.image)
        bar = QRect(0, self.height() - 4, int(self.width() * self.fraction), 4)
        painter.fillRect(bar, QColor("#e0a800"))
        painter.end()


class HoverController(QObject):
    """Watches the grid's viewport; shows the popup and the scrub overlay."""

    def __init__(
        self,
        grid: GalleryGrid,
        tasks: TaskManager,
        workers: Workers,
        session: Callable[[], GallerySession | None],
    ) -> None:
        super().__init__(grid)
        self.grid = grid
        self.tasks = tasks
        self.workers = workers
        self.session = session
        self.popup = HoverPopup(grid)
        self.overlay = ScrubOverlay(grid.viewport())
        self.scrubber = FrameScrubber(tasks, workers, self)
        self.scrubber.frame_ready.connect(self._frame_ready)
        self._previews: OrderedDict[str, QImage | None] = OrderedDict()
        self.entry: FileEntry | None = None
        self._pos = QPoint()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self._show_popup)
        self._viewport = grid.viewport()
        self._viewport.setMouseTracking(True)
        self._viewport.installEventFilter(self)
        grid.installEventFilter(self)
        grid.verticalScrollBar().valueChanged.connect(lambda _v: self.hide())
        grid.file_model.modelReset.connect(self.hide)

    # -- events -----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isValid(self.grid) or not isValid(self.popup):
            return False  # the grid is being destroyed
        kind = event.type()
        if watched is self._viewport:
            if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                if event.buttons() == Qt.MouseButton.NoButton:  # not while dragging
                    self._moved(event.position().toPoint())
            elif kind in (QEvent.Type.Leave, QEvent.Type.Wheel, QEvent.Type.MouseButtonPress):
                self.hide()
            elif kind == QEvent.Type.ToolTip:
                return True  # the hover preview replaces the tile tooltip
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.FocusOut, QEvent.Type.Hide):
            self.hide()
        return False

    def hide(self) -> None:
        self.timer.stop()
        self.entry = None
        self.popup.hide()
        self.overlay.hide()
        self.scrubber.stop()

    def _moved(self, pos: QPoint) -> None:
        self._pos = pos
        index = self.grid.indexAt(pos)
        entry = self.grid.file_model.entries[index.row()] if index.isValid() else None
        if entry is None or (self.entry is not None and entry.path != self.entry.path):
            self.hide()
        if entry is None:
            return
        if self.entry is None:
            self.entry = entry
            self.timer.start()
        if entry.kind == "video":
            self._scrub(entry, self.grid.visualRect(index), pos)
        elif self.popup.isVisible():
            self.popup.place_near(self.grid.viewport().mapToGlobal(pos))

    # -- video scrub ------------------------------------------------------------------

    def _scrub(self, entry: FileEntry, rect: QRect, pos: QPoint) -> None:
        box = tile_box(rect)
        fraction = (pos.x() - box.left()) / max(1, box.width())
        fraction = min(max(fraction, 0.0), 1.0)
        self.overlay.setGeometry(box)
        self.overlay.fraction = fraction
        image = self.scrubber.request(entry.path, fraction)
        if image is None:
            image = self.scrubber.nearest(entry.path, bucket_of(fraction))
        if image is not None or entry.path not in self.scrubber.failed:
            self.overlay.image = image
            self.overlay.show()
            self.overlay.raise_()
            self.overlay.update()
        if self.popup.isVisible() and image is not None:
            self.popup.set_image(QPixmap.fromImage(image))

    def _frame_ready(self, path: str, bucket: int) -> None:
        entry = self.entry
        if entry is None or entry.path != path or not self.overlay.isVisible():
            return
        wanted = bucket_of(self.overlay.fraction)
        if bucket == wanted or self.scrubber.frame(path, wanted) is None:
            image = self.scrubber.frame(path, bucket)
            self.overlay.image = image
            self.overlay.update()
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
            frame = self.scrubber.nearest(entry.path, bucket_of(self.overlay.fraction))
            image = QPixmap.fromImage(frame) if frame is not None else None
        elif entry.path in self._previews:
            cached = self._previews[entry.path]
            image = QPixmap.fromImage(cached) if cached is not None else None
        image = image or self.grid.file_model.loader.get(entry.path)
        self.popup.show_entry(entry, session.rating(entry.path), image)
        self.popup.place_near(self.grid.viewport().mapToGlobal(self._pos))
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
            self.popup.place_near(self.grid.viewport().mapToGlobal(self._pos))

    def _showing(self, entry: FileEntry) -> bool:
        return self.popup.isVisible() and self.popup.path == entry.path
