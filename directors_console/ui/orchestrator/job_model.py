"""The job table: a model over the farm's queue, updated row by row.

Queue changes and progress snapshots arrive often (every WebSocket step of every
running job). They are collected and applied together on one 100 ms single-shot
timer, so a busy farm repaints a few times a second and an idle one runs no timer.
New jobs are inserted and reordered jobs moved in place (run order: priority, then
position), so selection and scroll position survive updates.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor

from directors_console.core.farm.jobs import ACTIVE, Job, JobState
from directors_console.core.farm.progress import ProgressSnapshot, format_eta
from directors_console.core.farm.scheduler import SCHEDULABLE

if TYPE_CHECKING:
    from directors_console.core.farm.engine import FarmEngine

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Job", "Group", "State", "Node", "Progress", "ETA", "Attempts", "Reason")
COL_JOB, COL_GROUP, COL_STATE, COL_NODE, COL_PROGRESS, COL_ETA, COL_ATTEMPTS, COL_REASON = range(8)
JOB_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2  # (fraction or None, text, state value)
FLUSH_MS = 100

STATE_COLORS = {
    JobState.QUEUED: "#8b8d94",
    JobState.DISPATCHED: "#3e9bd6",
    JobState.RUNNING: "#3e9bd6",
    JobState.SUCCEEDED: "#3fb950",
    JobState.FAILED: "#e5484d",
    JobState.CANCELLED: "#8b8d94",
    JobState.STUCK: "#f0a830",
}
STATE_TEXT = {JobState.DISPATCHED: "sent"}


class JobTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine: FarmEngine | None = None
        self._rows: list[Job] = []
        self._keys: list[tuple[int, float, float]] = []  # sort keys, parallel to _rows
        self._row_of: dict[str, int] = {}
        self._snaps: dict[str, ProgressSnapshot] = {}
        self._groups: dict[str, str] = {}
        self._group_stats: dict[str, tuple[int, int]] = {}  # group -> (finished, total)
        self._pending: dict[str, Job] = {}
        self._dirty: set[str] = set()
        self.flush_timer = QTimer(self)
        self.flush_timer.setSingleShot(True)
        self.flush_timer.setInterval(FLUSH_MS)
        self.flush_timer.timeout.connect(self.flush)
        self.flushes = 0  # how many times rows were repainted (tests check coalescing)

    # -- feeding --------------------------------------------------------------------------

    def attach(self, engine: FarmEngine) -> None:
        self.beginResetModel()
        self.engine = engine
        self._rows = engine.queue.jobs()
        self._reindex()
        self._count_groups()
        self._pending.clear()
        self.endResetModel()

    def job_changed(self, job: Job) -> None:
        self._pending[job.id] = job
        self._schedule()

    def progress_changed(self, job_id: str, snap: ProgressSnapshot) -> None:
        self._snaps[job_id] = snap
        self._dirty.add(job_id)
        self._schedule()

    def reasons_changed(self) -> None:
        """The engine's waiting reasons may have changed (they come without events)."""
        self._dirty.update(j.id for j in self._rows if j.state is JobState.QUEUED)
        if self._dirty:
            self._schedule()

    def _schedule(self) -> None:
        if not self.flush_timer.isActive():
            self.flush_timer.start()

    def flush(self) -> None:
        self.flush_timer.stop()
        pending, self._pending = self._pending, {}
        for job in pending.values():
            self._apply(job)
        if any(job.group_id for job in pending.values()):
            before = dict(self._group_stats)
            self._count_groups()
            changed = {g for g, stats in self._group_stats.items() if before.get(g) != stats}
            self._dirty.update(j.id for j in self._rows if j.group_id in changed)
        dirty, self._dirty = self._dirty, set()
        rows = sorted(self._row_of[i] for i in dirty if i in self._row_of)
        if rows:
            self.flushes += 1
            # One signal for the span: views repaint the visible part once.
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], last))

    def _apply(self, job: Job) -> None:
        if job.is_final:
            self._snaps.pop(job.id, None)
        key = job.sort_key()
        row = self._row_of.get(job.id)
        if row is None:
            at = bisect.bisect_right(self._keys, key)
            self.beginInsertRows(QModelIndex(), at, at)
            self._rows.insert(at, job)
            self._keys.insert(at, key)
            self._reindex(at)
            self.endInsertRows()
            return
        if self._keys[row] == key:
            self._rows[row] = job
            self._dirty.add(job.id)
            return
        keys = self._keys[:row] + self._keys[row + 1 :]
        target = bisect.bisect_right(keys, key)
        dest = target if target <= row else target + 1
        if dest in (row, row + 1):
            self._rows[row] = job
            self._keys[row] = key
            self._dirty.add(job.id)
            return
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest)
        del self._rows[row]
        del self._keys[row]
        self._rows.insert(target, job)
        self._keys.insert(target, key)
        self._reindex(min(row, target))
        self.endMoveRows()
        self._dirty.add(job.id)

    def _count_groups(self) -> None:
        stats: dict[str, list[int]] = {}
        for job in self._rows:
            if job.group_id:
                entry = stats.setdefault(job.group_id, [0, 0])
                entry[0] += job.is_final
                entry[1] += 1
        self._group_stats = {g: (done, total) for g, (done, total) in stats.items()}

    def _reindex(self, start: int = 0) -> None:
        if start == 0:
            self._keys = [j.sort_key() for j in self._rows]
        for i in range(start, len(self._rows)):
            self._row_of[self._rows[i].id] = i

    # -- reading --------------------------------------------------------------------------

    def job_at(self, row: int) -> Job:
        return self._rows[row]

    def row_of(self, job_id: str) -> int | None:
        return self._row_of.get(job_id)

    def snapshot(self, job_id: str) -> ProgressSnapshot | None:
        return self._snaps.get(job_id)

    def group_label(self, job: Job) -> str:
        if not job.group_id or self.engine is None:
            return ""
        label = self._groups.get(job.group_id)
        if label is None:
            label = self.engine.queue.group_label(job.group_id) or ""
            self._groups[job.group_id] = label
        done, total = self._group_stats.get(job.group_id, (0, 0))
        return f"{label} · {done}/{total}" if total > 1 else label

    def _pin_problem(self, job: Job) -> str | None:
        """Why a job pinned to a node cannot go there now, in one short phrase."""
        if self.engine is None or job.pinned_node is None:
            return None
        node = self.engine.nodes.get(job.pinned_node)
        if node is None:
            return f"pinned to {job.pinned_node}, which is not in the farm"
        state = node.state
        if not state.enabled:
            return f"pinned to {job.pinned_node}, which is disabled"
        if state.draining:
            return f"pinned to {job.pinned_node}, which is draining"
        if state.health.value in ("offline", "unknown"):
            return f"pinned to {job.pinned_node}, which is {state.health.value}"
        return None

    def _all_busy(self) -> bool:
        """Every node that takes jobs now is full (the rest are down or held)."""
        if self.engine is None:
            return False
        usable = [
            n.state
            for n in self.engine.nodes.values()
            if n.state.enabled and not n.state.draining and n.state.health in SCHEDULABLE
        ]
        return bool(usable) and all(s.free_slots == 0 for s in usable)

    def reason(self, job: Job) -> str:
        if job.state is JobState.QUEUED:
            pinned = self._pin_problem(job)
            if pinned:
                return pinned
            waiting = self.engine.waiting_reason.get(job.id) if self.engine else None
            # The engine's per-node list ("a: full; b: offline") says less than this.
            if self._all_busy() and (not waiting or "full" in waiting):
                return "waiting for a free node"
            if waiting:
                return waiting
            if job.error:
                return f"retrying: {job.error}"
            return f"pinned to {job.pinned_node}" if job.pinned_node else ""
        if job.state in (JobState.FAILED, JobState.CANCELLED, JobState.STUCK):
            return job.error or ("no progress for a while" if job.state is JobState.STUCK else "")
        if job.state is JobState.SUCCEEDED:
            count = len(job.outputs)
            took = (
                f" in {format_eta(job.finished - job.started)}"
                if job.started and job.finished
                else ""
            )
            return f"{count} file{'s' * (count != 1)}{took}"
        return ""

    def progress(self, job: Job) -> tuple[float | None, str]:
        snap = self._snaps.get(job.id)
        if job.state is JobState.RUNNING:
            return (snap.fraction, snap.text()) if snap else (0.0, "Starting")
        if job.state is JobState.DISPATCHED:
            return (snap.fraction if snap else 0.0), "Sent to node"
        if job.state is JobState.STUCK:
            return (snap.fraction if snap else 0.0), "No progress"
        if job.state is JobState.SUCCEEDED:
            return 1.0, "Done"
        if job.state is JobState.QUEUED:
            return None, "Queued"
        return None, job.state.value.capitalize()

    # -- Qt model API ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        job = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, col)
        if role == JOB_ROLE:
            return job
        if role == PROGRESS_ROLE:
            fraction, text = self.progress(job)
            return (fraction, text, job.state.value)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATE:
            return QColor(STATE_COLORS[job.state])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ETA, COL_ATTEMPTS):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _display(self, job: Job, col: int) -> str:
        if col == COL_JOB:
            return job.label or job.id[:8]
        if col == COL_GROUP:
            return self.group_label(job)
        if col == COL_STATE:
            return STATE_TEXT.get(job.state, job.state.value)
        if col == COL_NODE:
            node = job.node or ""
            return f"→ {job.pinned_node}" if not node and job.pinned_node else node
        if col == COL_PROGRESS:
            return self.progress(job)[1]
        if col == COL_ETA:
            snap = self._snaps.get(job.id)
            if job.state is JobState.RUNNING and snap and snap.eta_seconds is not None:
                return format_eta(snap.eta_seconds)
            return ""
        if col == COL_ATTEMPTS:
            return f"{job.attempts}/{job.max_attempts}" if job.attempts else ""
        return self.reason(job)

    def _tooltip(self, job: Job, col: int) -> str | None:
        if col == COL_REASON:
            return self.reason(job) or None
        if col == COL_ETA and job.is_final and job.started and job.finished:
            return f"Took {format_eta(job.finished - job.started)}"
        if col == COL_JOB:
            return f"{job.label}\n→ {job.destination}"
        if col == COL_NODE and job.pinned_node:
            return f"Pinned to {job.pinned_node}"
        return None


STATE_FILTERS: dict[str, frozenset[JobState] | None] = {
    "All states": None,
    "Active": frozenset({JobState.QUEUED, *ACTIVE}),
    **{state.value.capitalize(): frozenset({state}) for state in JobState},
}


class JobFilterModel(QSortFilterProxyModel):
    """Shows jobs whose label, group, node or reason contains the text, in chosen states."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._states: frozenset[JobState] | None = None

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_states(self, states: frozenset[JobState] | None) -> None:
        self.beginFilterChange()
        self._states = states
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, JobTableModel):
            return True
        job = model.job_at(source_row)
        if self._states is not None and job.state not in self._states:
            return False
        if not self._text:
            return True
        haystack = " ".join(
            (job.label, model.group_label(job), job.node or "", model.reason(job), job.id)
        ).lower()
        return self._text in haystack
