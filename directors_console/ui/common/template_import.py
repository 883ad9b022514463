"""The workflow import dialog: a ComfyUI workflow becomes a template the user confirms.

The user opens (or drops) a UI or API JSON workflow, or a PNG/WebP/MP4 carrying one. The
file is read and turned into a core :class:`TemplateDraft` in a worker thread; an editor
(UI-format) workflow is converted with a render node's ``object_info`` (given, or asked
of ``object_info_provider``). The dialog lists the detected parameters — expose, rename,
relabel each — with the template's name, id, category and model family, what the
workflow needs (models, custom nodes) and the importer's warnings. Save writes the draft
with :func:`save_draft` (atomic, never over an existing template) in a worker thread and
emits ``template_saved`` with the template file. Errors are shown inline; nothing is
written then. The dialog is non-modal: open it with ``show()`` or ``open()``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.comfy.workflow_file import WorkflowFile
from directors_console.core.templates.importer import (
    SavedTemplate,
    TemplateDraft,
    WorkflowImportError,
    draft_from_prompt,
    prompt_of,
    read_import_source,
    save_draft,
    slug,
)
from directors_console.core.templates.model import Category

ObjectInfoProvider = Callable[[], Awaitable[dict[str, Any] | None]]
RawOrParsed = ObjectInfo | Mapping[str, Any]

FILE_FILTER = "ComfyUI workflows (*.json *.png *.webp *.mp4 *.mov *.m4v);;All files (*)"
COLUMNS = ["Expose", "Name", "Label", "Type", "Default", "Sets (node · input)"]
COL_EXPOSE, COL_NAME, COL_LABEL, COL_TYPE, COL_DEFAULT, COL_TARGET = range(6)
NEEDS_NODE = (
    "{name} is an editor (UI) workflow: converting it needs a render node's node list. "
    "Bring a render node online (Orchestrator tab) and open the file again, or open the "
    "API-format export of the workflow instead."
)
ERROR_STYLE = "color: #e06c6c;"
OK_STYLE = "color: #7cc47f;"
WARN_STYLE = "color: #d9a441;"
# The theme's item checkboxes are hard to see on alternating rows: draw them plainly.
TABLE_STYLE = (
    "QTableWidget::indicator { width: 13px; height: 13px; border: 1px solid #8a8f99;"
    " border-radius: 3px; background: #1e2025; }"
    "QTableWidget::indicator:checked { background: #4aa3df; border-color: #4aa3df; }"
)


def _short(value: Any, width: int = 40) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _build_draft(
    path: Path, object_info: RawOrParsed | None
) -> tuple[WorkflowFile, TemplateDraft | None]:
    """Read ``path`` and make its draft; None when a UI workflow lacks an object_info."""
    workflow = read_import_source(path)
    if workflow.kind != "api" and object_info is None:
        return workflow, None
    name = path.stem.removesuffix(".api").removesuffix(".ui").replace("_", " ").strip()
    draft = draft_from_prompt(prompt_of(workflow, object_info), name or "Imported", object_info)
    return workflow, draft


class TemplateImportDialog(QDialog):
    """Import a workflow file as a template into ``user_dir``."""

    template_saved = Signal(Path)
    draft_loaded = Signal()
    failed = Signal(str)

    def __init__(
        self,
        user_dir: Path,
        tasks: TaskManager,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        object_info: RawOrParsed | None = None,
        object_info_provider: ObjectInfoProvider | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TemplateImportDialog")
        self.setWindowTitle("Import workflow as template")
        self.setModal(False)
        self.setAcceptDrops(True)
        self.resize(860, 620)
        self.user_dir = user_dir
        self.tasks = tasks
        self.workers = workers
        self.object_info = object_info
        self.object_info_provider = object_info_provider
        self.draft: TemplateDraft | None = None
        self.saved: SavedTemplate | None = None
        self._id_edited = False
        self._file_dialog: QFileDialog | None = None

        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("ImportPath")
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText(
            "Choose or drop a workflow: UI or API JSON, or a PNG/WebP/MP4 made by ComfyUI"
        )
        self.browse = QPushButton("Choose file…")
        self.browse.setObjectName("ImportBrowse")
        self.message = QLabel()
        self.message.setObjectName("ImportMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("TemplateName")
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("TemplateId")
        self.category_box = QComboBox()
        self.category_box.setObjectName("TemplateCategory")
        for category in Category:
            self.category_box.addItem(category.value.replace("_", " ").capitalize(), category)
        self.family_edit = QLineEdit()
        self.family_edit.setObjectName("TemplateFamily")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("ImportParameters")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet(TABLE_STYLE)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_TARGET, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.summary.setObjectName("ImportSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings = QLabel()
        self.warnings.setObjectName("ImportWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARN_STYLE)
        self.warnings.hide()

        self.save_button = QPushButton("Save template")
        self.save_button.setObjectName("ImportSave")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("ImportCancel")

        pick = QHBoxLayout()
        pick.addWidget(self.path_edit, 1)
        pick.addWidget(self.browse)
        fields = QFormLayout()
        fields.addRow("Name", self.name_edit)
        fields.addRow("Id", self.id_edit)
        row = QHBoxLayout()
        row.addWidget(self.category_box, 1)
        row.addWidget(QLabel("Model family"))
        row.addWidget(self.family_edit, 1)
        fields.addRow("Category", row)
        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addLayout(fields)
        details.addWidget(QLabel("Parameters — tick what the template lets you set:"))
        details.addWidget(self.table, 1)
        details.addWidget(self.summary)
        details.addWidget(self.warnings)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.message)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)

        self.browse.clicked.connect(self.choose_file)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.name_edit.textEdited.connect(self._name_edited)
        self.id_edit.textEdited.connect(self._mark_id_edited)
        self._show_draft(None)

    # -- choosing a file -------------------------------------------------------------------

    def choose_file(self) -> None:
        dialog = QFileDialog(self, "Open a ComfyUI workflow", "", FILE_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda chosen: self.load_file(Path(chosen)))
        self._file_dialog = dialog
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.load_file(Path(urls[0].toLocalFile()))

    def load_file(self, path: Path) -> None:
        """Read ``path`` and show its draft (in a worker; errors inline)."""
        self.path_edit.setText(str(path))
        self.saved = None
        self._show_draft(None)
        self._say(f"Reading {path.name}…", "")
        self.tasks.run_task(self._load(path), self, "Import workflow")

    async def _load(self, path: Path) -> None:
        try:
            workflow, draft = await self.workers.in_thread(_build_draft, path, self.object_info)
            if draft is None:
                info = await self._fetch_object_info()
                if info is None:
                    self._fail(NEEDS_NODE.format(name=path.name))
                    return
                self.object_info = info
                workflow, draft = await self.workers.in_thread(_build_draft, path, info)
        except WorkflowImportError as exc:
            self._fail(str(exc))
            return
        except OSError as exc:
            self._fail(f"Cannot read {path.name}: {exc}")
            return
        assert draft is not None
        self._show_draft(draft)
        kind = "API" if workflow.kind == "api" else "editor"
        self._say(
            f"Read the {kind} workflow of {path.name}: {len(draft.workflow)} nodes, "
            f"{len(draft.parameters)} parameters detected.",
            OK_STYLE,
        )
        self.draft_loaded.emit()

    async def _fetch_object_info(self) -> dict[str, Any] | None:
        if self.object_info_provider is None:
            return None
        try:
            return await self.object_info_provider()
        except Exception as exc:  # a node that fails to answer is "no node online"
            self._say(f"No render node answered: {exc}", WARN_STYLE)
            return None

    # -- showing the draft -----------------------------------------------------------------

    def _show_draft(self, draft: TemplateDraft | None) -> None:
        self.draft = draft
        self._id_edited = False
        self.details.setEnabled(draft is not None)
        self.save_button.setEnabled(draft is not None)
        self.table.setRowCount(0)
        if draft is None:
            self.summary.setText("")
            self.warnings.hide()
            return
        self.name_edit.setText(draft.name)
        self.id_edit.setText(draft.id)
        self.category_box.setCurrentIndex(max(0, self.category_box.findData(draft.category)))
        self.family_edit.setText(draft.model_family)
        self.table.setRowCount(len(draft.parameters))
        for row, p in enumerate(draft.parameters):
            expose = QTableWidgetItem()
            expose.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            expose.setCheckState(Qt.CheckState.Checked if p.exposed else Qt.CheckState.Unchecked)
            expose.setData(Qt.ItemDataRole.UserRole, p.name)
            self.table.setItem(row, COL_EXPOSE, expose)
            self.table.setItem(row, COL_NAME, QTableWidgetItem(p.name))
            self.table.setItem(row, COL_LABEL, QTableWidgetItem(p.label))
            kind = p.kind.value if p.kind.value == p.type.value else f"{p.type.value} ({p.kind})"
            for col, text, tip in (
                (COL_TYPE, kind, ""),
                (COL_DEFAULT, _short(p.default), "" if p.default is None else str(p.default)),
                (COL_TARGET, ", ".join(self._target(draft, n, i) for n, i in p.targets), ""),
            ):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if tip:
                    item.setToolTip(tip)
                self.table.setItem(row, col, item)
        self.summary.setText(self._needs(draft))
        self.warnings.setText("\n".join(f"⚠ {note}" for note in draft.notes))
        self.warnings.setVisible(bool(draft.notes))

    @staticmethod
    def _target(draft: TemplateDraft, node: str, input_name: str) -> str:
        class_type = draft.workflow.get(node, {}).get("class_type", "?")
        return f"{class_type} #{node} · {input_name}"

    @staticmethod
    def _needs(draft: TemplateDraft) -> str:
        ins = draft.inspection
        models = sorted({m.file for m in ins.models})
        custom = [f"{c.class_type}" + (f" ({c.module})" if c.module else "") for c in ins.not_core]
        lines = [f"<b>Needs models:</b> {', '.join(models) if models else 'none'}"]
        if ins.exact:
            lines.append(f"<b>Custom nodes:</b> {', '.join(custom) or 'none (core only)'}")
        else:
            lines.append(
                f"<b>Node types to check:</b> {', '.join(custom) or 'none'} "
                "<i>(no render node's node list to tell core from custom nodes)</i>"
            )
        return "<br>".join(lines)

    def _name_edited(self, text: str) -> None:
        if not self._id_edited:
            self.id_edit.setText(slug(text))

    def _mark_id_edited(self, _text: str) -> None:
        self._id_edited = True

    def _say(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
        self.message.setVisible(bool(text))

    def _fail(self, text: str) -> None:
        self._show_draft(None)
        self._say(text, ERROR_STYLE)
        self.failed.emit(text)

    # -- saving ----------------------------------------------------------------------------

    def edited_draft(self) -> TemplateDraft:
        """The draft as the dialog shows it; WorkflowImportError says what is wrong."""
        if self.draft is None:
            raise WorkflowImportError("open a workflow first")
        draft = self.draft
        renames: list[tuple[str, str, str]] = []
        for row in range(self.table.rowCount()):
            expose, name_item, label_item = (self.table.item(row, c) for c in (0, 1, 2))
            assert expose is not None and name_item is not None and label_item is not None
            original = str(expose.data(Qt.ItemDataRole.UserRole))
            if expose.checkState() == Qt.CheckState.Checked:
                draft = draft.expose(original)
            else:
                draft = draft.hide(original)
            renames.append((original, name_item.text().strip(), label_item.text().strip()))
        for original, new_name, label in renames:
            draft = draft.rename(original, label=label or None, new_name=new_name)
        name = self.name_edit.text().strip()
        template_id = self.id_edit.text().strip()
        if not name:
            raise WorkflowImportError("the template needs a name")
        if not template_id:
            raise WorkflowImportError("the template needs an id")
        category = self.category_box.currentData()
        return dataclasses.replace(
            draft,
            name=name,
            id=template_id,
            category=Category(category),
            model_family=self.family_edit.text().strip() or draft.model_family,
        )

    def save(self) -> None:
        try:
            draft = self.edited_draft()
        except WorkflowImportError as exc:
            self._say(str(exc), ERROR_STYLE)
            self.failed.emit(str(exc))
            return
        self.save_button.setEnabled(False)
        self._say("Saving…", "")
        self.tasks.run_task(self._save(draft), self, "Save imported template")

    async def _save(self, draft: TemplateDraft) -> None:
        try:
            saved = await self.workers.in_thread(save_draft, draft, self.user_dir)
        except WorkflowImportError as exc:
            self.save_button.setEnabled(True)
            self._say(str(exc), ERROR_STYLE)
            self.failed.emit(str(exc))
            return
        self.saved = saved
        renamed = "" if saved.id == draft.id else f" (the id {draft.id!r} was taken)"
        self._say(f"Saved as {saved.template_path}{renamed}", OK_STYLE)
        self.cancel_button.setText("Close")
        self.template_saved.emit(saved.template_path)
