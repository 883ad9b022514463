"""The Batch Rename dialog: new names for the selected files, previewed before anything moves.

Three ways to name: a template with tokens (``{name}``, ``{n:03}``, ``{date}``,
``{seed}``, ``{prompt:20}``…), find & replace (plain or regex, with or without case),
and sequential numbering; "Auto-rename" numbers clashing names instead of refusing
them. Every input change re-plans (core/gallery/naming) and re-checks the plan against
the disk in a worker (GallerySession.preview); the table shows every old → new name
with problems in red, and Apply stays disabled while any is left. Seeds and prompts
for the tokens are read once, off the UI thread. Apply runs the batch in a worker and
emits ``applied(BatchResult)``; the tab relists, selects and makes it undoable.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.core.gallery.fileops import FileOpError
from directors_console.core.gallery.naming import (
    PlannedMove,
    TemplateError,
    plan_regex,
    plan_template,
)
from directors_console.ui.gallery.session import GallerySession

Index = QModelIndex | QPersistentModelIndex
#: (token, what it gives) for the help list and the insert buttons.
TOKENS = (
    ("{name}", "old name without the extension"),
    ("{n:03}", "counter, 3 digits (001, 002…)"),
    ("{date}", "file date, 2026-11-24; {date:%Y%m%d_%H%M} for another format"),
    ("{rating}", "stars, 0–5"),
    ("{seed}", "seed from the file's metadata"),
    ("{prompt:20}", "first 20 characters of the prompt"),
    ("{ext}", "extension; without it the old one is kept"),
)
_META_TOKENS = ("{seed", "{prompt")
#: Batches this large show real progress (read from the journal) instead of a busy bar.
PROGRESS_FROM = 200
_PROBLEM = QColor("#ff6b6b")
_UNCHANGED = QColor("#8a8f98")


class PreviewModel(QAbstractTableModel):
    """Rows of (old name, new name, problem); names only, the folder never changes."""

    HEADERS = ("Old name", "New name", "Problem")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, str, str | None]] = []

    def set_rows(self, rows: list[tuple[str, str, str | None]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        old, new, problem = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (old, new or "(unchanged)", problem or "")[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            if problem:
                return _PROBLEM
            if not new and index.column() == 1:
                return _UNCHANGED
        return None

    def problems(self) -> int:
        return sum(1 for row in self.rows if row[2])

    def changes(self) -> int:
        return sum(1 for row in self.rows if row[1] and not row[2])


def _name(rel: str) -> str:
    return rel.rpartition("/")[2]


class BatchRenameDialog(QDialog):
    """Non-modal; open it with ``open()``. ``applied`` carries the BatchResult."""

    applied = Signal(object)

    def __init__(
        self,
        paths: Sequence[str],
        session: GallerySession,
        tasks: TaskManager,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryBatchRename")
        self.setWindowTitle(f"Batch Rename — {len(paths)} files")
        self.session = session
        self.tasks = tasks
        self.rels = [session.rel(p) for p in paths]
        self.facts: dict[str, tuple[float, dict[str, Any]]] = {}
        self._has_meta = False
        self.checked: list[PlannedMove] = []
        self._generation = 0
        self._preview_task: asyncio.Task[None] | None = None
        self.apply_task: asyncio.Task[None] | None = None
        self._build()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.refresh)
        self.resize(760, 560)
        self.refresh()

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.modes = QTabWidget()
        self.modes.addTab(self._template_page(), "&Template")
        self.modes.addTab(self._replace_page(), "&Find && Replace")
        self.modes.addTab(self._numbering_page(), "Sequential &Numbering")
        self.modes.currentChanged.connect(lambda _i: self.changed())
        layout.addWidget(self.modes)
        self.auto = QCheckBox("&Auto-rename clashes (adds _2, _3… instead of refusing)")
        self.auto.toggled.connect(lambda _on: self.changed())
        layout.addWidget(self.auto)
        self.model = PreviewModel(self)
        self.table = QTableView()
        self.table.setObjectName("BatchRenamePreview")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(0, 240)
        header.resizeSection(1, 240)
        layout.addWidget(self.table, 1)
        status = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("BatchRenameStatus")
        self.status.setWordWrap(True)
        status.addWidget(self.status, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        status.addWidget(self.progress)
        layout.addLayout(status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.addButton("Rename", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _template_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.template = QLineEdit("{name}_{n:03}")
        self.template.setObjectName("BatchRenameTemplate")
        self.template.setPlaceholderText("e.g. {date}_{prompt:20}_{n:03}")
        self.template.textChanged.connect(lambda _t: self.changed())
        row.addWidget(QLabel("Template:"))
        row.addWidget(self.template, 1)
        row.addWidget(QLabel("Start at:"))
        self.template_start = QSpinBox()
        self.template_start.setRange(0, 999_999)
        self.template_start.setValue(1)
        self.template_start.valueChanged.connect(lambda _v: self.changed())
        row.addWidget(self.template_start)
        layout.addLayout(row)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.token_buttons: list[QPushButton] = []
        for i, (token, help_text) in enumerate(TOKENS):
            button = QPushButton(token)
            button.setToolTip(f"Insert {token}: {help_text}")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _=False, t=token: self.insert_token(t))
            self.token_buttons.append(button)
            grid.addWidget(button, i // 2, (i % 2) * 2)
            hint = QLabel(help_text)
            hint.setObjectName("BatchRenameTokenHelp")
            grid.addWidget(hint, i // 2, (i % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        return page

    def _replace_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.find_edit = QLineEdit()
        self.find_edit.setObjectName("BatchRenameFind")
        self.find_edit.setPlaceholderText("text to find, e.g. _v1")
        self.replace_with = QLineEdit()
        self.replace_with.setObjectName("BatchRenameReplace")
        self.replace_with.setPlaceholderText("replace with (empty removes it)")
        form.addRow("Find:", self.find_edit)
        form.addRow("Replace with:", self.replace_with)
        options = QHBoxLayout()
        self.use_regex = QCheckBox("Regular e&xpression (\\1 refers to a group)")
        self.match_case = QCheckBox("&Match case")
        self.match_case.setChecked(True)
        self.whole_name = QCheckBox("Include the &extension")
        for box in (self.use_regex, self.match_case, self.whole_name):
            box.toggled.connect(lambda _on: self.changed())
            options.addWidget(box)
        options.addStretch(1)
        form.addRow(options)
        self.find_edit.textChanged.connect(lambda _t: self.changed())
        self.replace_with.textChanged.connect(lambda _t: self.changed())
        return page

    def _numbering_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.prefix = QLineEdit("shot_")
        self.prefix.setObjectName("BatchRenamePrefix")
        self.prefix.textChanged.connect(lambda _t: self.changed())
        self.start = QSpinBox()
        self.start.setRange(0, 999_999)
        self.start.setValue(1)
        self.digits = QSpinBox()
        self.digits.setRange(1, 8)
        self.digits.setValue(3)
        for spin in (self.start, self.digits):
            spin.valueChanged.connect(lambda _v: self.changed())
        form.addRow("Prefix:", self.prefix)
        form.addRow("Start at:", self.start)
        form.addRow("Digits:", self.digits)
        note = QLabel("Files are numbered in the order they are shown; extensions stay.")
        note.setObjectName("BatchRenameTokenHelp")
        form.addRow(note)
        return page

    # -- planning ---------------------------------------------------------------------

    def insert_token(self, token: str) -> None:
        self.modes.setCurrentIndex(0)
        self.template.insert(token)
        self.template.setFocus()

    def changed(self) -> None:
        self._generation += 1
        self.apply_button.setEnabled(False)
        self._timer.start()

    def settled(self) -> bool:
        """True when the preview shows the current inputs (nothing pending)."""
        task = self._preview_task
        return not self._timer.isActive() and (task is None or task.done())

    def _template_text(self) -> str:
        mode = self.modes.currentIndex()
        if mode == 0:
            return self.template.text()
        prefix = self.prefix.text().replace("{", "{{").replace("}", "}}")
        return f"{prefix}{{n:0{self.digits.value()}}}"

    def plan(self) -> list[PlannedMove]:
        """The unchecked plan for the current inputs; raises TemplateError."""
        if self.modes.currentIndex() == 1:
            find = self.find_edit.text()
            if not find:
                return [PlannedMove(rel, rel) for rel in self.rels]
            pattern = find if self.use_regex.isChecked() else re.escape(find)
            replacement = self.replace_with.text()
            if not self.use_regex.isChecked():
                replacement = replacement.replace("\\", "\\\\")
            return plan_regex(
                self.rels,
                pattern,
                replacement,
                ignore_case=not self.match_case.isChecked(),
                whole_name=self.whole_name.isChecked(),
            )
        template = self._template_text()
        if not template.strip():
            raise TemplateError("write a template, e.g. {name}_{n:03}")
        first = self.template_start if self.modes.currentIndex() == 0 else self.start
        return plan_template(
            self.rels,
            template,
            mtime=lambda rel: self.facts[rel][0],
            info=lambda rel: self.facts[rel][1],
            start=first.value(),
        )

    def refresh(self) -> None:
        if self._preview_task is not None:
            self._preview_task.cancel()
        self._preview_task = self.tasks.run_task(
            self._refresh(self._generation), self, "Batch rename preview"
        )

    async def _refresh(self, generation: int) -> None:
        need_meta = self.modes.currentIndex() == 0 and any(
            t in self.template.text() for t in _META_TOKENS
        )
        if not self.facts or (need_meta and not self._has_meta):
            self._busy("Reading file dates and metadata…" if need_meta else "Reading files…")
            self.facts = await self.session.rename_facts(self.rels, need_meta)
            self._has_meta = self._has_meta or need_meta
            self.progress.hide()
        try:
            plan = self.plan()
        except TemplateError as exc:
            self._show([], str(exc))
            return
        checked = await self.session.preview(plan, self.auto.isChecked())
        if generation == self._generation:
            self._show(checked, None)

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("")
        self.progress.setRange(0, 0)
        self.progress.show()

    def _show(self, checked: list[PlannedMove], error: str | None) -> None:
        self.checked = checked
        by_old = {p.old: p for p in checked}
        rows: list[tuple[str, str, str | None]] = []
        for rel in self.rels:
            p = by_old.get(rel)
            rows.append((_name(rel), _name(p.new) if p else "", p.problem if p else None))
        self.model.set_rows(rows)
        problems, changes = self.model.problems(), self.model.changes()
        if error:
            self._status(error, bad=True)
        elif problems:
            first = next(r for r in rows if r[2])
            more = f" (and {problems - 1} more)" if problems > 1 else ""
            self._status(f"{problems} name{'s' * (problems > 1)} cannot be used: "
                         f"{first[0]} — {first[2]}{more}", bad=True)  # fmt: skip
        elif not changes:
            self._status("No name changes yet: edit the template or the search.", bad=False)
        else:
            unchanged = len(self.rels) - changes
            extra = f", {unchanged} keep their names" if unchanged else ""
            self._status(f"{changes} file{'s' * (changes != 1)} will be renamed{extra}.", False)
        planned = len(checked)
        self.apply_button.setText(f"Rename {planned} File{'s' * (planned != 1)}")
        self.apply_button.setEnabled(not error and not problems and changes > 0)

    def _status(self, text: str, bad: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {_PROBLEM.name()};" if bad else "")

    # -- applying ---------------------------------------------------------------------

    def apply(self) -> None:
        if not self.apply_button.isEnabled() or self.apply_task is not None:
            return
        plan = [p for p in self.checked if not p.problem]
        self.apply_button.setEnabled(False)
        self._cancel_button().setEnabled(False)  # a started batch runs to its end
        self.modes.setEnabled(False)
        self._busy(f"Renaming {len(plan)} files…")
        # Owned by the parent: closing the dialog must not stop a batch half-way.
        self.apply_task = self.tasks.run_task(self._apply(plan), self.parent(), "Batch rename")

    async def _apply(self, plan: list[PlannedMove]) -> None:
        watch = None
        if len(plan) >= PROGRESS_FROM:
            watch = self.tasks.run_task(self._watch(len(plan)), self, "Batch rename progress")
        try:
            result = await self.session.apply_plan(plan)
        except (FileOpError, OSError) as exc:
            self.progress.hide()
            self.modes.setEnabled(True)
            self._cancel_button().setEnabled(True)
            self.apply_task = None
            self._status(f"Nothing was renamed: {exc}", bad=True)
            self.changed()
            return
        finally:
            if watch is not None:
                watch.cancel()
        self.progress.hide()
        self.applied.emit(result)
        self.accept()

    def _cancel_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert button is not None
        return button

    def reject(self) -> None:
        """Closing is refused while the batch runs (Esc, the window's close button)."""
        if self.apply_task is None:
            super().reject()

    async def _watch(self, count: int) -> None:
        """Real progress of a large batch: the journal marks its finished steps."""
        while True:
            await asyncio.sleep(0.25)
            step = await self.session.batch_progress()
            if step is not None and step[1]:
                done, total = step
                self.progress.setRange(0, total)
                self.progress.setValue(done)
                self.status.setText(f"Renaming {count} files… {done * 100 // total}%")


def renamed_paths(session: GallerySession, moves: Sequence[tuple[str, str]]) -> list[str]:
    """Absolute new paths of a batch's moves, for selecting them after a relist."""
    return [str(session.root / new) for _old, new in moves]
