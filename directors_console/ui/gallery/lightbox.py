"""The lightbox: one image or video over the whole tab, with zoom, pan and playback.

The tab decodes images in a worker thread and hands over a ``QImage``; videos are
played by a ``QMediaPlayer`` (its own decoder threads) into a ``QVideoSink`` whose frames
are converted to images in a worker thread (frames are dropped while one converts) and
painted on the same :class:`ZoomCanvas`, so zoom and pan work on video too.
Audio starts muted. Keys: ←/→ step, Esc closes, + / − zoom, 0 fits, 1 shows 100 %,
Space plays/pauses a video (closes an image), M toggles mute.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QHideEvent, QImage, QKeyEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.ui.gallery.zoom import WHEEL_STEP, ZoomCanvas, show_over_parent


def clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def zoom_key(canvas: ZoomCanvas, key: int) -> bool:
    """Apply a zoom key (+, −, 0 fit, 1 actual size) to ``canvas``; True if handled."""
    if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
        canvas.zoom_by(WHEEL_STEP)
    elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
        canvas.zoom_by(1 / WHEEL_STEP)
    elif key == Qt.Key.Key_0:
        canvas.fit()
    elif key == Qt.Key.Key_1:
        canvas.actual_size()
    else:
        return False
    return True


class VideoBar(QWidget):
    """Play/pause, scrub slider, time label and mute toggle for one player."""

    def __init__(self, player: QMediaPlayer, audio: QAudioOutput, parent: QWidget) -> None:
        super().__init__(parent)
        self.player = player
        self.audio = audio
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 0, 24, 0)
        self.play_button = QToolButton()
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("LightboxScrub")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.sliderMoved.connect(player.setPosition)
        # Clicks on the groove and keys move the slider without sliderMoved.
        self.slider.actionTriggered.connect(
            lambda _a: player.setPosition(self.slider.sliderPosition())
        )
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setStyleSheet("color: #dddddd;")
        self.mute_button = QToolButton()
        self.mute_button.setCheckable(True)
        self.mute_button.setToolTip("Mute / unmute (M)")
        self.mute_button.toggled.connect(self._set_muted)
        for widget in (self.play_button, self.slider, self.time_label, self.mute_button):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(widget, 1 if widget is self.slider else 0)
        player.durationChanged.connect(self._duration)
        player.positionChanged.connect(self._position)
        player.playbackStateChanged.connect(lambda _s: self._show_state())
        self.mute_button.setChecked(True)
        self._show_state()

    def toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def _set_muted(self, muted: bool) -> None:
        self.audio.setMuted(muted)
        self.mute_button.setText("🔇 Muted" if muted else "🔊 Sound")

    def _duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, ms))
        self._position(self.player.position())

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time_label.setText(f"{clock(ms)} / {clock(self.player.duration())}")

    def _show_state(self) -> None:
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("⏸ Pause" if playing else "▶ Play")


class Lightbox(QWidget):
    step = Signal(int)  # -1 previous, +1 next

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryLightbox")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.caption = ""
        self.video_path: str | None = None
        self._tasks: TaskManager | None = None
        self._workers: Workers | None = None
        self._converting = False
        self._made_full_screen = False  # F put the window in full screen; Esc undoes it
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.audio.setMuted(True)
        self.player.setAudioOutput(self.audio)
        self.sink = QVideoSink(self)
        self.player.setVideoSink(self.sink)
        self.sink.videoFrameChanged.connect(self._frame)
        self.player.errorOccurred.connect(lambda _e, text: self._video_failed(text))
        self._build()
        self.hide()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 8)
        top = QHBoxLayout()
        top.addStretch(1)
        self.zoom_label = QLabel()
        self.zoom_label.setStyleSheet("color: #a0a4aa;")
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close (Esc)")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.close_lightbox)
        top.addWidget(self.zoom_label)
        top.addSpacing(12)
        top.addWidget(close)
        top.setContentsMargins(24, 0, 16, 0)
        layout.addLayout(top)
        self.canvas = ZoomCanvas(self, margin=16)
        self.canvas.setFocusProxy(self)
        self.canvas.view_changed.connect(lambda *_: self._show_zoom())
        layout.addWidget(self.canvas, 1)
        self.video_bar = VideoBar(self.player, self.audio, self)
        layout.addWidget(self.video_bar)
        self.caption_label = QLabel()
        self.caption_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption_label.setStyleSheet("color: #dddddd;")
        layout.addWidget(self.caption_label)
        self.video_bar.hide()

    # -- compatibility with the tab's first lightbox ------------------------------------

    @property
    def _pixmap(self) -> QPixmap | None:
        return self.canvas.pixmap

    # -- content ----------------------------------------------------------------------

    def open_on(self, caption: str) -> None:
        self._stop_video()
        self.canvas.set_image(None)
        self.canvas.message = "Loading…"
        self._set_caption(caption)
        show_over_parent(self)

    def show_image(self, image: QImage | None, caption: str) -> None:
        self.canvas.message = "No preview for this file."
        self.canvas.set_image(image)
        self._set_caption(caption)
        self._show_zoom()

    def show_video(self, path: str, caption: str) -> None:
        """Play ``path`` (muted) on the canvas with the transport bar shown."""
        self._stop_video()
        self.video_path = path
        self.canvas.message = "Loading video…"
        self.canvas.set_image(None)
        self._set_caption(caption)
        self.video_bar.show()
        self.video_bar.mute_button.setChecked(True)
        self.player.setSource(QUrl.fromLocalFile(path))
        self.player.setLoops(QMediaPlayer.Loops.Infinite)  # short clips: keep looping
        self.player.play()

    def use_workers(self, tasks: TaskManager, workers: Workers) -> None:
        """Convert video frames in a worker thread (frames are dropped while one is)."""
        self._tasks, self._workers = tasks, workers

    def _frame(self, frame: QVideoFrame) -> None:
        if self.video_path is None or not frame.isValid() or self._converting:
            return
        if self._tasks is None or self._workers is None:
            self._show_frame(self.video_path, frame.toImage())
            return
        self._converting = True
        self._tasks.run_task(self._convert(self.video_path, frame), self, "Video frame")

    async def _convert(self, path: str, frame: QVideoFrame) -> None:
        assert self._workers is not None
        try:
            image = await self._workers.in_thread(frame.toImage)
        finally:
            self._converting = False
        self._show_frame(path, image)

    def _show_frame(self, path: str, image: QImage) -> None:
        if path != self.video_path or image.isNull():
            return
        first = self.canvas.pixmap is None
        self.canvas.set_image(image, keep_view=not first)
        if first:
            self._show_zoom()

    def _video_failed(self, text: str) -> None:
        if self.video_path is not None:
            self.canvas.message = f"Cannot play this video: {text}"
            self.canvas.update()

    def _stop_video(self) -> None:
        if self.video_path is not None:
            self.video_path = None
            self.player.stop()
            self.player.setSource(QUrl())
        self.video_bar.hide()

    def close_lightbox(self) -> None:
        self._stop_video()
        if self._made_full_screen:
            self.toggle_full_screen()
        self.hide()

    def toggle_full_screen(self) -> None:
        """F: the whole screen for the picture; again (or closing) gives the window back."""
        window = self.window()
        if self._made_full_screen or window.isFullScreen():
            self._made_full_screen = False
            window.showNormal()
        else:
            self._made_full_screen = True
            window.showFullScreen()

    def _set_caption(self, caption: str) -> None:
        self.caption = caption
        hint = (
            "← → next/previous · wheel or +/− zoom · 0 fit · 1 actual size"
            " · drag to pan · F full screen · Esc closes"
        )
        if self.video_path is not None:
            hint = "Space play/pause · M mute · " + hint
        self.caption_label.setText(f"{caption}\n{hint}")

    def _show_zoom(self) -> None:
        if self.canvas.pixmap is None:
            self.zoom_label.setText("")
        else:
            self.zoom_label.setText(f"{self.canvas.scale() * 100:.0f} %")

    # -- events -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close_lightbox()
        elif key == Qt.Key.Key_Space:
            if self.video_path is not None:
                self.video_bar.toggle_play()
            else:
                self.close_lightbox()
        elif key in (Qt.Key.Key_F, Qt.Key.Key_F11):
            self.toggle_full_screen()
        elif key == Qt.Key.Key_M and self.video_path is not None:
            self.video_bar.mute_button.toggle()
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.step.emit(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.step.emit(-1)
        elif not zoom_key(self.canvas, key):
            super().keyPressEvent(event)
            return
        event.accept()

    def hideEvent(self, event: QHideEvent) -> None:
        self._stop_video()
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(10, 10, 12, 240))
        painter.end()
