"""Undo for the Gallery's renames and moves: one QUndoCommand per user action.

A command keeps the batch's ``(old, new)`` project-relative moves. Undo puts the files
back (through ``FileOps.undo`` when it is the last batch on disk), redo moves them
again; both run in a worker through the tab, which relists and publishes
``FilesRenamed`` for the reversed moves. The command is pushed after the batch ran,
so its first ``redo()`` (QUndoStack.push calls it) does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QUndoCommand

Moves = tuple[tuple[str, str], ...]


class FileMovesCommand(QUndoCommand):
    def __init__(
        self,
        text: str,
        moves: Sequence[tuple[str, str]],
        run: Callable[[Moves, bool], object],
    ) -> None:
        """``run(moves, undo)`` starts the work; ``undo`` is False for a redo."""
        super().__init__(text)
        self.moves: Moves = tuple((str(a), str(b)) for a, b in moves)
        self._run = run
        self._pushed = False

    def undo(self) -> None:
        self._run(self.moves, True)

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True  # the batch already ran before the push
            return
        self._run(self.moves, False)


def describe(kind: str, count: int) -> str:
    """The Edit menu text: "Batch rename 12 files", "Rename file", "Move 3 files"."""
    noun = "file" if count == 1 else f"{count} files"
    if kind == "batch":
        return f"Batch rename {noun}"
    return f"{kind.capitalize()} {noun}"
