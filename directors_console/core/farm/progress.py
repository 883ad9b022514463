"""Progress of one running prompt: nodes, sampler phases, steps, percent and ETA.

Fed with the typed WebSocket events of one prompt, it answers what a user wants to
read: "Phase 1/2 · KSampler · Step 5/14 · 38 % · ETA 0:42".

Weighting of the overall percent: a node with a ``steps`` input (KSampler,
KSamplerAdvanced, SamplerCustom…, any node that reports steps) weighs its step count,
since sampling is where the time goes; every other node weighs 1. Cached nodes count
as done at once. Percent = done weight (+ the running node's weight × its step
fraction) / total weight.

ETA: remaining sampler steps × the measured seconds per step (mean over the steps seen
so far in this prompt) + remaining other nodes × their measured mean duration
(0.5 s until one has been measured). No ETA before the first step was timed.

Sampler previews: :class:`PreviewGate` lets a few :class:`PreviewFrame` s per second per
job through (the server may send one per step); the bytes stay encoded for the UI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from directors_console.core.comfy.message_types import (
    Event,
    Executed,
    Executing,
    ExecutionCached,
    ExecutionError,
    ExecutionInterrupted,
    ExecutionStart,
    ExecutionSuccess,
    Progress,
)

DEFAULT_STEPS = 20
DEFAULT_NODE_SECONDS = 0.5
PREVIEW_INTERVAL = 0.25  # seconds between two previews of one job


def _steps_of(node: Mapping[str, Any]) -> int | None:
    inputs = node.get("inputs")
    if not isinstance(inputs, Mapping) or "steps" not in inputs:
        return None
    steps = inputs["steps"]
    if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
        return steps
    return DEFAULT_STEPS  # linked from another node: unknown until it runs


@dataclass(frozen=True)
class ProgressSnapshot:
    state: str  # "waiting" | "running" | "succeeded" | "failed" | "interrupted"
    nodes_done: int
    nodes_total: int
    phase: int  # 1-based index of the current sampler, 0 before the first
    phases: int
    current_class: str | None
    step: int
    steps: int
    fraction: float  # 0..1
    eta_seconds: float | None

    def text(self) -> str:
        if self.state == "waiting":
            return "Waiting"
        if self.state != "running":
            return self.state.capitalize()
        parts: list[str] = []
        if self.phases > 1 and self.phase:
            parts.append(f"Phase {self.phase}/{self.phases}")
        if self.current_class:
            parts.append(self.current_class)
        if self.steps:
            parts.append(f"Step {self.step}/{self.steps}")
        else:
            parts.append(f"Node {min(self.nodes_done + 1, self.nodes_total)}/{self.nodes_total}")
        parts.append(f"{round(self.fraction * 100)} %")
        if self.eta_seconds is not None:
            parts.append(f"ETA {format_eta(self.eta_seconds)}")
        return " · ".join(parts)


@dataclass(frozen=True)
class PreviewFrame:
    """The latest sampler preview of a job, still encoded (JPEG/PNG/WebP)."""

    format: str
    image: bytes
    node_id: str | None = None


class PreviewGate:
    """At most one preview per ``interval`` seconds per job.

    A frame that comes too early is not lost for good: the caller keeps the newest one and
    delivers it when :meth:`wait` says the interval is over, so the last preview of a
    sampler phase is always shown.
    """

    def __init__(
        self, interval: float = PREVIEW_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}

    def allow(self, job_id: str) -> bool:
        now = self._clock()
        last = self._last.get(job_id)
        if last is not None and now - last < self.interval:
            return False
        self._last[job_id] = now
        return True

    def shown(self, job_id: str) -> None:
        """A preview of ``job_id`` was shown now (the next one waits a whole interval)."""
        self._last[job_id] = self._clock()

    def wait(self, job_id: str) -> float:
        """Seconds until ``job_id`` may show its next preview (0 when it may now)."""
        last = self._last.get(job_id)
        if last is None:
            return 0.0
        return max(0.0, self.interval - (self._clock() - last))

    def forget(self, job_id: str) -> None:
        self._last.pop(job_id, None)


def format_eta(seconds: float) -> str:
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class PromptProgress:
    def __init__(
        self,
        prompt: Mapping[str, Any],
        prompt_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prompt_id = prompt_id
        self._clock = clock
        self._class: dict[str, str] = {}
        self._weight: dict[str, int] = {}
        self._samplers: list[str] = []
        for node_id, node in prompt.items():
            if not isinstance(node, Mapping):
                continue
            key = str(node_id)
            self._class[key] = str(node.get("class_type", "?"))
            steps = _steps_of(node)
            self._weight[key] = steps if steps is not None else 1
            if steps is not None:
                self._samplers.append(key)
        self._done: set[str] = set()
        self._current: str | None = None
        self._step = 0
        self._steps = 0
        self._state = "waiting"
        self._sampler_order: list[str] = []
        self._node_started: float | None = None
        self._step_times: list[float] = []
        self._last_step_at: float | None = None
        self._other_durations: list[float] = []

    # -- feeding --------------------------------------------------------------------------

    def feed(self, event: Event) -> bool:
        """Apply one event; True if it belonged to this prompt and changed something."""
        pid = getattr(event, "prompt_id", None)
        if self.prompt_id is not None and pid is not None and pid != self.prompt_id:
            return False
        now = self._clock()
        if isinstance(event, ExecutionStart):
            self._state = "running"
        elif isinstance(event, ExecutionCached):
            self._done.update(n for n in event.nodes if n in self._class)
        elif isinstance(event, Executing):
            self._enter(event.node, now)
        elif isinstance(event, Progress):
            self._progress(event, now)
        elif isinstance(event, Executed):
            self._done.add(event.node)
        elif isinstance(event, ExecutionSuccess):
            self._finish_current(now)
            self._state = "succeeded"
        elif isinstance(event, ExecutionError):
            self._state = "failed"
        elif isinstance(event, ExecutionInterrupted):
            self._state = "interrupted"
        else:
            return False
        return True

    def _enter(self, node: str | None, now: float) -> None:
        self._finish_current(now)
        if node is None:
            return
        if self._state == "waiting":
            self._state = "running"
        self._current = node
        self._node_started = now
        self._step = 0
        self._steps = 0
        self._last_step_at = None
        if node in self._samplers and node not in self._sampler_order:
            self._sampler_order.append(node)

    def _finish_current(self, now: float) -> None:
        node = self._current
        if node is None:
            return
        self._done.add(node)
        if node not in self._samplers and self._node_started is not None:
            self._other_durations.append(now - self._node_started)
        self._current = None

    def _progress(self, event: Progress, now: float) -> None:
        if event.node is not None and event.node != self._current:
            self._enter(event.node, now)
        if self._state == "waiting":
            self._state = "running"
        step, steps = int(event.value), int(event.max)
        if self._current is not None and self._current in self._samplers and steps > 0:
            self._weight[self._current] = steps  # the real count, if it was linked
        if self._last_step_at is not None and step > self._step:
            self._step_times.append((now - self._last_step_at) / (step - self._step))
        elif self._last_step_at is None and self._node_started is not None and step > 0:
            self._step_times.append((now - self._node_started) / step)
        self._last_step_at = now
        self._step, self._steps = step, steps

    # -- reading --------------------------------------------------------------------------

    @property
    def seconds_per_step(self) -> float | None:
        if not self._step_times:
            return None
        return sum(self._step_times) / len(self._step_times)

    def snapshot(self) -> ProgressSnapshot:
        total = sum(self._weight.values()) or 1
        done: float = sum(w for n, w in self._weight.items() if n in self._done)
        current = self._current
        if current is not None and current not in self._done and self._steps:
            done += self._weight.get(current, 1) * min(1.0, self._step / self._steps)
        fraction = 1.0 if self._state == "succeeded" else min(1.0, done / total)
        remaining_samplers = [
            s for s in self._samplers if s not in self._done and s != current and s in self._class
        ]
        phases = len([s for s in self._samplers if s in self._sampler_order]) + len(
            remaining_samplers
        )
        phase = (self._sampler_order.index(current) + 1) if current in self._sampler_order else 0
        return ProgressSnapshot(
            state=self._state,
            nodes_done=len(self._done),
            nodes_total=len(self._class),
            phase=phase,
            phases=phases,
            current_class=self._class.get(current) if current else None,
            step=self._step,
            steps=self._steps,
            fraction=fraction,
            eta_seconds=self._eta(current, remaining_samplers),
        )

    def _eta(self, current: str | None, remaining_samplers: list[str]) -> float | None:
        per_step = self.seconds_per_step
        if self._state != "running" or per_step is None:
            return None
        steps_left = sum(self._weight[s] for s in remaining_samplers)
        if current in self._samplers and self._steps:
            steps_left += max(0, self._steps - self._step)
        others_left = sum(
            1
            for n in self._class
            if n not in self._done and n not in self._samplers and n != current
        )
        per_node = (
            sum(self._other_durations) / len(self._other_durations)
            if self._other_durations
            else DEFAULT_NODE_SECONDS
        )
        return steps_left * per_step + others_left * per_node
