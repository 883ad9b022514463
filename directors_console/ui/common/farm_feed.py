"""The farm engine's callbacks and the job queue's listener, as Qt signals.

The engine calls plain Python callbacks (``on_node_changed``, ``on_progress``,
``on_log``) and the queue calls its listeners on whichever thread changed a job. A
:class:`FarmFeed` turns each into a signal (queued across threads by Qt), and takes
its callbacks out again when it is destroyed, so a closed view is never called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from directors_console.core.farm.engine import FarmEngine
    from directors_console.core.farm.health import NodeRuntime
    from directors_console.core.farm.jobs import Job
    from directors_console.core.farm.progress import ProgressSnapshot


class FarmFeed(QObject):
    node_changed = Signal(str)  # node name
    job_changed = Signal(object)  # Job (a copy)
    progress = Signal(str, object)  # job id, ProgressSnapshot
    log_line = Signal(str)

    def __init__(self, engine: FarmEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        node_emit = self.node_changed.emit
        job_emit = self.job_changed.emit
        progress_emit = self.progress.emit
        log_emit = self.log_line.emit

        def on_node(node: NodeRuntime) -> None:
            node_emit(node.name)

        def on_job(job: Job) -> None:
            job_emit(job)

        def on_progress(job_id: str, snap: ProgressSnapshot) -> None:
            progress_emit(job_id, snap)

        def on_log(text: str) -> None:
            log_emit(text)

        engine.on_node_changed.append(on_node)
        engine.on_progress.append(on_progress)
        engine.on_log.append(on_log)
        unsubscribe = engine.queue.subscribe(on_job)
        pairs: list[tuple[list[Any], Callable[..., None]]] = [
            (engine.on_node_changed, on_node),
            (engine.on_progress, on_progress),
            (engine.on_log, on_log),
        ]

        def detach(*_args: object) -> None:
            for callbacks, callback in pairs:
                if callback in callbacks:
                    callbacks.remove(callback)
            pairs.clear()
            unsubscribe()

        self._detach = detach
        self.destroyed.connect(detach)

    def close(self) -> None:
        """Stop forwarding (also happens when the feed is destroyed)."""
        self._detach()
