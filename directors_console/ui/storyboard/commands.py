"""Undo commands for the storyboard canvas: one per user action.

Each command changes the board only through :class:`BoardScene` methods, so the model,
the items and the autosave stay in step. Commands keep their own copies of panels so
redo after undo restores exactly what was there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtGui import QUndoCommand

from directors_console.core.storyboard.model import Panel
from directors_console.core.storyboard.naming import NamingError
from directors_console.core.storyboard.store import rename_panel
from directors_console.ui.storyboard.scene import BoardScene, Geometry


class AddPanels(QUndoCommand):
    """Add (or paste, or duplicate) panels; they are selected afterwards."""

    def __init__(self, scene: BoardScene, panels: list[Panel], text: str) -> None:
        super().__init__(text)
        self._scene = scene
        self._panels = [p.model_copy(deep=True) for p in panels]

    def redo(self) -> None:
        for panel in self._panels:
            self._scene.insert_panel(panel.model_copy(deep=True))
        self._scene.select_only([p.id for p in self._panels])

    def undo(self) -> None:
        for panel in reversed(self._panels):
            self._scene.remove_panel(panel.id)


class RemovePanels(QUndoCommand):
    def __init__(self, scene: BoardScene, ids: list[str], text: str = "Delete panels") -> None:
        super().__init__(text)
        self._scene = scene
        self._ids = list(ids)
        self._removed: list[tuple[Panel, int]] = []

    def redo(self) -> None:
        self._removed = [self._scene.remove_panel(i) for i in self._ids]

    def undo(self) -> None:
        for panel, index in reversed(self._removed):
            self._scene.insert_panel(panel.model_copy(deep=True), index)
        self._scene.select_only(self._ids)


class SetGeometry(QUndoCommand):
    """Move, multi-move, align, distribute or resize: old and new rectangles per panel."""

    def __init__(
        self,
        scene: BoardScene,
        before: Mapping[str, Geometry],
        after: Mapping[str, Geometry],
        text: str,
    ) -> None:
        super().__init__(text)
        self._scene = scene
        self._before = dict(before)
        self._after = dict(after)

    def redo(self) -> None:
        for panel_id, geometry in self._after.items():
            self._scene.set_geometry(panel_id, geometry)

    def undo(self) -> None:
        for panel_id, geometry in self._before.items():
            self._scene.set_geometry(panel_id, geometry)


class SetField(QUndoCommand):
    """Change one simple field (rating, locked) of one or more panels."""

    def __init__(
        self,
        scene: BoardScene,
        field: str,
        before: Mapping[str, object],
        value: object,
        text: str,
    ) -> None:
        super().__init__(text)
        self._scene = scene
        self._field = field
        self._before = dict(before)
        self._value = value

    def redo(self) -> None:
        for panel_id in self._before:
            self._scene.set_field(panel_id, self._field, self._value)

    def undo(self) -> None:
        for panel_id, value in self._before.items():
            self._scene.set_field(panel_id, self._field, value)


class RenamePanel(QUndoCommand):
    """Rename a panel (and its folder when ``folder``; ``moved`` hears of each folder
    move). Build it only after :func:`rename_panel` succeeded."""

    def __init__(
        self,
        scene: BoardScene,
        panel_id: str,
        old: str,
        new: str,
        report: Callable[[str], None],
        *,
        folder: bool = True,
        moved: Callable[[tuple[Path, Path]], None] | None = None,
    ) -> None:
        super().__init__(f"Rename {old} to {new}")
        self._scene = scene
        self._id = panel_id
        self._old = old
        self._new = new
        self._report = report
        self._folder = folder
        self._moved = moved
        self._first = True  # the rename already happened when the command is pushed

    def _rename(self, name: str) -> None:
        folder = self._scene.folder or Path()
        try:
            move = rename_panel(self._scene.board, folder, self._id, name, folder=self._folder)
        except NamingError as exc:
            self._report(str(exc))
            return
        if move is not None and self._moved is not None:
            self._moved(move)
        self._scene.refresh(self._id)
        panel = self._scene.board.get(self._id)
        if panel is not None:
            self._scene.request_image(panel)

    def redo(self) -> None:
        if self._first:
            self._first = False
            self._scene.refresh(self._id)
            return
        self._rename(self._new)

    def undo(self) -> None:
        self._rename(self._old)
