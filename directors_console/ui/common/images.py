"""Small image helpers shared by the tabs (a QImage may be handled in a worker thread,
a QPixmap only on the UI thread)."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

Picture = TypeVar("Picture", QImage, QPixmap)


def shrunk(image: Picture, longest: int) -> Picture:
    """``image`` at most ``longest`` pixels on its long side (smoothly scaled, aspect kept);
    a smaller image is returned as it is."""
    if max(image.width(), image.height()) <= longest:
        return image
    return image.scaled(
        longest,
        longest,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
