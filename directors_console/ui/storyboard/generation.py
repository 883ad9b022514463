"""Wires the Storyboard's generate sidebar and progress sidebar to the farm.

:class:`GenerationController` holds the tab's :class:`StoryboardService` (one per open
project, on the scene's board), listens to the engine's job queue and progress, and
keeps the scene, the panel items and both sidebars in step: Generate renders the
selected panels, rows follow their jobs, finished images appear in their panels. The
Generate button is disabled with the reason whenever rendering is not possible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject

from directors_console.bridge.tasks import TaskManager
from directors_console.core.farm.jobs import Job
from directors_console.core.farm.progress import PreviewFrame, ProgressSnapshot
from directors_console.core.project import Project
from directors_console.core.storyboard.generate import (
    StoryboardService,
    panel_prompt,
    schedulable_nodes,
    set_panel_prompt,
)
from directors_console.core.storyboard.model import Panel, PanelStatus
from directors_console.core.storyboard.naming import NamingError
from directors_console.core.templates import AngleLibrary, BuildError, Template
from directors_console.ui.storyboard.generate_panel import GenerateSidebar, format_loras
from directors_console.ui.storyboard.progress_panel import ProgressSidebar
from directors_console.ui.storyboard.scene import BoardScene

if TYPE_CHECKING:  # the engine (and httpx) load with the farm, after start-up
    from directors_console.core.farm.engine import FarmEngine

log = logging.getLogger(__name__)


class GenerationController(QObject):
    def __init__(
        self,
        scene: BoardScene,
        tasks: TaskManager,
        notify: Callable[[str], None],
        templates: list[Template],
        angles: AngleLibrary | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.scene = scene
        self.tasks = tasks
        self.notify = notify
        self.sidebar = GenerateSidebar(templates, angles)
        self.progress = ProgressSidebar()
        self.engine: FarmEngine | None = None
        self.project: Project | None = None
        self.service: StoryboardService | None = None
        self._images: dict[str, str | None] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self.sidebar.generate_requested.connect(self.generate)
        self.sidebar.changed.connect(self.update_state)
        self.progress.cancel_requested.connect(self.cancel)
        scene.selectionChanged.connect(self._selection_changed)
        self.destroyed.connect(self._detach)
        self.update_state()

    def set_library(self, templates: list[Template], angles: AngleLibrary) -> None:
        self.sidebar.set_library(templates, angles)
        self.update_state()

    # -- farm and project ----------------------------------------------------------------------

    def attach_farm(self, engine: FarmEngine) -> None:
        self._detach()
        self.engine = engine
        self._unsubscribe = engine.queue.subscribe(self._on_job)
        engine.on_progress.append(self._on_progress)
        engine.on_preview.append(self._on_preview)
        engine.on_node_changed.append(self._on_node)
        self._adopt()
        self.update_state()

    def _detach(self, *_args: object) -> None:
        engine = self.engine
        if engine is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for hooks, fn in (
            (engine.on_progress, self._on_progress),
            (engine.on_preview, self._on_preview),
            (engine.on_node_changed, self._on_node),
        ):
            if fn in hooks:
                hooks.remove(fn)  # type: ignore[arg-type]
        self.engine = None

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.progress.clear()
        self._images = {}
        self.service = None
        if project is not None:
            self.service = StoryboardService(self.scene.board, project.folder, project.name)
            self.service.on_panel_changed.append(self._panel_changed)
            self._images = {p.id: p.image for p in self.scene.board.panels}
            self._adopt()
        self.update_state()

    def _adopt(self) -> None:
        """Pick up this project's renders still queued or running (e.g. from before a restart)."""
        if self.service is None or self.engine is None:
            return
        queue = self.engine.queue
        pending = [j for j in queue.jobs() if not j.is_final]
        self.service.adopt(pending)
        for job in pending:
            panel_id = self.service.job_panel.get(job.id)
            panel = self.scene.board.get(panel_id) if panel_id else None
            if panel is not None:
                self.progress.job_changed(
                    job, panel.name, self.engine.waiting_reason.get(job.id, "")
                )

    # -- state -------------------------------------------------------------------------------

    def selected(self) -> list[Panel]:
        ids = set(self.scene.selected_ids())
        return [p for p in self.scene.board.panels if p.id in ids]

    def blocked_reason(self) -> str:
        if self.service is None:
            return "Open a project to render panels."
        if self.engine is None:
            return "The render farm is not running yet."
        if not self.engine.nodes:
            return "Add a render node in the Orchestrator tab."
        panels = self.selected()
        if not panels:
            return "Select one or more panels to render."
        template = self.sidebar.template()
        if template is None:
            return "There is no template in this category."
        needed = [i for i in template.images if i.required]
        if needed and any(len(p.references) < len(needed) for p in panels):
            roles = ", ".join(str(i.role).replace("_", " ") for i in needed)
            return f"{template.name} needs a {roles} image: send one from the Gallery."
        if self.sidebar.spread.isChecked() and not self._online():
            return "No render node is online to spread the variations across."
        return ""

    def update_state(self) -> None:
        self.sidebar.set_blocked(self.blocked_reason())

    def _online(self) -> list[str]:
        if self.engine is None:
            return []
        return schedulable_nodes(n.state for n in self.engine.nodes.values())

    def _on_node(self, *_args: object) -> None:
        self.update_state()

    def _selection_changed(self) -> None:
        if not shiboken6.isValid(self.scene):
            return  # the scene is being torn down and clears its selection
        panels = self.selected()
        if len(panels) == 1:
            self.show_panel(panels[0])
        self.update_state()

    def show_panel(self, panel: Panel, restored: bool = False) -> None:
        """Put a panel's template, values, angle, LoRAs and prompt on the sidebar.

        A panel only overrides what it has; a ``restored`` one (or one with a template)
        says everything, so an empty prompt or no LoRA is its choice too.
        """
        prompt, negative = panel_prompt(panel)
        full = restored or bool(panel.template)
        if prompt or negative or restored:
            self.sidebar.set_prompt(prompt, negative)
        if panel.template and self.sidebar.select_template(panel.template):
            self.sidebar.set_values(panel.parameters)
        if full:
            self.sidebar.set_angle(panel.angle)
        if panel.loras or restored:
            self.sidebar.loras.setText(format_loras([(lo.name, lo.strength) for lo in panel.loras]))
        self.update_state()

    def panel_applied(self, panel_id: str) -> None:
        """A restore (or its undo) changed a panel: the sidebar shows it if it is selected."""
        panel = self.scene.board.get(panel_id)
        if panel is not None and self.scene.selected_ids() == [panel_id]:
            self.show_panel(panel, restored=True)

    # -- generating ----------------------------------------------------------------------------

    def generate(self) -> list[Job]:
        """Render every selected panel; returns the jobs queued."""
        reason = self.blocked_reason()
        if reason:
            self.notify(reason)
            return []
        assert self.service is not None and self.engine is not None
        nodes = self._online()
        queued: list[Job] = []
        for panel in self.selected():
            template = self.sidebar.template()
            assert template is not None
            # The panel's references in the template's image roles, as files here: the
            # farm uploads each to the node that takes the job.
            base = self.project.folder if self.project is not None else Path.cwd()
            images = {
                str(i.role): str(base / ref) if not Path(ref).is_absolute() else ref
                for i, ref in zip(template.images, panel.references, strict=False)
            }
            try:
                request = self.sidebar.request(images)
                set_panel_prompt(panel, request.prompt, request.negative)
                jobs = self.service.generate(self.engine, panel, request, nodes)
            except (BuildError, NamingError, ValueError) as exc:
                self.notify(f"{panel.name}: {exc}")
                continue
            for job in jobs:
                self.progress.job_changed(
                    job, panel.name, self.engine.waiting_reason.get(job.id, "")
                )
            queued += jobs
        return queued

    def cancel(self, job_id: str) -> None:
        if self.engine is not None:
            self.tasks.run_task(self.engine.cancel(job_id), self, "Cancel a render")

    # -- following -----------------------------------------------------------------------------

    def _on_job(self, job: Job) -> None:
        service = self.service
        if service is None:
            return
        panel_id = service.job_panel.get(job.id)
        if panel_id is None:
            return
        panel = self.scene.board.get(panel_id)
        waiting = self.engine.waiting_reason.get(job.id, "") if self.engine else ""
        self.progress.job_changed(job, panel.name if panel else "?", waiting)
        service.job_changed(job)
        if job.is_final:
            self._update_panel_progress(panel_id)

    def _on_progress(self, job_id: str, snap: ProgressSnapshot) -> None:
        self.progress.progress(job_id, snap)
        if self.service is not None and (panel_id := self.service.job_panel.get(job_id)):
            self._update_panel_progress(panel_id)

    def _on_preview(self, job_id: str, frame: PreviewFrame) -> None:
        # The engine sends a few per second per job; a 64 px decode of a JPEG is cheap.
        self.progress.preview(job_id, frame.image)

    def _update_panel_progress(self, panel_id: str) -> None:
        item = self.scene.items_by_id.get(panel_id)
        if item is None or self.service is None:
            return
        ids = self.service.panel_jobs(panel_id)
        rows = [self.progress.rows[j] for j in ids if j in self.progress.rows]
        if not rows or item.model.status is not PanelStatus.GENERATING:
            item.set_progress(None)
            return
        item.set_progress(sum(r.fraction for r in rows) / max(len(ids), 1))

    def _panel_changed(self, panel_id: str) -> None:
        panel = self.scene.board.get(panel_id)
        if panel is None:
            return
        self.scene.refresh(panel_id)
        if panel.status is not PanelStatus.GENERATING:
            self.scene.items_by_id[panel_id].set_progress(None)
        if self._images.get(panel_id) != panel.image:
            self._images[panel_id] = panel.image
            self.scene.request_image(panel)
