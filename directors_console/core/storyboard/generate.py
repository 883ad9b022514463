"""Render storyboard panels on the farm and bring the results back into the panels.

:class:`StoryboardService` turns one panel plus a :class:`GenerationRequest` (template,
parameter values, prompt, angle, LoRAs, reference images, how many variations) into
farm :class:`Job` s. Every job writes into the panel's folder under its own version
name: the versions v(n+1)..v(n+N) are reserved at once from one scan of the folder
plus the versions still in flight, so parallel jobs never pick the same name. With
``spread`` each variation is pinned to a different schedulable render node.

The service follows its jobs through the queue's change listener (:meth:`job_changed`):
a panel is ``generating`` while any of its jobs is active; each success appends a
:class:`HistoryEntry` and makes the new image current; a failure leaves the panel in
``error`` with the message once nothing of it runs any more. A panel's first render
locks it (unlocked again with its lock icon). Listeners in
``on_panel_changed`` are told the panel id after every change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from directors_console.core.farm.jobs import ACTIVE, Job, JobState
from directors_console.core.farm.scheduler import SCHEDULABLE, NodeState
from directors_console.core.storyboard.model import (
    Board,
    HistoryEntry,
    LoraRef,
    Panel,
    PanelStatus,
)
from directors_console.core.storyboard.naming import (
    media_kind,
    panel_folder,
    render_name,
    scan_versions,
)
from directors_console.core.templates.angles import Angle
from directors_console.core.templates.builder import Lora, Prompts, SeedMode, WorkflowBuilder
from directors_console.core.templates.model import Template

log = logging.getLogger(__name__)

VERSION_WIDTH = 3  # v001: sorts well in file browsers
MAX_VARIATIONS = 64


class Submitter(Protocol):
    """What the service needs of the farm engine."""

    def submit(self, jobs: list[Job], group_label: str | None = None) -> list[Job]: ...


@dataclass(frozen=True)
class GenerationRequest:
    template: Template
    values: Mapping[str, Any] = field(default_factory=dict)
    prompt: str = ""
    negative: str = ""
    angle: Angle | None = None
    loras: tuple[Lora, ...] = ()
    images: Mapping[str, str] = field(default_factory=dict)  # role -> name on the server
    variations: int = 1
    seed_mode: SeedMode = SeedMode.INCREMENT
    spread: bool = False
    preset: str = ""


@dataclass
class _Run:
    """One panel's jobs of one generate() call and what came of them."""

    panel_id: str
    job_ids: list[str]
    states: dict[str, JobState] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    succeeded: int = 0

    @property
    def active(self) -> int:
        return sum(1 for s in self.states.values() if s in ACTIVE or s is JobState.QUEUED)


def schedulable_nodes(states: Iterable[NodeState]) -> list[str]:
    """Names of the enabled, not draining nodes that can take work now, sorted."""
    return sorted(
        s.name for s in states if s.enabled and not s.draining and s.health in SCHEDULABLE
    )


def reserve_versions(
    folder: Path,
    naming: str,
    project: str,
    panel: str,
    count: int,
    in_flight: Iterable[int] = (),
) -> list[int]:
    """``count`` consecutive versions after every version on disk or still being made."""
    on_disk = scan_versions(folder, naming, project, panel).highest
    start = max(on_disk, *in_flight, 0) + 1
    return list(range(start, start + count))


