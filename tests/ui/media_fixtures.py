"""Real small videos for gallery tests, encoded by Qt Multimedia (its bundled FFmpeg).

Each frame has its own hue and a white bar that moves left to right, so a frame
decoded near the start of the clip looks clearly different from one near the end.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QSize, QUrl
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import (
    QMediaCaptureSession,
    QMediaFormat,
    QMediaRecorder,
    QVideoFrame,
    QVideoFrameInput,
)

FPS = 12


def frame_image(k: int, frames: int, size: QSize) -> QImage:
    image = QImage(size, QImage.Format.Format_RGBA8888)
    image.fill(QColor.fromHsv(int(300 * k / frames), 220, 230))
    painter = QPainter(image)
    bar = max(8, size.width() // 8)
    x = int((size.width() - bar) * k / max(1, frames - 1))
    painter.fillRect(x, size.height() // 5, bar, size.height() * 3 // 5, QColor("white"))
    painter.end()
    return image


async def make_mp4(path: Path, frames: int = 24, size: QSize | None = None) -> Path:
    """Encode ``frames`` frames at 12 fps into an MPEG-4 ``path`` (runs on the loop)."""
    size = size or QSize(160, 96)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = QVideoFrameInput()
    session = QMediaCaptureSession()
    session.setVideoFrameInput(source)
    recorder = QMediaRecorder()
    session.setRecorder(recorder)
    fmt = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
    fmt.setVideoCodec(QMediaFormat.VideoCodec.MPEG4)
    recorder.setMediaFormat(fmt)
    recorder.setVideoFrameRate(FPS)
    recorder.setVideoResolution(size)
    recorder.setOutputLocation(QUrl.fromLocalFile(str(path)))
    sent = [0]
    errors: list[str] = []
    recorder.errorOccurred.connect(lambda _e, text: errors.append(text))

    def send() -> None:
        while sent[0] < frames:
            k = sent[0]
            frame = QVideoFrame(frame_image(k, frames, size))
            frame.setStartTime(int(k * 1e6 / FPS))
            frame.setEndTime(int((k + 1) * 1e6 / FPS))
            if not source.sendVideoFrame(frame):
                return  # readyToSendVideoFrame calls again
            sent[0] += 1
        recorder.stop()

    source.readyToSendVideoFrame.connect(send)
    recorder.recorderStateChanged.connect(
        lambda state: send() if state == QMediaRecorder.RecorderState.RecordingState else None
    )
    recorder.record()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while recorder.recorderState() != QMediaRecorder.RecorderState.StoppedState or sent[0] == 0:
        if errors or loop.time() > deadline:
            raise AssertionError(f"could not encode a test video: {errors or 'timeout'}")
        await asyncio.sleep(0.02)
    assert path.exists() and path.stat().st_size > 1000, "the test video is empty"
    return path
