"""Thumbnails for the gallery grid: a disk cache built in a spawn process pool.

A thumbnail lives at ``cache_dir/thumbs/<sha1 of path+size+mtime>.jpg`` (256 px). It is
made by ``core.gallery.thumbnails.make_thumbnails`` (Qt-free, so the spawn workers import
only it and Pillow), a few files per process call, and read back into ``QImage`` objects
in a worker thread, a batch at a time; nothing is decoded on the UI thread. In memory
they are ``QPixmap`` objects in an LRU capped by bytes.

Each :meth:`ThumbnailLoader.request` replaces the queue: the rows on screen first, then
the look-ahead rows, and rows the user has scrolled past are dropped before any work is
spent on them. Results are handed out in batches (``batch_ready``), so a screenful of
tiles costs the view a few repaints, not one per tile.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.gallery.thumbnails import (
    THUMB_PX,
    make_thumbnails,
    thumb_file,
    warm_up,
)

MEMORY_BYTES = 192 * 1024 * 1024  # pixmaps kept in memory (about 750 tiles of 256 px)
READ_BATCH = 16  # cached thumbnails read per thread call
READ_SLOTS = 1  # thread calls reading the cache at once (one: the UI thread needs the GIL)
MAKE_BATCH = 4  # thumbnails made per process call
MAKE_SLOTS = 2  # process calls at once (the pool has 2 workers)

Item = tuple[str, str, int, float]  # path, kind, size, mtime


def _read_images(files: Sequence[Path]) -> list[QImage | None]:
    """Decode cached thumbnails (worker thread; QImage is safe off the UI thread)."""
    images: list[QImage | None] = []
    for file in files:
        image = QImage(str(file))
        images.append(None if image.isNull() else image)
    return images


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


def _bytes(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * max(1, pixmap.depth() // 8)


class ThumbnailLoader(QObject):
    """Loads thumbnails on request.

    ``batch_ready(paths)`` is emitted once per batch of thumbnails now in memory;
    ``ready(path)`` once per thumbnail, for views that follow single files.
    """

    ready = Signal(str)
    batch_ready = Signal(list)

    def __init__(
        self, cache_dir: Path, tasks: TaskManager, workers: Workers, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.cache_dir = cache_dir
        self.tasks = tasks
        self.workers = workers
        self.memory_limit = MEMORY_BYTES
        self.memory_bytes = 0
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._shown: dict[str, Path] = {}  # path -> the thumbnail file of its pixmap
        # Keyed by thumbnail file (path + size + mtime): a file rewritten is tried anew.
        self._failed: set[Path] = set()
        self._uncached: set[Path] = set()  # known to have no thumbnail on disk yet
        self._read_queue: OrderedDict[str, Path] = OrderedDict()  # path -> thumbnail file
        self._make_queue: OrderedDict[str, Path] = OrderedDict()
        self._wanted: set[str] = set()  # the paths of the latest request
        self._running: set[str] = set()
        self._reading = 0
        self._making = 0
        self._done: list[str] = []
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._emit_done)
        self.made = 0  # thumbnails built (not read from the disk cache)
        self.read = 0  # thumbnails read from the disk cache

    # -- what views call ----------------------------------------------------------------

    def get(self, path: str) -> QPixmap | None:
        pixmap = self._memory.get(path)
        if pixmap is not None:
            self._memory.move_to_end(path)
        return pixmap

    def request(self, items: Iterable[Item], ahead: Iterable[Item] = ()) -> None:
        """Load the thumbnails of ``items`` (on screen, top first), then of ``ahead``.

        Replaces what was queued before: tiles no longer wanted are never loaded.
        """
        read: OrderedDict[str, Path] = OrderedDict()
        make: OrderedDict[str, Path] = OrderedDict()
        wanted: set[str] = set()
        for group in (items, ahead):
            for path, kind, size, mtime in group:
                if kind != "image":
                    continue
                dest = thumb_file(self.cache_dir, path, size, mtime)
                if dest in self._failed or self._shown.get(path) == dest:
                    continue
                wanted.add(path)  # also when running: a cache miss is then made next
                if path in self._running:
                    continue
                (make if dest in self._uncached else read)[path] = dest
        self._read_queue = read
        self._make_queue = make
        self._wanted = wanted
        self._pump()

    def forget(self) -> None:
        """Drop queued work (the user moved to another folder)."""
        self._read_queue.clear()
        self._make_queue.clear()
        self._wanted = set()

    def drop_memory(self) -> None:
        """Forget the thumbnails held in memory and what is known about the disk cache."""
        self.forget()
        self._memory.clear()
        self._shown.clear()
        self.memory_bytes = 0
        self._uncached.clear()
        self._failed.clear()

    def failed(self, path: str, size: int, mtime: float) -> bool:
        """True if no thumbnail could be made for this version of the file."""
        return thumb_file(self.cache_dir, path, size, mtime) in self._failed

    def pending(self) -> int:
        """Thumbnails queued or being loaded."""
        return len(self._read_queue) + len(self._make_queue) + len(self._running)

    def warm_up(self) -> None:
        """Start the worker processes now, so the first thumbnails need not wait for them."""
        if not self.tasks.closing:
            for _ in range(MAKE_SLOTS):
                self.tasks.run_task(self._warm(), self, "Start thumbnail workers")

    async def _warm(self) -> None:
        await self.workers.in_process(warm_up)

    # -- the work -----------------------------------------------------------------------

    def _pump(self) -> None:
        if self.tasks.closing:  # the window is going away: no new thumbnails
            self.forget()
            return
        while self._read_queue and self._reading < READ_SLOTS:
            self._reading += 1
            self.tasks.run_task(self._read(self._take(self._read_queue, READ_BATCH)), self)
        while self._make_queue and self._making < MAKE_SLOTS:
            self._making += 1
            self.tasks.run_task(self._make(self._take(self._make_queue, MAKE_BATCH)), self)

    def _take(self, queue: OrderedDict[str, Path], count: int) -> list[tuple[str, Path]]:
        batch: list[tuple[str, Path]] = []
        while queue and len(batch) < count:
            path, dest = queue.popitem(last=False)
            self._running.add(path)
            batch.append((path, dest))
        return batch

    async def _read(self, batch: list[tuple[str, Path]]) -> None:
        misses: list[tuple[str, Path]] = []
        try:
            images = await self.workers.in_thread(_read_images, [dest for _p, dest in batch])
            for (path, dest), image in zip(batch, images, strict=True):
                if image is None:
                    self._uncached.add(dest)
                    misses.append((path, dest))
                else:
                    self.read += 1
                    self._keep(path, dest, image)
        except Exception:  # a broken thread pool: the tiles keep their placeholders
            self._failed.update(d for _p, d in batch)
        finally:
            self._reading -= 1
            self._running.difference_update(p for p, _d in batch)
        # Misses still on screen are made next, in their on-screen order.
        wanted = OrderedDict((p, d) for p, d in misses if p in self._wanted)
        if wanted:
            wanted.update((p, d) for p, d in self._make_queue.items() if p not in wanted)
            self._make_queue = wanted
        self._pump()

    async def _make(self, batch: list[tuple[str, Path]]) -> None:
        jobs = [(path, str(dest)) for path, dest in batch]
        try:
            problems = await self.workers.in_process(make_thumbnails, jobs)
            self.made += len(jobs)
            made = [(p, d) for (p, d), problem in zip(batch, problems, strict=True) if not problem]
            self._failed.update(d for (_p, d), bad in zip(batch, problems, strict=True) if bad)
            images = await self.workers.in_thread(_read_images, [d for _p, d in made])
            for (path, dest), image in zip(made, images, strict=True):
                self._uncached.discard(dest)
                if image is None:
                    self._failed.add(dest)
                else:
                    self._keep(path, dest, image)
        except Exception:  # a broken pool or file: the tiles keep their placeholders
            self._failed.update(d for _p, d in batch)
        finally:
            self._making -= 1
            self._running.difference_update(p for p, _d in batch)
        self._pump()

    def _keep(self, path: str, dest: Path, image: QImage) -> None:
        pixmap = QPixmap.fromImage(image)
        old = self._memory.pop(path, None)
        if old is not None:
            self.memory_bytes -= _bytes(old)
        self._memory[path] = pixmap
        self._shown[path] = dest
        self.memory_bytes += _bytes(pixmap)
        while self.memory_bytes > self.memory_limit and len(self._memory) > 1:
            dropped_path, dropped = self._memory.popitem(last=False)
            self._shown.pop(dropped_path, None)
            self.memory_bytes -= _bytes(dropped)
        self._done.append(path)
        if not self._flush.isActive():
            self._flush.start()

    def _emit_done(self) -> None:
        done, self._done = self._done, []
        done = [p for p in done if p in self._memory]
        if done:
            self.batch_ready.emit(done)
            for path in done:
                self.ready.emit(path)
