""" "Run workflow…": read a workflow file, ask how to run it, queue the jobs.

Accepted: API JSON (node id -> ``{class_type, inputs}``), a saved ``/prompt`` body,
or a PNG/WebP carrying ComfyUI's ``prompt`` metadata (read by
``core.comfy.workflow_file``). Editor-format JSON needs the workflow converter and
the object_info of a node that answers. Every problem is a
:class:`WorkflowFileError` with a sentence the user can act on; nothing is queued.

:func:`build_jobs` is the pure part: N jobs, seeds fixed, random or counting up.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.threads import Workers
from directors_console.core.comfy.errors import ComfyError
from directors_console.core.comfy.workflow_file import WorkflowFileError, read_workflow_file
from directors_console.core.farm.jobs import Job
from directors_console.core.farm.scheduler import SCHEDULABLE
from directors_console.core.farm.seeds import MAX_SEED, seed_inputs, seed_series, with_seed

if TYPE_CHECKING:
    from directors_console.core.farm.engine import FarmEngine

SEED_MODES = ("increment", "fixed", "random")
SEED_LABELS = {"increment": "Count up from", "fixed": "Same for every run", "random": "Random"}
UI_FORMAT_HELP = (
    "UI-format workflows need the workflow converter, which this version does not have "
    "yet. In ComfyUI use Workflow ▸ Export (API) and open that file instead."
)


@dataclass(frozen=True)
class LoadedWorkflow:
    path: Path
    prompt: dict[str, Any]

    @property
    def seeds(self) -> list[tuple[str, str]]:
        return seed_inputs(self.prompt)

    @property
    def first_seed(self) -> int | None:
        for node_id, name in self.seeds:
            value = self.prompt[node_id]["inputs"][name]
            if isinstance(value, int):
                return value
        return None


def check_api_prompt(name: str, prompt: Mapping[str, Any]) -> None:
    for node_id, node in prompt.items():
        if not isinstance(node.get("inputs"), Mapping):
            raise WorkflowFileError(f"{name}: node {node_id} has no inputs object")


async def load_workflow(path: Path, engine: FarmEngine, workers: Workers) -> LoadedWorkflow:
    """Read ``path`` off the event loop and return its API prompt."""
    source = await workers.in_thread(read_workflow_file, path)
    if source.kind == "api":
        check_api_prompt(path.name, source.data)
        return LoadedWorkflow(path, source.data)
    return LoadedWorkflow(path, await convert_ui(path, source.data, engine, workers))


async def convert_ui(
    path: Path, ui: dict[str, Any], engine: FarmEngine, workers: Workers
) -> dict[str, Any]:
    """The API prompt of an editor-format workflow, converted against a live node."""
    try:  # written in parallel with this tab; it may not be in every build yet
        from directors_console.core.comfy import converter
    except ImportError:
        raise WorkflowFileError(UI_FORMAT_HELP) from None
    unreadable: type[Exception] = getattr(converter, "ConversionError", ValueError)
    nodes = [n for n in engine.nodes.values() if n.state.health in SCHEDULABLE]
    if not nodes:
        raise WorkflowFileError(
            "UI-format workflows need a render node online to convert them (its list of "
            "node types); none answers now."
        )
    problem = "no render node answered"
    for node in nodes:
        try:
            info = await asyncio.wait_for(node.client.object_info(), 30)
        except (ComfyError, TimeoutError) as exc:
            problem = f"{node.name}: {exc}"
            continue
        try:
            result = await workers.in_thread(converter.convert_workflow, ui, info)
        except unreadable as exc:
            raise WorkflowFileError(f"{path.name}: {exc}") from exc
        if result.missing:
            missing = ", ".join(sorted(result.missing))
            raise WorkflowFileError(f"{path.name} uses node types {node.name} lacks: {missing}")
        return dict(result.prompt)
    raise WorkflowFileError(f"{path.name}: cannot convert it ({problem})")


@dataclass(frozen=True)
class RunOptions:
    count: int
    seed_mode: str  # one of SEED_MODES
    seed: int
    folder: Path
    stem: str
    priority: int = 0
    pinned_node: str | None = None

    @property
    def group_label(self) -> str:
        return f"{self.stem} ×{self.count}" if self.count > 1 else self.stem


def build_jobs(prompt: Mapping[str, Any], options: RunOptions) -> list[Job]:
    """``options.count`` jobs; every literal ``seed``/``noise_seed`` set per the mode."""
    has_seed = bool(seed_inputs(prompt))
    if options.seed_mode == "random":
        seeds: list[int | None] = list(seed_series("random", options.count))
    elif options.seed_mode == "fixed":
        seeds = [options.seed] * options.count
    else:
        seeds = list(seed_series(options.seed, options.count))
    jobs: list[Job] = []
    for index, seed in enumerate(seeds, start=1):
        name = options.stem if options.count == 1 else f"{options.stem}_{index:03}"
        use = seed if has_seed else None
        jobs.append(
            Job(
                prompt=with_seed(prompt, use) if use is not None else copy.deepcopy(dict(prompt)),
                destination=str(options.folder),
                label=name,
                name_stem=name,
                priority=options.priority,
                pinned_node=options.pinned_node,
                metadata={"seed": use} if use is not None else {},
            )
        )
    return jobs


class RunWorkflowDialog(QDialog):
    """How many runs, which seeds, where to, how urgent, on which node."""

    submitted = Signal(object, str)  # list[Job], group label

    def __init__(
        self,
        workflow: LoadedWorkflow,
        node_names: Sequence[str],
        default_folder: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RunWorkflowDialog")
        self.setWindowTitle(f"Run {workflow.path.name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.workflow = workflow
        seeds = workflow.seeds
        info = QLabel(
            f"<b>{workflow.path.name}</b><br>{len(workflow.prompt)} nodes · "
            + (f"{len(seeds)} seed input(s)" if seeds else "no seed input: every run is alike")
        )
        info.setWordWrap(True)
        self.count = QSpinBox()
        self.count.setRange(1, 1000)
        self.seed_mode = QComboBox()
        for mode in SEED_MODES:
            self.seed_mode.addItem(SEED_LABELS[mode], mode)
        self.seed = QLineEdit(str(workflow.first_seed if workflow.first_seed is not None else 0))
        self.seed.setMaximumWidth(180)
        self.seed_mode.currentIndexChanged.connect(self._seed_mode_changed)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_mode)
        seed_row.addWidget(self.seed, 1)
        self.seed_mode.setEnabled(bool(seeds))
        self.seed.setEnabled(bool(seeds))
        self.folder = QLineEdit(str(default_folder))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.stem = QLineEdit(workflow.path.stem)
        self.priority = QSpinBox()
        self.priority.setRange(-100, 100)
        self.priority.setToolTip("Higher runs first")
        self.node = QComboBox()
        self.node.addItem("Any node", None)
        for name in node_names:
            self.node.addItem(name, name)
        form = QFormLayout()
        form.addRow("Runs", self.count)
        form.addRow("Seed", seed_row)
        form.addRow("Output folder", folder_row)
        form.addRow("File name", self.stem)
        form.addRow("Priority", self.priority)
        form.addRow("Run on", self.node)
        self.error = QLabel()
        self.error.setObjectName("RunError")
        self.error.setStyleSheet("color: #e5484d;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Queue")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _seed_mode_changed(self) -> None:
        self.seed.setEnabled(bool(self.workflow.seeds) and self.seed_mode.currentData() != "random")

    def choose_folder(self) -> QFileDialog:
        dialog = QFileDialog(self, "Output folder", self.folder.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.fileSelected.connect(self.folder.setText)
        dialog.open()
        return dialog

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def options(self) -> RunOptions | None:
        mode = str(self.seed_mode.currentData())
        text = self.seed.text().strip()
        seed = 0
        if self.workflow.seeds and mode != "random":
            if not text.isdigit() or int(text) > MAX_SEED:
                self._fail(f"The seed is a whole number from 0 to {MAX_SEED}.")
                return None
            seed = int(text)
        folder = Path(self.folder.text().strip()).expanduser()
        if not self.folder.text().strip() or not folder.is_absolute():
            self._fail("Choose the folder the outputs go to (a full path).")
            return None
        stem = self.stem.text().strip()
        if not stem or any(c in stem for c in '/\\:*?"<>|') or stem.startswith("."):
            self._fail('The file name must not be empty or contain / \\ : * ? " < > |.')
            return None
        return RunOptions(
            count=self.count.value(),
            seed_mode=mode,
            seed=seed,
            folder=folder,
            stem=stem,
            priority=self.priority.value(),
            pinned_node=self.node.currentData(),
        )

    def submit(self) -> None:
        options = self.options()
        if options is None:
            return
        self.submitted.emit(build_jobs(self.workflow.prompt, options), options.group_label)
        self.accept()
