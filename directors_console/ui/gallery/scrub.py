"""Video frames for hover scrubbing, decoded by one paused ``QMediaPlayer``.

Asking for a video at a relative position (0..1) rounds it to one of ``BUCKETS`` frames.
A cached frame is returned at once; otherwise the player (which decodes in its own
threads, never on the UI thread) loads the file, seeks there while paused and its
``QVideoSink`` hands back the frame, which is scaled down, cached and announced with
``frame_ready``; converting the frame to a small image runs in a worker thread.
Only the newest request is kept while a seek is in flight, so fast
mouse moves never queue up work. A handful of frames per video and a few videos are
kept in memory.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.ui.common.images import shrunk

BUCKETS = 10
FRAME_PX = 320
VIDEOS_KEPT = 8


def bucket_of(fraction: float) -> int:
    return round(min(max(fraction, 0.0), 1.0) * (BUCKETS - 1))


class FrameScrubber(QObject):
    frame_ready = Signal(str, int)  # path, bucket

    def __init__(self, tasks: TaskManager, workers: Workers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.workers = workers
        self._converting = False
        self.player = QMediaPlayer(self)
        self.sink = QVideoSink(self)
        self.player.setVideoSink(self.sink)  # no audio output: scrubbing is silent
        self.sink.videoFrameChanged.connect(self._frame)
        self.player.mediaStatusChanged.connect(self._status)
        self.player.errorOccurred.connect(lambda _e, _t: self._failed())
        self._cache: OrderedDict[str, dict[int, QImage]] = OrderedDict()
        self._source = ""
        self._loaded = False
        self._wanted: tuple[str, int] | None = None
        self._seeking: tuple[str, int, int] | None = None  # path, bucket, target ms
        self.failed: set[str] = set()

    def frame(self, path: str, bucket: int) -> QImage | None:
        frames = self._cache.get(path)
        return None if frames is None else frames.get(bucket)

    def nearest(self, path: str, bucket: int) -> QImage | None:
        """The cached frame closest to ``bucket`` (something to show meanwhile)."""
        frames = self._cache.get(path)
        if not frames:
            return None
        return frames[min(frames, key=lambda b: abs(b - bucket))]

    def request(self, path: str, fraction: float) -> QImage | None:
        bucket = bucket_of(fraction)
        cached = self.frame(path, bucket)
        if cached is not None or path in self.failed:
            return cached
        self._wanted = (path, bucket)
        if self._seeking is None:
            self._next()
        return None

    def stop(self) -> None:
        """The pointer left the videos: drop pending work, keep the cache."""
        self._wanted = None

    def _next(self) -> None:
        if self._wanted is None:
            return
        path, bucket = self._wanted
        if path != self._source:
            self._source, self._loaded = path, False
            self._seeking = (path, bucket, -1)
            self.player.setSource(QUrl.fromLocalFile(path))
            return
        if not self._loaded:
            return
        self._wanted = None
        duration = max(1, self.player.duration())
        # Stay a little before the end: seeking to the very end yields no frame.
        target = int(bucket / (BUCKETS - 1) * duration * 0.95)
        self._seeking = (path, bucket, target)
        self.player.setPosition(target)

    def _status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._failed()
        elif (
            status == QMediaPlayer.MediaStatus.LoadedMedia
            and not self._loaded
            and self._seeking is not None
            and self._seeking[0] == self._source
        ):
            self._loaded = True
            self.player.pause()
            self._seeking = None
            self._next()

    def _failed(self) -> None:
        if not self._source:
            return
        self.failed.add(self._source)
        if self._wanted is not None and self._wanted[0] == self._source:
            self._wanted = None
        self._seeking = None
        self._source = ""
        self._next()

    def _frame(self, frame: QVideoFrame) -> None:
        seeking = self._seeking
        if seeking is None or seeking[2] < 0 or self._converting or not frame.isValid():
            return
        path, bucket, target = seeking
        tolerance = max(200, self.player.duration() // BUCKETS)
        if abs(frame.startTime() // 1000 - target) > tolerance:
            return  # a frame from before the seek
        self._converting = True
        self.tasks.run_task(self._keep(frame, path, bucket), self, "Video frame")

    async def _keep(self, frame: QVideoFrame, path: str, bucket: int) -> None:
        try:
            image = await self.workers.in_thread(small_image, frame, FRAME_PX)
        finally:
            self._converting = False
        if image is None:  # undecodable here: give up on this position, serve the next
            self._seeking = None
            self._next()
            return
        self._cache.setdefault(path, {})[bucket] = image
        self._cache.move_to_end(path)
        while len(self._cache) > VIDEOS_KEPT:
            self._cache.popitem(last=False)
        self._seeking = None
        self.frame_ready.emit(path, bucket)
        self._next()


def small_image(frame: QVideoFrame, px: int) -> QImage | None:
    """The frame as an image at most ``px`` on the long side (worker thread)."""
    image = frame.toImage()
    return None if image.isNull() else shrunk(image, px)
