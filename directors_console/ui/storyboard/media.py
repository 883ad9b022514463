"""Small pictures for panels: version thumbnails and the first frame of each video.

Panel items ask :class:`PanelMedia` while they paint; it answers at once with what it has
(or ``None``) and fetches the rest in the background, then repaints the panels that
asked. Stills are decoded in a worker thread (``QImageReader`` at reduced size). The
first frame of a video comes from one reused ``QMediaPlayer`` + ``QVideoSink``: FFmpeg
decodes in its own threads and the frame arrives as a queued signal, so the UI thread
never waits. Videos that give no frame within a few seconds keep a drawn video tile.
Nothing loads until :meth:`PanelMedia.attach` hands over the program's task manager and
workers (the benchmark and bare scenes draw tiles only).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QImage, QImageReader

from directors_console.core.storyboard.naming import VIDEO_EXTENSIONS

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink

    from directors_console.bridge.tasks import TaskManager
    from directors_console.bridge.threads import Workers

THUMB_PX = 160  # longest side of a strip thumbnail (crisp up to ~4x zoom)
POSTER_PX = 640  # the first frame shown as the panel image
MEMORY_LIMIT = 800  # thumbnails kept in memory (about 20 kB each)
POSTER_LIMIT = 64  # first frames kept in memory (up to 1.6 MB each)
FRAME_TIMEOUT_MS = 4000


class _Repaint(Protocol):
    """What the media needs of the scene: its folder and its items by panel id."""

    folder: Path | None

    @property
    def items_by_id(self) -> Mapping[str, _Item]: ...


class _Item(Protocol):
    def update(self) -> None: ...


def is_video(path: str | None) -> bool:
    return bool(path) and Path(str(path)).suffix.lower() in VIDEO_EXTENSIONS


def read_thumbnail(path: str, px: int = THUMB_PX) -> QImage | None:
    """Decode a still at thumbnail size (worker thread; QImage is thread-safe)."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > px:
        reader.setScaledSize(size.scaled(px, px, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


def read_thumbnails(paths: list[str]) -> list[tuple[str, QImage | None]]:
    return [(p, read_thumbnail(p)) for p in paths]


def _small(image: QImage, px: int) -> QImage:
    if max(image.width(), image.height()) <= px:
        return image
    return image.scaled(
        px, px, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class PanelMedia(QObject):
    """Thumbnail and first-frame cache for the panels of one scene."""

    def __init__(self, scene: _Repaint) -> None:
        super().__init__()
        self._scene = scene
        self._tasks: TaskManager | None = None
        self._workers: Workers | None = None
        self._thumbs: OrderedDict[str, QImage] = OrderedDict()
        self._posters: OrderedDict[str, QImage] = OrderedDict()
        self._failed: set[str] = set()
        self._waiting: dict[str, set[str]] = {}  # absolute path -> panel ids to repaint
        self._still_queue: list[str] = []
        self._video_queue: list[str] = []
        self._grabbing = ""
        self._player: QMediaPlayer | None = None
        self._sink: QVideoSink | None = None
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(FRAME_TIMEOUT_MS)
        self._timeout.timeout.connect(self._grab_failed)

    def attach(self, tasks: TaskManager, workers: Workers) -> None:
        self._tasks = tasks
        self._workers = workers

    def absolute(self, path: str) -> str:
        p = Path(path)
        folder = self._scene.folder
        return str(p if p.is_absolute() or folder is None else folder / p)

    def clear(self) -> None:
        """Forget everything (another project opened)."""
        self._thumbs.clear()
        self._posters.clear()
        self._failed.clear()
        self._waiting.clear()
        self._still_queue.clear()
        self._video_queue.clear()
        self._stop_grab()

    # -- what panels ask while painting ---------------------------------------------------------

    def thumbnail(self, path: str, panel_id: str) -> QImage | None:
        """A small picture of a still or a video's first frame; None while it loads."""
        absolute = self.absolute(path)
        image = self._thumbs.get(absolute)
        if image is not None:
            self._thumbs.move_to_end(absolute)
            return image
        poster = self._posters.get(absolute)
        if poster is not None:  # its thumbnail was dropped from memory; the frame was not
            self._thumbs[absolute] = image = _small(poster, THUMB_PX)
            return image
        self._want(absolute, panel_id)
        return None

    def poster(self, path: str, panel_id: str) -> QImage | None:
        """The first frame of a video at panel size; None while it loads or if it failed."""
        absolute = self.absolute(path)
        image = self._posters.get(absolute)
        if image is None:
            self._want(absolute, panel_id)
        else:
            self._posters.move_to_end(absolute)
        return image

    def cached_poster(self, path: str) -> QImage | None:
        """The first frame if it is already here; never starts a load (overview paints)."""
        return self._posters.get(self.absolute(path))

    def failed(self, path: str) -> bool:
        return self.absolute(path) in self._failed

    def _want(self, absolute: str, panel_id: str) -> None:
        if absolute in self._failed or self._tasks is None:
            return
        waiting = self._waiting.get(absolute)
        if waiting is not None:
            waiting.add(panel_id)
            return
        self._waiting[absolute] = {panel_id}
        if is_video(absolute):
            self._video_queue.append(absolute)
            QTimer.singleShot(0, self, self._next_grab)
        else:
            self._still_queue.append(absolute)
            if len(self._still_queue) == 1:
                # Collect the requests of one paint pass into one worker call.
                QTimer.singleShot(0, self, self._load_stills)

    def _done(self, absolute: str, thumb: QImage | None) -> None:
        if thumb is None:
            self._failed.add(absolute)
        else:
            self._thumbs[absolute] = thumb
            while len(self._thumbs) > MEMORY_LIMIT:
                self._thumbs.popitem(last=False)
        self._repaint(self._waiting.pop(absolute, set()))

    def _repaint(self, panel_ids: Iterable[str]) -> None:
        items = self._scene.items_by_id
        for panel_id in panel_ids:
            item = items.get(panel_id)
            if item is not None:
                item.update()

    # -- stills -----------------------------------------------------------------------------------

    def _load_stills(self) -> None:
        paths, self._still_queue = self._still_queue, []
        if not paths or self._tasks is None or self._workers is None:
            return
        self._tasks.run_task(self._read(paths), self, "Loading version thumbnails")

    async def _read(self, paths: list[str]) -> None:
        assert self._workers is not None
        for path, image in await self._workers.in_thread(read_thumbnails, paths):
            if path in self._waiting:
                self._done(path, image)

    # -- videos: one grab at a time ---------------------------------------------------------------

    def _ensure_player(self) -> QMediaPlayer:
        # Imported on first use: QtMultimedia loads FFmpeg, which the canvas rarely needs.
        from PySide6.QtMultimedia import QMediaPlayer, QVideoSink

        if self._player is None:
            self._player = QMediaPlayer(self)
            self._player.errorOccurred.connect(self._on_error)
        # A new sink per file, so a late frame of the last file is told apart (sender()).
        self._sink = QVideoSink(self)
        self._sink.videoFrameChanged.connect(self._on_frame)
        self._player.setVideoSink(self._sink)
        return self._player

    def _next_grab(self) -> None:
        if self._grabbing or not self._video_queue:
            return
        self._grabbing = self._video_queue.pop(0)
        if not Path(self._grabbing).is_file():
            self._grab_failed()
            return
        player = self._ensure_player()
        player.setSource(QUrl.fromLocalFile(self._grabbing))
        player.play()
        self._timeout.start()

    @Slot(object)
    def _on_frame(self, frame: QVideoFrame) -> None:
        # Frames are queued: one from the previous file may still arrive after a switch.
        if not self._grabbing or self.sender() is not self._sink or not frame.isValid():
            return
        image = frame.toImage()
        if image.isNull():
            return
        path = self._grabbing
        self._stop_grab()
        poster = _small(image, POSTER_PX)
        self._posters[path] = poster
        while len(self._posters) > POSTER_LIMIT:
            self._posters.popitem(last=False)
        self._done(path, _small(poster, THUMB_PX))
        self._next_grab()

    @Slot()
    def _on_error(self, *_args: object) -> None:
        if self._grabbing:
            self._grab_failed()

    def _grab_failed(self) -> None:
        path = self._grabbing
        self._stop_grab()
        if path:
            self._done(path, None)
        self._next_grab()

    def _stop_grab(self) -> None:
        self._timeout.stop()
        self._grabbing = ""
        if self._player is not None:
            self._player.stop()
            self._player.setSource(QUrl())
        if self._sink is not None:
            self._sink.videoFrameChanged.disconnect(self._on_frame)
            self._sink.deleteLater()
            self._sink = None

    def mark_failed(self, path: str) -> None:
        """A file that would not play: draw its tile, do not try it again this session."""
        self._failed.add(self.absolute(path))
