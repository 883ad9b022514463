"""Storyboard core: the panel/board model, naming and versions, layout maths, the store."""

from directors_console.core.storyboard.model import (
    Board,
    BoardSettings,
    HistoryEntry,
    MediaKind,
    Panel,
    PanelStatus,
)
from directors_console.core.storyboard.store import StoryboardStore

__all__ = [
    "Board",
    "BoardSettings",
    "HistoryEntry",
    "MediaKind",
    "Panel",
    "PanelStatus",
    "StoryboardStore",
]
