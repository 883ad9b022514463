"""Thumbnails for the gallery grid: a disk cache built in a spawn process pool.

A thumbnail lives at ``cache_dir/thumbs/<sha1 of path+size+mtime>.jpg`` (256 px). It is
made by ``core.gallery.thumbnails.make_thumbnail`` (Qt-free, so the spawn workers import
only it and Pillow), read back into a ``QImage`` in a worker thread, and kept in memory as a
``QPixmap`` (an LRU of a few thousand). The view asks for the rows it shows; newer
requests go first, so visible tiles win over tiles the user has scrolled past.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.gallery.thumbnails import THUMB_PX, make_thumbnail, thumb_file

MEMORY_LIMIT = 3000
CONCURRENCY = 3


def _load_image(path: Path) -> QImage | None:
    """Read a cached thumbnail (worker thread; QImage is safe off the UI thread)."""
    if not path.exists():
        return None
    image = QImage(str(path))
    return None if image.isNull() else image


def placeholder(kind: str, px: int = THUMB_PX // 2) -> QPixmap:
    """A grey tile while the thumbnail is on its way; a film strip for videos."""
    pixmap = QPixmap(px, px)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#3a3d42"))
    painter.drawRoundedRect(QRectF(4, 4, px - 8, px - 8), 6, 6)
    if kind == "video":
        painter.setBrush(QColor("#1e1f22"))
        painter.drawRect(QRectF(4, 14, px - 8, px - 28))
        painter.setBrush(QColor("#c8c8c8"))
        holes = 6
        step = (px - 8) / holes
        for i in range(holes):
            x = 4 + i * step + step / 3
            painter.drawRect(QRectF(x, 6, step / 3, 6))
            painter.drawRect(QRectF(x, px - 12, step / 3, 6))
        painter.setBrush(QColor("#e0e0e0"))
        c = px / 2
        painter.drawPolygon([_pt(c - 10, c - 12), _pt(c - 10, c + 12), _pt(c + 12, c)])
    else:
        painter.setBrush(QColor("#50545a"))
        painter.drawEllipse(QRectF(px * 0.3, px * 0.3, px * 0.14, px * 0.14))
        painter.drawPolygon(
            [_pt(px * 0.2, px * 0.72), _pt(px * 0.45, px * 0.42), _pt(px * 0.8, px * 0.72)]
        )
    painter.end()
    return pixmap


def _pt(x: float, y: float) -> QPointF:
    return QPointF(x, y)


class ThumbnailLoader(QObject):
    """Loads thumbnails on request; emits ``ready(path)`` when one is in memory."""

    ready = Signal(str)

    def __init__(
        self, cache_dir: Path, tasks: TaskManager, workers: Workers, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.cache_dir = cache_dir
        self.tasks = tasks
        self.workers = workers
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        self._queue: OrderedDict[str, tuple[str, int, float]] = OrderedDict()
        self._running: set[str] = set()
        self.made = 0  # thumbnails built (not read from the disk cache)

    def get(self, path: str) -> QPixmap | None:
        pixmap = self._memory.get(path)
        if pixmap is not None:
            self._memory.move_to_end(path)
        return pixmap

    def request(self, items: list[tuple[str, str, int, float]]) -> None:
        """``(path, kind, size, mtime)`` of the rows on screen, top first."""
        wanted = [
            (p, s, m)
            for p, kind, s, m in items
            if kind == "image"
            and p not in self._memory
            and p not in self._failed
            and p not in self._running
        ]
        # The newest request goes to the front; stale ones stay queued behind it.
        for path, size, mtime in reversed(wanted):
            self._queue[path] = (path, size, mtime)
            self._queue.move_to_end(path, last=False)
        self._pump()

    def forget(self) -> None:
        """Drop queued work (the user moved to another folder)."""
        self._queue.clear()

    def _pump(self) -> None:
        if self.tasks.closing:  # the window is going away: no new thumbnails
            self._queue.clear()
            return
        while self._queue and len(self._running) < CONCURRENCY:
            path, (src, size, mtime) = self._queue.popitem(last=False)
            self._running.add(path)
            self.tasks.run_task(self._load(src, size, mtime), self, "Thumbnail")

    async def _load(self, path: str, size: int, mtime: float) -> None:
        try:
            pixmap = await self._read_or_make(path, size, mtime)
        except asyncio.CancelledError:
            self._queue.clear()
            raise
        except Exception:  # a broken pool or file: the tile keeps its placeholder
            pixmap = None
        finally:
            self._running.discard(path)
        if pixmap is None:
            self._failed.add(path)
        else:
            self._memory[path] = pixmap
            while len(self._memory) > MEMORY_LIMIT:
                self._memory.popitem(last=False)
            self.ready.emit(path)
        self._pump()

    async def _read_or_make(self, path: str, size: int, mtime: float) -> QPixmap | None:
        dest = thumb_file(self.cache_dir, path, size, mtime)
        image = await self.workers.in_thread(_load_image, dest)
        if image is None:
            problem = await self.workers.in_process(make_thumbnail, path, str(dest))
            self.made += 1
            if problem is None:
                image = await self.workers.in_thread(_load_image, dest)
        return None if image is None else QPixmap.fromImage(image)
