"""The Video tab: image-to-video and playback."""

from directors_console.ui.video.tab import VideoTab

__all__ = ["VideoTab"]
