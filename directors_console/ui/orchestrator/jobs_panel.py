"""The job list of the Orchestrator tab: counts, filter, pause, table, job actions.

Each action is one call into the farm: cancel (awaited through the task manager),
retry, move, pin to a node, pause/resume. Progress bars are painted by
:class:`ProgressDelegate` from the model's progress role.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.core.farm.jobs import Job, JobState
from directors_console.ui.orchestrator.job_model import (
    COL_ATTEMPTS,
    COL_ETA,
    COL_GROUP,
    COL_JOB,
    COL_NODE,
    COL_PROGRESS,
    COL_STATE,
    JOB_ROLE,
    PROGRESS_ROLE,
    STATE_COLORS,
    STATE_FILTERS,
    JobFilterModel,
    JobTableModel,
)

if TYPE_CHECKING:
    from directors_console.core.farm.engine import FarmEngine

Message = Callable[[str, str], object]
COLUMN_WIDTHS = {COL_JOB: 150, COL_GROUP: 130, COL_STATE: 80, COL_NODE: 115, COL_PROGRESS: 300}


class ProgressDelegate(QStyledItemDelegate):
    """A slim rounded bar under the progress text, coloured by job state."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        value = index.data(PROGRESS_ROLE)
        if not value:
            super().paint(painter, option, index)
            return
        fraction, text, state = value
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRect(option.rect).adjusted(6, 3, -6, -3)
        palette: QPalette = option.palette
        track = QColor(palette.color(QPalette.ColorRole.PlaceholderText))
        track.setAlpha(45)
        bar = QRectF(rect.left(), rect.bottom() - 4, rect.width(), 4)
        if fraction is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(bar, 2, 2)
            painter.setBrush(QColor(STATE_COLORS[JobState(state)]))
            done = QRectF(bar.left(), bar.top(), bar.width() * max(0.0, min(1.0, fraction)), 4)
            painter.drawRoundedRect(done, 2, 2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        color = palette.color(role)
        if state in ("queued", "cancelled") and not selected:
            color = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(color)
        text_rect = QRect(rect.left(), rect.top(), rect.width(), rect.height() - 5)
        shown = option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), shown)
        painter.restore()


