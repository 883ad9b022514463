"""Undo commands for Prompt Studio: one command per user change of the shot configuration."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from directors_console.core.cinema import ShotConfig

NO_MERGE = -1
MERGE_SUBJECT = 1001  # typing in one text field becomes one undo step
MERGE_SCENE = 1002


class ConfigChange(QUndoCommand):
    """Replace the whole configuration; undo puts the previous one back."""

    def __init__(
        self,
        show: Callable[[ShotConfig], None],
        before: ShotConfig,
        after: ShotConfig,
        text: str,
        merge_id: int = NO_MERGE,
    ) -> None:
        super().__init__(text)
        self._show = show
        self.before = before
        self.after = after
        self._merge_id = merge_id

    def redo(self) -> None:
        self._show(self.after)

    def undo(self) -> None:
        self._show(self.before)

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ConfigChange) or other.id() != self._merge_id:
            return False
        self.after = other.after
        return True
