"""The Orchestrator tab: the render farm's nodes, jobs and log, and "Run workflow…".

Until the window hands it the running farm (``attach_farm``) the tab says the farm
is starting; if the farm cannot run (``farm_unavailable``) it says why. Then it
shows the node cards on top, the job table in the middle and the log below, all fed
by one :class:`~directors_console.ui.common.farm_feed.FarmFeed`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.comfy.workflow_file import WorkflowFileError
from directors_console.core.events import Subscription
from directors_console.core.project import Project, ProjectService
from directors_console.core.settings import SettingsStore
from directors_console.ui.common.empty_state import EmptyState
from directors_console.ui.common.farm_feed import FarmFeed
from directors_console.ui.common.tab_page import TabPage
from directors_console.ui.orchestrator.jobs_panel import JobsPanel
from directors_console.ui.orchestrator.log_panel import LogPanel
from directors_console.ui.orchestrator.node_panel import NodePanel
from directors_console.ui.orchestrator.run_workflow import (
    LoadedWorkflow,
    RunWorkflowDialog,
    load_workflow,
)

if TYPE_CHECKING:
    import asyncio

    from directors_console.core.farm.engine import FarmEngine
    from directors_console.core.farm.jobs import Job

PURPOSE = (
    "Run your render farm: add ComfyUI servers, watch their health and load, follow "
    "the persistent job queue, and run workflows across your servers."
)


class OrchestratorTab(TabPage):
    tab_id = "orchestrator"
    title = "Orchestrator"

    def __init__(
        self,
        projects: ProjectService,
        settings: SettingsStore,
        tasks: TaskManager,
        workers: Workers,
        apply_farm_nodes: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.projects = projects
        self.settings = settings
        self.tasks = tasks
        self.workers = workers
        self.engine: FarmEngine | None = None
        self.feed: FarmFeed | None = None
        self.project: Project | None = None
        self.problem: str | None = None
        self.last_folder: Path | None = None
        self.run_dialog: RunWorkflowDialog | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.empty = EmptyState(self.title, "")
        self.stack.addWidget(self.empty)

        self.act_run = QAction("Run workflow…", self)
        self.act_run.setToolTip("Queue a ComfyUI workflow: API JSON, or a PNG/WebP made by ComfyUI")
        self.act_run.triggered.connect(self.choose_workflow)

        self.farm_page = QWidget()
        page = QVBoxLayout(self.farm_page)
        page.setContentsMargins(10, 8, 10, 8)
        self.nodes = NodePanel(settings, tasks, apply_farm_nodes, self.show_message)
        self.jobs = JobsPanel(tasks, self.show_message)
        self.log = LogPanel()
        run = QPushButton("Run workflow…")
        run.setObjectName("RunWorkflowButton")
        run.setToolTip(self.act_run.toolTip())
        run.clicked.connect(self.act_run.trigger)
        run.setDefault(True)
        self.jobs.header_bar.addSpacing(6)
        self.jobs.header_bar.addWidget(run)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.nodes)
        self.splitter.addWidget(self.jobs)
        self.splitter.addWidget(self.log)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([self.nodes.sizeHint().height(), 420, 130])
        page.addWidget(self.splitter, 1)
        self.stack.addWidget(self.farm_page)

        self._sub: Subscription = projects.current.subscribe(self._on_project, call_now=True)
        self.destroyed.connect(self._sub.cancel)

    # -- the farm's life ------------------------------------------------------------------

    def attach_farm(self, engine: FarmEngine) -> None:
        if self.feed is not None:
            self.feed.close()
            self.feed.deleteLater()
        self.engine = engine
        self.problem = None
        feed = FarmFeed(engine, self)
        feed.node_changed.connect(self.nodes.schedule_refresh)
        feed.node_changed.connect(lambda _name: self.jobs.model.reasons_changed())
        feed.job_changed.connect(self.jobs.model.job_changed)
        feed.job_changed.connect(self.nodes.schedule_refresh)
        feed.progress.connect(self.jobs.model.progress_changed)
        feed.log_line.connect(self.log.add_line)
        self.feed = feed
        self.nodes.attach(engine)
        self.jobs.attach(engine)
        self.stack.setCurrentWidget(self.farm_page)

    def farm_unavailable(self, reason: str) -> None:
        self.problem = reason
        self._update_empty()
        self.stack.setCurrentWidget(self.empty)

    def settings_reloaded(self) -> None:
        """settings.yaml was read again: the node list may differ."""
        self.nodes.refresh()

    def _on_project(self, project: Project | None) -> None:
        self.project = project
        self._update_empty()

    def _update_empty(self) -> None:
        if self.problem:
            title = "The render farm is not available"
            head = self.problem
        else:
            title = self.title
            head = "Starting the render farm…"
        hint = f"Project: {self.project.name} — {self.project.folder}" if self.project else ""
        self.empty.set_text(title, "\n\n".join(p for p in (head, PURPOSE, hint) if p))

    # -- messages -------------------------------------------------------------------------

    def show_message(self, title: str, text: str) -> QMessageBox:
        """A message box opened with open(): never a nested event loop."""
        ok = QMessageBox.StandardButton.Ok
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, ok, self)
        box.setObjectName("OrchestratorMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.open()
        return box

    # -- run workflow ---------------------------------------------------------------------

    def _default_folder(self) -> Path:
        if self.last_folder is not None:
            return self.last_folder
        if self.project is not None:
            return self.project.folder / "renders"
        pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        return Path(pictures) / "Director's Console"

    def choose_workflow(self) -> QFileDialog:
        dialog = QFileDialog(self, "Run Workflow")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(
            ["ComfyUI workflows (*.json *.png *.webp)", "API JSON (*.json)", "All files (*)"]
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.fileSelected.connect(self.open_workflow)
        dialog.open()
        return dialog

    def open_workflow(self, path: str | Path) -> asyncio.Task[Any] | None:
        engine = self.engine
        if engine is None:
            self.show_message("The render farm is not running", self.problem or "Please wait.")
            return None
        file = Path(path)

        async def work() -> None:
            try:
                workflow = await load_workflow(file, engine, self.workers)
            except WorkflowFileError as exc:
                self.show_message("Cannot run this workflow", str(exc))
                return
            self.open_run_dialog(workflow)

        return self.tasks.run_task(work(), self, "Open workflow")

    def open_run_dialog(self, workflow: LoadedWorkflow) -> RunWorkflowDialog:
        names = self.nodes.node_names()
        dialog = RunWorkflowDialog(workflow, names, self._default_folder(), self)
        dialog.submitted.connect(self.submit_jobs)
        dialog.finished.connect(lambda *_: self._dialog_closed(dialog))
        self.run_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: RunWorkflowDialog) -> None:
        if self.run_dialog is dialog:
            self.run_dialog = None  # it deletes itself on close

    def submit_jobs(self, jobs: list[Job], group_label: str) -> None:
        if self.engine is None or not jobs:
            return
        self.last_folder = Path(jobs[0].destination)
        self.engine.submit(jobs, group_label=group_label)
        self.log.add_line(f"queued {len(jobs)} job(s): {group_label}")
