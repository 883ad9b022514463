"""The Storyboard's right sidebar: live progress of the panels being rendered.

Rows are grouped by panel, then by render node (queued jobs sit under "Waiting for a
node" with the scheduler's reason). Each row shows the job's version, a line like
"Phase 1/2 · KSampler · Step 5/14", a progress bar, the ETA, a status colour, a
cancel button and, once the sampler sends them, its latest preview image (decoded
small: the JPEG decoder scales while it reads). Finished jobs leave; the sidebar hides
itself when nothing runs. It is fed by the tab (job state changes, progress snapshots,
preview bytes) and only emits ``cancel_requested(job_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.farm.progress import ProgressSnapshot, format_eta

WIDTH = 300
PREVIEW_SIDE = 64
WAITING_NODE = "Waiting for a node"
STATE_COLOURS = {
    JobState.QUEUED: "#6b6d74",
    JobState.DISPATCHED: "#d9a441",
    JobState.RUNNING: "#4aa3df",
    JobState.STUCK: "#e0873a",
}


def step_text(snap: ProgressSnapshot) -> str:
    """ "Phase 1/2 · KSampler · Step 5/14" (no percent or ETA: the row shows those apart)."""
    if snap.state == "waiting":
        return "Waiting on the node"
    if snap.state != "running":
        return snap.state.capitalize()
    parts: list[str] = []
    if snap.phases:
        parts.append(f"Phase {max(1, snap.phase)}/{snap.phases}")
    if snap.current_class:
        parts.append(snap.current_class)
    if snap.steps:
        parts.append(f"Step {snap.step}/{snap.steps}")
    elif snap.nodes_total:
        parts.append(f"Node {min(snap.nodes_done + 1, snap.nodes_total)}/{snap.nodes_total}")
    return " · ".join(parts)


def decode_preview(data: bytes, side: int) -> QImage | None:
    """A sampler preview (JPEG/PNG/WebP bytes) scaled to fit ``side``; None if unreadable."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > side:
        reader.setScaledSize(size.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


@dataclass
class _Where:
    panel: str
    node: str


class JobRow(QFrame):
    cancel_clicked = Signal(str)

    def __init__(self, job_id: str, title: str) -> None:
        super().__init__()
        self.job_id = job_id
        self.setObjectName("ProgressRow")
        self.state = JobState.QUEUED
        self.fraction = 0.0
        self.strip = QFrame()
        self.strip.setFixedWidth(4)
        self.title = QLabel(title)
        self.title.setStyleSheet("font-weight: bold;")
        self.text = QLabel("Queued")
        self.text.setObjectName("ProgressText")
        self.text.setStyleSheet("color: #c8c9ce;")
        self.text.setWordWrap(True)  # beside a preview the column is narrow
        self.text.setMinimumWidth(1)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.eta = QLabel("")
        self.eta.setObjectName("ProgressEta")
        self.eta.setStyleSheet("color: #8b8d94;")
        self.cancel = QToolButton()
        self.cancel.setObjectName("CancelJob")
        self.cancel.setText("✕")
        self.cancel.setToolTip("Cancel this render")
        self.cancel.setAutoRaise(True)
        self.cancel.clicked.connect(lambda: self.cancel_clicked.emit(self.job_id))
        self.preview = QLabel()
        self.preview.setObjectName("JobPreview")
        self.preview.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #15171b; border-radius: 3px;")
        self.preview.setToolTip("The sampler's latest preview")
        self.preview.setVisible(False)
        self.previews = 0  # how many were shown (tests, diagnostics)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.eta, 0, 1, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.cancel, 0, 2, 2, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.text, 1, 0, 1, 2)
        grid.addWidget(self.bar, 2, 0, 1, 3)
        grid.setColumnStretch(0, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 4, 4)
        row.setSpacing(8)
        row.addWidget(self.strip)
        row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(grid, 1)
        self.set_state(JobState.QUEUED, "")

    def set_state(self, state: JobState, waiting: str) -> None:
        self.state = state
        colour = STATE_COLOURS.get(state, "#6b6d74")
        self.strip.setStyleSheet(f"background: {colour}; border-radius: 2px;")
        if state is JobState.QUEUED:
            self.text.setText(f"Queued · {waiting}" if waiting else "Queued")
        elif state is JobState.DISPATCHED and self.text.text().startswith("Queued"):
            self.text.setText("Sent to the node")
        elif state is JobState.STUCK:
            self.text.setText("No progress for a while")
        self.text.setToolTip(self.text.text())

    def set_preview(self, data: bytes) -> bool:
        """Show the latest sampler preview; False (and the old one kept) if unreadable."""
        ratio = self.devicePixelRatioF()
        image = decode_preview(data, round(PREVIEW_SIDE * ratio))
        if image is None:
            return False
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(ratio)
        self.preview.setPixmap(pixmap)
        self.preview.setVisible(True)
        self.previews += 1
        return True

    def set_progress(self, snap: ProgressSnapshot) -> None:
        self.fraction = snap.fraction
        self.text.setText(step_text(snap))
        self.text.setToolTip(snap.text())
        self.bar.setValue(round(snap.fraction * 1000))
        self.eta.setText(
            f"ETA {format_eta(snap.eta_seconds)}"
            if snap.eta_seconds is not None
            else f"{round(snap.fraction * 100)} %"
        )


class ProgressSidebar(QWidget):
    cancel_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StoryboardProgress")
        self.setFixedWidth(WIDTH)
        self.rows: dict[str, JobRow] = {}
        self._where: dict[str, _Where] = {}
        self._headers: list[QWidget] = []
        self.title = QLabel("Rendering")
        self.title.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.summary = QLabel()
        self.summary.setStyleSheet("color: #8b8d94;")
        self.body = QWidget()
        self.column = QVBoxLayout(self.body)
        self.column.setContentsMargins(10, 0, 10, 10)
        self.column.setSpacing(4)
        self.column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.body)
        head = QVBoxLayout()
        head.setContentsMargins(10, 8, 10, 6)
        head.addWidget(self.title)
        head.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(scroll, 1)
        self.setVisible(False)

    # -- feeding -------------------------------------------------------------------------------

    def job_changed(self, job: Job, panel: str, waiting: str = "") -> None:
        if job.is_final:
            self.remove(job.id)
            return
        row = self.rows.get(job.id)
        # A queued job pinned to a node waits for that node: show it there already.
        if job.state is JobState.QUEUED:
            node = job.pinned_node or WAITING_NODE
        else:
            node = job.node or job.pinned_node or WAITING_NODE
        where = _Where(panel, node)
        regroup = row is None or self._where.get(job.id) != where
        if row is None:
            version = f"v{job.metadata['version']:03d}" if "version" in job.metadata else job.label
            row = JobRow(job.id, str(version))
            row.cancel_clicked.connect(self.cancel_requested)
            self.rows[job.id] = row
        self._where[job.id] = where
        row.set_state(job.state, waiting)
        if regroup:
            self._rebuild()
        else:
            self.update_summary()

    def progress(self, job_id: str, snap: ProgressSnapshot) -> None:
        row = self.rows.get(job_id)
        if row is not None:
            row.set_progress(snap)

    def preview(self, job_id: str, data: bytes) -> None:
        row = self.rows.get(job_id)
        if row is not None:
            row.set_preview(data)

    def remove(self, job_id: str) -> None:
        row = self.rows.pop(job_id, None)
        self._where.pop(job_id, None)
        if row is not None:
            row.hide()
            row.setParent(None)
            row.deleteLater()
            self._rebuild()

    def clear(self) -> None:
        for job_id in list(self.rows):
            self.remove(job_id)

    # -- layout --------------------------------------------------------------------------------

    def groups(self) -> dict[str, dict[str, list[str]]]:
        """panel -> node -> job ids, sorted, as shown."""
        out: dict[str, dict[str, list[str]]] = {}
        for job_id, where in self._where.items():
            out.setdefault(where.panel, {}).setdefault(where.node, []).append(job_id)
        return {
            p: dict(sorted(nodes.items(), key=lambda kv: (kv[0] == WAITING_NODE, kv[0])))
            for p, nodes in sorted(out.items())
        }

    def _rebuild(self) -> None:
        for header in self._headers:
            header.hide()
            header.setParent(None)
            header.deleteLater()
        self._headers = []
        for row in self.rows.values():
            self.column.removeWidget(row)
        index = 0
        for panel, nodes in self.groups().items():
            head = QLabel(panel)
            head.setObjectName("ProgressPanelHeader")
            head.setStyleSheet("font-weight: bold; color: #f0a830; margin-top: 8px;")
            self.column.insertWidget(index, head)
            self._headers.append(head)
            index += 1
            for node, ids in nodes.items():
                sub = QLabel(f"● {node}" if node != WAITING_NODE else node)
                sub.setObjectName("ProgressNodeHeader")
                sub.setStyleSheet("color: #9fc6e6; margin-left: 2px;")
                self.column.insertWidget(index, sub)
                self._headers.append(sub)
                index += 1
                for job_id in sorted(ids, key=lambda j: self.rows[j].title.text()):
                    self.column.insertWidget(index, self.rows[job_id])
                    self.rows[job_id].show()
                    index += 1
        self.update_summary()
        self.setVisible(bool(self.rows))

    def update_summary(self) -> None:
        count = len(self.rows)
        running = sum(1 for r in self.rows.values() if r.state is not JobState.QUEUED)
        self.summary.setText(f"{count} render{'s' if count != 1 else ''} · {running} running")
