"""Restore a panel's workflow from a rendered file: the Gallery's request or the panel's image.

:class:`WorkflowRestorer` answers ``RestoreWorkflow`` (published by the Gallery's "Restore
workflow to Storyboard") and the panel menu's "Restore workflow from this image": it
reads the file in a worker thread with the core :func:`restore_workflow`, then applies
template, parameters, angle, LoRAs and prompt to the panel as one undoable
:class:`ApplyWorkflow`, and the generate sidebar follows. The Gallery's request needs
exactly one selected panel; anything else, and every file nothing can be restored
from, ends in a notice that says why.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.events import RestoreWorkflow
from directors_console.core.storyboard.generate import panel_prompt
from directors_console.core.storyboard.model import LoraRef, Panel
from directors_console.core.storyboard.restore import (
    RestoredWorkflow,
    RestoreError,
    restore_workflow,
)
from directors_console.core.templates import AngleLibrary, Template
from directors_console.ui.storyboard.scene import BoardScene

FIELDS = ("template", "parameters", "angle", "loras", "prompt", "negative")
Library = Callable[[], tuple[list[Template], AngleLibrary | None]]


def fields_of(restored: RestoredWorkflow) -> dict[str, object]:
    """The panel fields a restored workflow sets."""
    return {
        "template": restored.template_id,
        "parameters": dict(restored.values),
        "angle": restored.angle,
        "loras": [LoraRef(name=n, strength=s) for n, s in restored.loras],
        "prompt": restored.prompt,
        "negative": restored.negative,
    }


def panel_fields(panel: Panel) -> dict[str, object]:
    prompt, negative = panel_prompt(panel)
    return {
        "template": panel.template,
        "parameters": copy.deepcopy(panel.parameters),
        "angle": panel.angle,
        "loras": [lo.model_copy() for lo in panel.loras],
        "prompt": prompt,
        "negative": negative,
    }


class ApplyWorkflow(QUndoCommand):
    """Set a panel's template, parameters, angle, LoRAs and prompt in one step."""

    def __init__(
        self,
        scene: BoardScene,
        panel: Panel,
        after: dict[str, object],
        text: str,
        applied: Callable[[str], None],
    ) -> None:
        super().__init__(text)
        self._scene = scene
        self._id = panel.id
        self._before = panel_fields(panel)
        self._after = after
        self._applied = applied

    def _set(self, values: dict[str, object]) -> None:
        for field in FIELDS:
            self._scene.set_field(self._id, field, copy.deepcopy(values[field]))
        self._applied(self._id)

    def redo(self) -> None:
        self._set(self._after)

    def undo(self) -> None:
        self._set(self._before)


class WorkflowRestorer(QObject):
    def __init__(
        self,
        scene: BoardScene,
        undo_stack: QUndoStack,
        tasks: TaskManager,
        workers: Workers,
        library: Library,
        notify: Callable[[str, str], None],
        applied: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.scene = scene
        self.undo_stack = undo_stack
        self.tasks = tasks
        self.workers = workers
        self.library = library
        self.notify = notify
        self.applied = applied

    def on_event(self, event: RestoreWorkflow) -> None:
        """The Gallery's request: restore onto the one selected panel."""
        if event.target != "storyboard":
            return
        if self.scene.folder is None:
            self.notify("Open a project, select a panel, then restore the workflow.", "warning")
            return
        ids = self.scene.selected_ids()
        if len(ids) != 1:
            why = "no panel is selected" if not ids else f"{len(ids)} panels are selected"
            self.notify(
                f"Select exactly one panel to restore {event.path.name} onto ({why}).", "warning"
            )
            return
        self.restore(ids[0], event.path)

    def panel_image(self, panel_id: str) -> Path | None:
        panel = self.scene.board.get(panel_id)
        if panel is None or not panel.image or self.scene.folder is None:
            return None
        path = Path(panel.image)
        return path if path.is_absolute() else self.scene.folder / path

    def restore_from_panel(self, panel_id: str) -> None:
        """The panel menu: restore from the panel's own current image."""
        path = self.panel_image(panel_id)
        if path is None:
            self.notify("This panel has no image to restore a workflow from.", "warning")
            return
        self.restore(panel_id, path)

    def restore(self, panel_id: str, path: Path) -> None:
        self.tasks.run_task(self._restore(panel_id, path), self, "Restore a workflow")

    async def _restore(self, panel_id: str, path: Path) -> None:
        templates, angles = self.library()
        if angles is None:
            self.notify("The templates are still loading; try again in a moment.", "warning")
            return
        try:
            restored = await self.workers.in_thread(restore_workflow, path, templates, angles)
        except RestoreError as exc:
            self.notify(f"Nothing restored from {exc}", "warning")
            return
        panel = self.scene.board.get(panel_id)
        if panel is None:
            return  # deleted meanwhile
        name = next((t.name for t in templates if t.id == restored.template_id), "")
        self.undo_stack.push(
            ApplyWorkflow(
                self.scene,
                panel,
                fields_of(restored),
                f"Restore workflow on {panel.name}",
                self.applied,
            )
        )
        text = f"{panel.name}: restored {name or restored.template_id} from {path.name}"
        text += f" ({restored.source})."
        if restored.warnings:
            text += " " + "; ".join(restored.warnings).capitalize() + "."
        self.notify(text, "info")
