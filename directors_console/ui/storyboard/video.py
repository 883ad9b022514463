"""Inline video playback in a panel: one player for the whole board.

A click on a video panel's play button puts a ``QGraphicsVideoItem`` over the panel's
image and plays the file there, muted and looping; a click on the playing video pauses
it, the next one resumes. Starting another panel stops the first, so only one panel
plays at a time. The player and its video item are made on the first play (loading
QtMultimedia costs time the canvas should not pay at start-up). Playback stops when
its panel leaves the board, changes version, or the project closes (:meth:`stop`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
    from PySide6.QtMultimediaWidgets import QGraphicsVideoItem

    from directors_console.ui.storyboard.media import PanelMedia
    from directors_console.ui.storyboard.panel_item import PanelItem

PLAY_RADIUS = 18.0


def paint_play_button(painter: QPainter, centre: QPointF, radius: float = PLAY_RADIUS) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 150))
    painter.drawEllipse(centre, radius, radius)
    painter.setBrush(QColor("#ffffff"))
    r = radius * 0.42
    painter.drawPolygon(
        QPolygonF(
            [
                QPointF(centre.x() - r * 0.7, centre.y() - r),
                QPointF(centre.x() - r * 0.7, centre.y() + r),
                QPointF(centre.x() + r, centre.y()),
            ]
        )
    )


class _PausedBadge(QGraphicsItem):
    """The play button drawn over a paused video (the video item paints over the panel)."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.centre = QPointF()

    def boundingRect(self) -> QRectF:
        r = PLAY_RADIUS + 1
        return QRectF(self.centre.x() - r, self.centre.y() - r, 2 * r, 2 * r)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        paint_play_button(painter, self.centre)


class PanelPlayer(QObject):
    """Plays the current video of at most one panel at a time."""

    def __init__(self, media: PanelMedia) -> None:
        super().__init__()
        self._media = media
        self.item: PanelItem | None = None
        self.path = ""
        self._player: QMediaPlayer | None = None
        self._audio: QAudioOutput | None = None
        self._video: QGraphicsVideoItem | None = None
        self._badge: _PausedBadge | None = None
        self._wanted = False

    @property
    def player(self) -> QMediaPlayer | None:
        return self._player

    @property
    def playing(self) -> bool:
        """Whether the user wants it playing (the player may still be loading the file)."""
        return self.item is not None and self._wanted

    def toggle(self, item: PanelItem) -> None:
        """Play ``item``'s video, or pause/resume it if it is the one playing."""
        if self.item is item and self._player is not None:
            self._wanted = not self._wanted
            if self._wanted:
                self._player.play()
            else:
                self._player.pause()
            self._show_state()
            return
        self.stop()
        self._start(item)

    @property
    def muted(self) -> bool:
        return self._audio is None or self._audio.isMuted()

    def toggle_mute(self) -> bool:
        """Sound on or off for the playing video (it starts muted); False if none plays."""
        if self.item is None or self._audio is None:
            return False
        self._audio.setMuted(not self._audio.isMuted())
        return True

    def _ensure(self) -> QMediaPlayer:
        if self._player is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            self._player = QMediaPlayer(self)
            self._audio = QAudioOutput(self)
            self._audio.setMuted(True)
            self._player.setAudioOutput(self._audio)
            self._player.setLoops(QMediaPlayer.Loops.Infinite)
            self._player.errorOccurred.connect(self._on_error)
        return self._player

    def _start(self, item: PanelItem) -> None:
        from PySide6.QtMultimediaWidgets import QGraphicsVideoItem

        path = item.model.image
        if not path:
            return
        player = self._ensure()
        video = QGraphicsVideoItem(item)
        video.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        video.setZValue(10)
        self._video = video
        self._badge = _PausedBadge(video)
        self._badge.setZValue(1)
        self.item = item
        self.path = path
        item.video_active = True
        self.place()
        player.setVideoOutput(video)
        player.setSource(QUrl.fromLocalFile(self._media.absolute(path)))
        self._wanted = True
        player.play()
        self._show_state()
        item.update()

    def place(self) -> None:
        """Fit the video to its panel's image area (after a move, resize or layout change)."""
        if self.item is None or self._video is None or self._badge is None:
            return
        area = self.item.image_rect()
        self._video.setPos(area.topLeft())
        self._video.setSize(area.size())
        self._badge.prepareGeometryChange()
        self._badge.centre = QPointF(area.width() / 2, area.height() / 2)

    def _show_state(self) -> None:
        if self._badge is not None:
            self._badge.setVisible(not self.playing)

    def stop(self) -> None:
        """Stop playback and take the video off its panel."""
        item, video = self.item, self._video
        self.item, self._video, self._badge, self.path = None, None, None, ""
        self._wanted = False
        if self._player is not None:
            self._player.stop()
            self._player.setVideoOutput(None)  # type: ignore[arg-type]  # detaches
            self._player.setSource(QUrl())
        if video is not None:
            if video.scene() is not None:
                video.scene().removeItem(video)
            video.deleteLater()
        if item is not None:
            item.video_active = False
            item.update()

    def _on_error(self, *_args: object) -> None:
        item, path = self.item, self.path
        self.stop()
        if item is not None and path:
            self._media.mark_failed(path)
            item.update()