class StoryboardService:
    """Builds, submits and follows the render jobs of one project's board."""

    def __init__(
        self,
        board: Board,
        project_folder: Path,
        project_name: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.board = board
        self.project_folder = project_folder
        self.project_name = project_name
        self._clock = clock
        self.job_panel: dict[str, str] = {}  # job id -> panel id
        self._job_version: dict[str, int] = {}
        self._job_params: dict[str, dict[str, Any]] = {}
        self._runs: dict[str, _Run] = {}  # job id -> its run
        self.on_panel_changed: list[Callable[[str], None]] = []

    # -- building -------------------------------------------------------------------------

    def in_flight_versions(self, panel_id: str) -> list[int]:
        return [v for j, v in self._job_version.items() if self.job_panel.get(j) == panel_id]

    def build_jobs(
        self, panel: Panel, request: GenerationRequest, nodes: Sequence[str] = ()
    ) -> list[Job]:
        """The jobs for ``request`` on ``panel`` (not submitted). Raises BuildError,
        NamingError or ValueError with a message for the user."""
        count = request.variations
        if not 1 <= count <= MAX_VARIATIONS:
            raise ValueError(f"Variations must be between 1 and {MAX_VARIATIONS}.")
        if request.spread and not nodes:
            raise ValueError("No render node is online to spread the variations across.")
        naming = self.board.settings.naming_template
        folder = panel_folder(self.project_folder, panel.name)
        versions = reserve_versions(
            folder,
            naming,
            self.project_name,
            panel.name,
            count,
            self.in_flight_versions(panel.id),
        )
        builder = WorkflowBuilder(request.template)
        jobs: list[Job] = []
        for index, version in enumerate(versions):
            stem = render_name(naming, self.project_name, panel.name, version, VERSION_WIDTH)
            built = builder.build_result(
                dict(request.values),
                Prompts(request.prompt, request.negative),
                loras=list(request.loras),
                images=dict(request.images),
                angle=request.angle,
                filename_prefix=f"DirectorsConsole/{stem}",
                seed_mode=request.seed_mode,
                run_index=index,
            )
            metadata: dict[str, Any] = {
                "project": self.project_name,
                "panel": panel.name,
                "version": version,
                "template": request.template.id,
                "seed": built.seed,
                "preset": request.preset or None,
                "angle": request.angle.id if request.angle else None,
                "prompt": request.prompt,
                "negative": request.negative,
                # What "restore workflow from metadata" reads back from the file.
                "parameters": dict(request.values),
                "loras": [[lo.name, lo.strength_model] for lo in request.loras],
            }
            jobs.append(
                Job(
                    prompt=built.prompt,
                    destination=str(folder),
                    label=f"{panel.name} v{version:0{VERSION_WIDTH}d}",
                    name_stem=stem,
                    metadata=metadata,
                    pinned_node=nodes[index % len(nodes)] if request.spread else None,
                    uploads=local_uploads(request),
                )
            )
        return jobs

    def generate(
        self,
        farm: Submitter,
        panel: Panel,
        request: GenerationRequest,
        nodes: Sequence[str] = (),
    ) -> list[Job]:
        """Build and submit the jobs for one panel; the panel becomes ``generating``."""
        jobs = self.build_jobs(panel, request, nodes)
        params = {
            **dict(request.values),
            "prompt": request.prompt,
            "negative": request.negative,
            "angle": request.angle.id if request.angle else "",
            "loras": [[lo.name, lo.strength_model] for lo in request.loras],
        }
        run = _Run(panel.id, [j.id for j in jobs])
        for job in jobs:
            self.job_panel[job.id] = panel.id
            self._job_version[job.id] = int(job.metadata["version"])
            self._job_params[job.id] = params
            self._runs[job.id] = run
            run.states[job.id] = JobState.QUEUED
        panel.template = request.template.id
        panel.parameters = dict(request.values)
        panel.angle = request.angle.id if request.angle else ""
        panel.loras = [LoraRef(name=lo.name, strength=lo.strength_model) for lo in request.loras]
        self._set_status(panel, PanelStatus.GENERATING, self._running_text(run))
        group = f"{panel.name} ×{len(jobs)}" if len(jobs) > 1 else panel.name
        try:
            stored = farm.submit(jobs, group)
        except Exception:
            self._forget(run)
            self._set_status(panel, PanelStatus.ERROR, "Could not queue the render")
            raise
        return stored

    # -- following ------------------------------------------------------------------------

    def adopt(self, jobs: Iterable[Job]) -> int:
        """Follow jobs of this project queued before (another session); returns how many.

        A job belongs to a panel when its shot metadata names this project and the
        panel. Panels left ``generating`` with no job behind them are reset.
        """
        runs: dict[str, _Run] = {}
        for job in jobs:
            if job.id in self._runs or job.is_final:
                continue
            meta = job.metadata
            if meta.get("project") != self.project_name:
                continue
            panel = next((p for p in self.board.panels if p.name == meta.get("panel")), None)
            if panel is None:
                continue
            run = runs.setdefault(panel.id, _Run(panel.id, []))
            run.job_ids.append(job.id)
            run.states[job.id] = job.state
            self.job_panel[job.id] = panel.id
            self._job_version[job.id] = int(meta.get("version") or 1)
            self._job_params[job.id] = {"prompt": meta.get("prompt", "")}
            self._runs[job.id] = run
        for run in runs.values():
            panel = self.board.get(run.panel_id)
            if panel is not None:
                self._set_status(panel, PanelStatus.GENERATING, self._running_text(run))
        for panel in self.board.panels:
            if panel.status is PanelStatus.GENERATING and not self.is_generating(panel.id):
                status = PanelStatus.COMPLETE if panel.image else PanelStatus.EMPTY
                self._set_status(panel, status, "Interrupted")
        return sum(len(r.job_ids) for r in runs.values())

    def job_changed(self, job: Job) -> None:
        """The queue's listener: apply one job's new state to its panel."""
        run = self._runs.get(job.id)
        if run is None:
            return
        panel = self.board.get(run.panel_id)
        before = run.states.get(job.id)
        run.states[job.id] = job.state
        if panel is None:
            if job.is_final:
                self._forget_job(job.id)
            return
        if job.state is JobState.SUCCEEDED and before is not JobState.SUCCEEDED:
            run.succeeded += 1
            self._add_outputs(panel, job)
        elif job.state is JobState.FAILED and before is not JobState.FAILED:
            run.errors.append(job.error or "the render failed")
        if run.active:
            self._set_status(panel, PanelStatus.GENERATING, self._running_text(run))
        elif job.is_final:
            self._finish(panel, run)

    def _running_text(self, run: _Run) -> str:
        total = len(run.job_ids)
        done = total - run.active
        return "Generating" if total == 1 else f"Generating {done}/{total}"

    def _finish(self, panel: Panel, run: _Run) -> None:
        total = len(run.job_ids)
        if run.errors:
            text = run.errors[-1]
            if total > 1:
                text = f"{len(run.errors)} of {total} failed: {text}"
            self._set_status(panel, PanelStatus.ERROR, text)
        elif run.succeeded:
            self._set_status(panel, PanelStatus.COMPLETE, "")
        else:  # all cancelled
            status = PanelStatus.COMPLETE if panel.image else PanelStatus.EMPTY
            self._set_status(panel, status, "Cancelled")
        self._forget(run)

    def _add_outputs(self, panel: Panel, job: Job) -> None:
        version = self._job_version.get(job.id, int(job.metadata.get("version", 1) or 1))
        seed = job.metadata.get("seed")
        if job.outputs and not panel.history:
            panel.locked = True  # its first render: keep it from being moved or deleted by accident
        for output in job.outputs:
            path = Path(output)
            entry = HistoryEntry(
                path=self._relative(path),
                kind=media_kind(path) or "still",
                version=max(1, version),
                seed=seed if isinstance(seed, int) else None,
                node=job.node or "",
                template=str(job.metadata.get("template") or ""),
                parameters=dict(self._job_params.get(job.id, {})),
                created=self._clock(),
            )
            panel.history.append(entry)
            panel.image = entry.path
        self._notify(panel.id)

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.project_folder.resolve()).as_posix()
        except ValueError:
            return str(path)

    def _set_status(self, panel: Panel, status: PanelStatus, text: str) -> None:
        if panel.status is status and panel.status_text == text:
            return
        panel.status = status
        panel.status_text = text
        self._notify(panel.id)

    def _notify(self, panel_id: str) -> None:
        for callback in list(self.on_panel_changed):
            try:
                callback(panel_id)
            except Exception:
                log.exception("panel listener failed")

    def _forget(self, run: _Run) -> None:
        for job_id in run.job_ids:
            self._forget_job(job_id)

    def _forget_job(self, job_id: str) -> None:
        self.job_panel.pop(job_id, None)
        self._job_version.pop(job_id, None)
        self._job_params.pop(job_id, None)
        self._runs.pop(job_id, None)

    def panel_jobs(self, panel_id: str) -> list[str]:
        return [j for j, p in self.job_panel.items() if p == panel_id]

    def is_generating(self, panel_id: str) -> bool:
        return bool(self.panel_jobs(panel_id))


