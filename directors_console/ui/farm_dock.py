"""The right dock: the render nodes of the farm at a glance.

Before the farm runs it lists the nodes from settings as "starting…"; once the
window attaches the engine, compact live cards follow the health monitor, with a
one-line queue summary. If the farm cannot run, the reason is shown on top.
Updates are coalesced on a 100 ms single-shot timer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.farm.jobs import JobState
from directors_console.core.settings import SettingsStore
from directors_console.ui.common.farm_feed import FarmFeed
from directors_console.ui.common.farm_widgets import NodeCard
from directors_console.ui.common.node_view import NodeView

if TYPE_CHECKING:
    from directors_console.core.farm.engine import FarmEngine


class FarmDock(QDockWidget):
    def __init__(self, settings: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__("Render Farm", parent)
        self.setObjectName("FarmDock")
        self.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self._settings = settings
        self.engine: FarmEngine | None = None
        self.feed: FarmFeed | None = None
        self.cards: dict[str, NodeCard] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.refresh)

        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(8, 8, 8, 8)
        self.problem = QLabel()
        self.problem.setObjectName("FarmDockProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #e5484d;")
        self.problem.hide()
        outer.addWidget(self.problem)
        self.summary = QLabel()
        self.summary.setObjectName("FarmDockSummary")
        outer.addWidget(self.summary)

        self.stack = QStackedWidget()
        self.empty = QLabel(
            "No render nodes yet.\n\nAdd a ComfyUI server in the Orchestrator tab, or from "
            "the command line:\ndirectors-console farm add-node NAME URL"
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("FarmDockEmpty")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column = QWidget()
        self.column = QVBoxLayout(column)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(8)
        self.column.addStretch(1)
        scroll.setWidget(column)
        self.nodes = scroll
        self.stack.addWidget(self.empty)
        self.stack.addWidget(scroll)
        outer.addWidget(self.stack, 1)
        self.setWidget(body)
        self.refresh()

    # -- farm -----------------------------------------------------------------------------

    def attach_farm(self, engine: FarmEngine) -> None:
        if self.feed is not None:
            self.feed.close()
            self.feed.deleteLater()
        self.engine = engine
        self.problem.clear()
        self.problem.hide()
        self.feed = FarmFeed(engine, self)
        self.feed.node_changed.connect(self.schedule_refresh)
        self.feed.job_changed.connect(self.schedule_refresh)
        self.refresh()

    def farm_unavailable(self, reason: str) -> None:
        self.problem.setText(f"The render farm is not running: {reason}")
        self.problem.show()
        self.refresh()

    def schedule_refresh(self, *_args: object) -> None:
        if not self._timer.isActive():
            self._timer.start()

    # -- rendering ------------------------------------------------------------------------

    def views(self) -> list[NodeView]:
        configs = self._settings.settings.render_nodes
        engine = self.engine
        if engine is None:
            views = [NodeView.from_config(c) for c in configs]
            if self.problem.text():
                return [replace(v, status="stopped") if v.enabled else v for v in views]
            return views
        jobs_on: dict[str, list[str]] = {}
        for job in engine.queue.active():
            jobs_on.setdefault(job.node or "", []).append(job.label or job.id[:8])
        saved = [c.name for c in configs if c.name in engine.nodes]
        names = saved + [n for n in engine.nodes if n not in saved]
        return [NodeView.from_runtime(engine.nodes[n], jobs_on.get(n, [])) for n in names]

    def refresh(self) -> None:
        self._timer.stop()
        views = self.views()
        names = [v.name for v in views]
        for name in [n for n in self.cards if n not in names]:
            self.cards.pop(name).deleteLater()
        for index, view in enumerate(views):
            card = self.cards.get(view.name)
            if card is None:
                card = self.cards[view.name] = NodeCard(view, compact=True)
            else:
                card.set_view(view)
            if self.column.indexOf(card) != index:
                self.column.insertWidget(index, card)
        self.stack.setCurrentWidget(self.nodes if views else self.empty)
        self.summary.setText(self._summary(views))
        self.summary.setVisible(bool(views))

    def _summary(self, views: list[NodeView]) -> str:
        up = sum(1 for v in views if v.status in ("online", "busy", "degraded"))
        text = f"{up} of {len(views)} node{'s' * (len(views) != 1)} up"
        if self.engine is None:
            state = "farm not running" if self.problem.text() else "farm starting…"
            return f"{len(views)} node{'s' * (len(views) != 1)} · {state}"
        counts = self.engine.queue.counts()
        running = sum(counts[s] for s in (JobState.DISPATCHED, JobState.RUNNING, JobState.STUCK))
        text += f" · {running} running · {counts[JobState.QUEUED]} queued"
        if self.engine.queue.paused:
            text += " · paused"
        return text
