"""Undo commands for what happens inside one panel: showing a version, editing notes.

Like the canvas commands they change the board only through :class:`BoardScene`, so the
model, the item and the autosave stay in step. Notes typed in one editing session of
one panel merge into a single undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from directors_console.ui.storyboard.scene import BoardScene

NOTES_COMMAND_ID = 7301


class ShowVersion(QUndoCommand):
    """Make another history entry the panel's current image."""

    def __init__(
        self, scene: BoardScene, panel_id: str, before: str | None, after: str, text: str
    ) -> None:
        super().__init__(text)
        self._scene = scene
        self._id = panel_id
        self._before = before
        self._after = after

    def _show(self, path: str | None) -> None:
        self._scene.set_field(self._id, "image", path)
        panel = self._scene.board.get(self._id)
        if panel is not None:
            self._scene.request_image(panel)

    def redo(self) -> None:
        self._show(self._after)

    def undo(self) -> None:
        self._show(self._before)


class SetNotes(QUndoCommand):
    """Set a panel's Markdown notes; merges with the next one of the same editing session."""

    def __init__(
        self, scene: BoardScene, panel_id: str, before: str, after: str, session: int
    ) -> None:
        super().__init__("Edit notes")
        self._scene = scene
        self.panel_id = panel_id
        self.session = session
        self._before = before
        self._after = after
        panel = scene.board.get(panel_id)
        if panel is not None:
            self.setText(f"Edit notes of {panel.name}")

    def id(self) -> int:
        return NOTES_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetNotes):
            return False
        if other.panel_id != self.panel_id or other.session != self.session:
            return False
        self._after = other._after
        # Typed and deleted back to where it started: nothing left to undo.
        self.setObsolete(self._after == self._before)
        return True

    def redo(self) -> None:
        self._scene.set_field(self.panel_id, "notes", self._after)

    def undo(self) -> None:
        self._scene.set_field(self.panel_id, "notes", self._before)