def panel_prompt(panel: Panel) -> tuple[str, str]:
    """The positive and negative prompt kept on a panel (Prompt Studio sends them)."""
    extra = panel.model_extra or {}
    return (str(extra.get("prompt") or ""), str(extra.get("negative") or ""))


def set_panel_prompt(panel: Panel, prompt: str, negative: str) -> None:
    setattr(panel, "prompt", prompt)  # noqa: B010 - an extra field of the model
    setattr(panel, "negative", negative)  # noqa: B010


def add_reference(panel: Panel, path: Path, project_folder: Path | None) -> bool:
    """Add an image to a panel's references (relative inside the project); False if known."""
    text = str(path)
    if project_folder is not None and path.is_relative_to(project_folder):
        text = path.relative_to(project_folder).as_posix()
    if text in panel.references:
        return False
    panel.references = [*panel.references, text]
    return True


def local_uploads(request: GenerationRequest) -> dict[str, str]:
    """Image inputs given as files on this machine: the farm uploads them to the node
    that takes the job (``"<node>/<input>" -> path``); server names are left as they are."""
    uploads: dict[str, str] = {}
    for image in request.template.images:
        value = request.images.get(image.role)
        if value and Path(value).is_absolute() and Path(value).is_file():
            uploads[f"{image.node}/{image.input}"] = value
    return uploads