class JobsPanel(QWidget):
    def __init__(self, tasks: TaskManager, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JobsPanel")
        self.tasks = tasks
        self.message = message
        self.engine: FarmEngine | None = None
        self.paused = False  # the queue's flag, read once: only this process runs the farm
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl

        self.model = JobTableModel(self)
        self.proxy = JobFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.model.flush_timer.timeout.connect(self.update_counts)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        title = QLabel("Jobs")
        title.setObjectName("PanelTitle")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.counts = QLabel()
        self.counts.setObjectName("JobCounts")
        self.counts.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.filter_text = QLineEdit()
        self.filter_text.setPlaceholderText("Filter jobs…")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.setMaximumWidth(220)
        self.filter_text.textChanged.connect(self.proxy.set_text)
        self.filter_state = QComboBox()
        self.filter_state.addItems(list(STATE_FILTERS))
        self.filter_state.currentTextChanged.connect(
            lambda name: self.proxy.set_states(STATE_FILTERS[name])
        )
        self.pause_button = QToolButton()
        self.pause_button.setObjectName("PauseQueue")
        self.pause_button.setCheckable(True)
        self.pause_button.setText("Pause queue")
        self.pause_button.setToolTip("Stop handing out queued jobs; running jobs finish")
        self.pause_button.toggled.connect(self.set_paused)
        bar.addWidget(title)
        bar.addSpacing(8)
        bar.addWidget(self.counts, 1)
        bar.addWidget(self.filter_text)
        bar.addWidget(self.filter_state)
        bar.addWidget(self.pause_button)
        layout.addLayout(bar)
        self.header_bar = bar  # the tab adds its "Run workflow…" button here

        self.table = QTableView()
        self.table.setObjectName("JobTable")
        self.table.setModel(self.proxy)
        self.table.setItemDelegateForColumn(COL_PROGRESS, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in COLUMN_WIDTHS.items():
            header.resizeSection(col, width)
        for col in (COL_ETA, COL_ATTEMPTS):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.table, 1)
        self.update_counts()

    # -- farm -----------------------------------------------------------------------------

    def attach(self, engine: FarmEngine) -> None:
        self.engine = engine
        self.model.attach(engine)
        self.paused = engine.queue.paused
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(self.paused)
        self.pause_button.blockSignals(False)
        self._show_paused(self.paused)
        self.update_counts()

    def set_paused(self, paused: bool) -> None:
        if self.engine is None:
            return
        self.engine.queue.set_paused(paused)
        self.paused = paused
        self.engine.wake()
        self._show_paused(paused)
        self.update_counts()

    def _show_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume queue" if paused else "Pause queue")

    def update_counts(self) -> None:
        if self.engine is None:
            self.counts.setText("")
            return
        counts = self.engine.queue.counts()
        running = sum(counts[s] for s in (JobState.DISPATCHED, JobState.RUNNING))
        parts = [
            (counts[JobState.QUEUED], "queued"),
            (running, "running"),
            (counts[JobState.STUCK], "stuck"),
            (counts[JobState.SUCCEEDED], "done"),
            (counts[JobState.FAILED], "failed"),
            (counts[JobState.CANCELLED], "cancelled"),
        ]
        text = " · ".join(f"{n} {name}" for n, name in parts if n or name in ("queued", "running"))
        if self.paused:
            text = "⏸ Queue paused — " + text
        self.counts.setText(text)

    # -- selection and actions ------------------------------------------------------------

    def selected_jobs(self) -> list[Job]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        jobs: list[Job] = []
        for row in rows:
            job = self.proxy.index(row, 0).data(JOB_ROLE)
            if isinstance(job, Job):
                jobs.append(job)
        return jobs

    def select_job(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        menu = self.build_menu(self.selected_jobs())
        if menu is not None:
            menu.popup(self.table.viewport().mapToGlobal(pos))

    def build_menu(self, jobs: list[Job]) -> QMenu | None:
        if not jobs or self.engine is None:
            return None
        menu = QMenu(self)
        menu.setObjectName("JobMenu")
        menu.aboutToHide.connect(menu.deleteLater)
        cancel = menu.addAction("Cancel", lambda: self.cancel(jobs))
        cancel.setEnabled(any(not j.is_final for j in jobs))
        retry = menu.addAction("Retry", lambda: self.retry(jobs))
        retry.setEnabled(any(j.state in (JobState.FAILED, JobState.CANCELLED) for j in jobs))
        menu.addSeparator()
        queued = [j for j in jobs if j.state is JobState.QUEUED]
        for label, where in (
            ("Move up", "up"),
            ("Move down", "down"),
            ("Move to top", "top"),
            ("Move to bottom", "bottom"),
        ):
            action = menu.addAction(label, functools.partial(self.move_jobs, queued, where))
            action.setEnabled(bool(queued))
        pin = menu.addMenu("Pin to node")
        pin.setEnabled(bool(queued))
        pinned = {j.pinned_node for j in queued}
        for name in [None, *sorted(self.engine.nodes)]:
            action = pin.addAction(name or "Any node", functools.partial(self.pin, queued, name))
            action.setCheckable(True)
            action.setChecked(pinned == {name})
        menu.addSeparator()
        menu.addAction("Open output folder", lambda: self.open_folder(jobs[0]))
        return menu

    def cancel(self, jobs: list[Job]) -> None:
        engine = self.engine
        if engine is None:
            return
        ids = [j.id for j in jobs if not j.is_final]

        async def work() -> None:
            for job_id in ids:
                await engine.cancel(job_id)

        self.tasks.run_task(work(), self, "Cancel jobs" if len(ids) > 1 else "Cancel job")

    def retry(self, jobs: list[Job]) -> None:
        if self.engine is None:
            return
        for job in jobs:
            if job.state in (JobState.FAILED, JobState.CANCELLED):
                self.engine.retry(job.id)

    def move_jobs(self, jobs: list[Job], where: str) -> None:
        if self.engine is None:
            return
        # Each job moves on its own; this order keeps the selection's own order.
        ordered = jobs if where in ("up", "bottom") else list(reversed(jobs))
        for job in ordered:
            current = self.engine.queue.get(job.id)
            if current is not None and current.state is JobState.QUEUED:
                self.engine.queue.move(job.id, where)
        self.engine.wake()

    def pin(self, jobs: list[Job], node: str | None) -> None:
        if self.engine is None:
            return
        for job in jobs:
            current = self.engine.queue.get(job.id)
            if current is not None and current.state is JobState.QUEUED:
                self.engine.queue.update(job.id, pinned_node=node)
                self.engine.waiting_reason.pop(job.id, None)
        self.engine.wake()

    def open_folder(self, job: Job) -> None:
        folder = Path(job.outputs[0]).parent if job.outputs else Path(job.destination)
        if not folder.is_dir():
            self.message("No output folder yet", f"{folder} does not exist yet.")
            return
        self.open_url(QUrl.fromLocalFile(str(folder)))
