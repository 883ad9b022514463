"""What every gallery view shares: the keys (0–5 rate, Del, F2, Space) and index facts.

:func:`gallery_key` turns a key press into the view's ``rate_requested``,
``trash_requested``, ``rename_requested`` or ``lightbox_requested`` signal, for the
grid and every other view. :class:`ListingInfo` holds what the search index knows about the listed
files (dimensions, seed, model), keyed by the rows' absolute paths (no conversion per
row: the masonry looks up 100,000 of them per layout).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from directors_console.core.gallery.arrange import FileInfo


def gallery_key(view: Any, event: QKeyEvent) -> bool:
    """Handle a gallery key for ``view`` (which has the four signals); False if not ours."""
    key = event.key()
    plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if Qt.Key.Key_0 <= key <= Qt.Key.Key_5 and plain:
        view.rate_requested.emit(key - Qt.Key.Key_0)
    elif key == Qt.Key.Key_Delete:
        view.trash_requested.emit()
    elif key == Qt.Key.Key_F2:
        view.rename_requested.emit()
    elif key == Qt.Key.Key_Space:
        view.lightbox_requested.emit()
    else:
        return False
    event.accept()
    return True


class ListingInfo:
    """Index facts about the listed files; empty until the tab has read them."""

    def __init__(self) -> None:
        self.by_path: dict[str, FileInfo] = {}

    def set(self, info: Mapping[str, FileInfo]) -> None:
        self.by_path = dict(info)

    def get(self, path: str) -> FileInfo | None:
        return self.by_path.get(path)
