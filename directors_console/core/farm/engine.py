"""The farm engine: nodes, health, dispatch, run, failover, recovery.

It owns one :class:`ComfyClient` and one :class:`HealthMonitor` per render node, and
one dispatcher that wakes on every change (a job queued, a node's health, a job done)
and gives queued jobs to the best eligible node. Each dispatched job has a runner
task that posts the prompt under our own prompt id, follows it, downloads its
outputs, and moves the job to its final state.

Failures: a workflow error (validation, an exception in a node) fails the job with
the server's message, no blind retry; an infrastructure failure (the node drops,
hangs, times out) puts the job back in the queue for another node, at most
``max_attempts`` times. The prompt left behind on a failed node is remembered and
deleted/interrupted there when the node comes back, and outputs are only written by
the runner whose prompt id the job still holds, so one job never yields two outputs.

After a crash, :meth:`start` reconciles jobs that were dispatched or running: their
outcome is read from the node's history, or they are followed to the end, or
queued again.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import ComfyError, HttpError, ValidationFailed
from directors_console.core.comfy.message_types import Event, PreviewImage, Progress
from directors_console.core.comfy.tracker import OutcomeStatus, PromptOutcome
from directors_console.core.farm.health import HealthMonitor, NodeRuntime
from directors_console.core.farm.jobs import ErrorKind, Job, JobState
from directors_console.core.farm.outputs import save_outputs
from directors_console.core.farm.progress import (
    PreviewFrame,
    PreviewGate,
    ProgressSnapshot,
    PromptProgress,
)
from directors_console.core.farm.queue import JobQueue
from directors_console.core.farm.requirements import Requirements, requirements_of
from directors_console.core.farm.scheduler import Health, NodeState, Placement, Scheduler
from directors_console.core.settings import RenderNodeConfig

log = logging.getLogger(__name__)

ClientFactory = Callable[[RenderNodeConfig], ComfyClient]
INFRA_EXCEPTIONS = ("OutOfMemory", "CUDA", "torch.cuda", "MemoryError")


def default_client(config: RenderNodeConfig) -> ComfyClient:
    return ComfyClient(config.url, headers=config.headers or None)


@dataclass
class FarmOptions:
    poll_interval: float = 3.0
    poll_timeout: float = 5.0
    failover_after: float = 10.0  # seconds offline before its jobs move elsewhere
    stuck_after: float = 300.0  # seconds without progress before a job counts as stuck
    job_timeout: float | None = None  # overall limit for one attempt
    lookahead: int = 200  # queued jobs examined per dispatch round


class _Retry(Exception):
    """An infrastructure failure: put the job back for another node."""


class FarmEngine:
    def __init__(
        self,
        queue: JobQueue,
        options: FarmOptions | None = None,
        client_factory: ClientFactory = default_client,
    ) -> None:
        self.queue = queue
        self.options = options or FarmOptions()
        self.scheduler = Scheduler()
        self._client_factory = client_factory
        self.nodes: dict[str, NodeRuntime] = {}
        self._monitors: dict[str, HealthMonitor] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}  # node monitors and the dispatcher
        self._runners: dict[str, asyncio.Task[None]] = {}  # job id -> runner
        self._progress: dict[str, PromptProgress] = {}
        self._last_progress: dict[str, float] = {}
        self._abandoned: dict[str, set[str]] = {}  # node -> prompt ids to clean up there
        self._cancelling: set[str] = set()
        self.waiting_reason: dict[str, str] = {}  # queued job -> why it is not placed
        self._wake = asyncio.Event()
        self._job_started = asyncio.Event()
        self._requirements: dict[str, Requirements] = {}
        self._capabilities_seen: dict[str, object] = {}
        self._signatures: dict[str, tuple[object, ...]] = {}
        self.on_node_changed: list[Callable[[NodeRuntime], None]] = []
        self.on_progress: list[Callable[[str, ProgressSnapshot], None]] = []
        # Sampler previews of running jobs, a few per second per job (bytes, not decoded).
        self.on_preview: list[Callable[[str, PreviewFrame], None]] = []
        self._preview_gate = PreviewGate()
        self._held_previews: dict[str, PreviewFrame] = {}  # too early; shown when due
        self.on_log: list[Callable[[str], None]] = []
        self._started = False
        self._background: set[asyncio.Future[Any]] = set()

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._tasks["<dispatcher>"] = asyncio.ensure_future(self._dispatch_loop())
        self._tasks["<watchdog>"] = asyncio.ensure_future(self._watchdog())
        for job in self.queue.active():
            self._resume(job)
        self.wake()

    async def stop(self) -> None:
        # Closing removed nodes' clients is let to finish (briefly), not cancelled: a
        # cancelled close leaks the socket.
        if self._background:
            await asyncio.wait(list(self._background), timeout=1.0)
        tasks = [*self._tasks.values(), *self._runners.values(), *self._background]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._runners.clear()
        await asyncio.gather(*(n.client.aclose() for n in self.nodes.values()))
        self._started = False

    def wake(self) -> None:
        self._wake.set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _log(self, text: str) -> None:
        log.info("%s", text)
        for callback in list(self.on_log):
            callback(text)

    # -- nodes ----------------------------------------------------------------------------

    def set_nodes(self, configs: Iterable[RenderNodeConfig]) -> None:
        """Make the node set match ``configs`` (add, update, remove)."""
        wanted = {c.name: c for c in configs}
        drained = self.queue.drained_nodes
        for name in list(self.nodes):
            old = self.nodes[name]
            new = wanted.get(name)
            if new is None or new.url != old.config.url or new.headers != old.config.headers:
                self._remove_node(name)
        for name, config in wanted.items():
            node = self.nodes.get(name)
            if node is None:
                self._add_node(config)
                node = self.nodes[name]
            node.config = config
            node.state.enabled = config.enabled
            node.state.tags = frozenset(config.tags)
            node.state.max_concurrent = config.max_concurrent
            node.state.draining = name in drained
        self.scheduler.capabilities_changed()
        self.wake()

    def _add_node(self, config: RenderNodeConfig) -> None:
        client = self._client_factory(config)
        node = NodeRuntime(config, client, NodeState(config.name))
        self.nodes[config.name] = node
        monitor = HealthMonitor(
            node,
            self._node_changed,
            interval=self.options.poll_interval,
            timeout=self.options.poll_timeout,
        )
        self._monitors[config.name] = monitor
        self._tasks[config.name] = asyncio.ensure_future(monitor.run())

    def _remove_node(self, name: str) -> None:
        node = self.nodes.pop(name)
        self._monitors.pop(name, None)
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()
        node.went_offline.set()  # its running jobs move elsewhere
        self._spawn(node.client.aclose())

    def _node_changed(self, node: NodeRuntime) -> None:
        state = node.state
        if state.health is not Health.OFFLINE and node.name in self._abandoned:
            self._spawn(self._clean_abandoned(node))
        if self._capabilities_seen.get(node.name) is not state.capabilities:
            self._capabilities_seen[node.name] = state.capabilities
            self.scheduler.capabilities_changed()
        for callback in list(self.on_node_changed):
            callback(node)
        # Polls and live monitor messages arrive every few seconds per node: the
        # dispatcher only needs waking when something it decides on has changed.
        vram = None if state.free_vram is None else state.free_vram >> 30
        signature = (state.health, state.server_queue, vram, id(state.capabilities))
        if self._signatures.get(node.name) != signature:
            self._signatures[node.name] = signature
            self.wake()

    def drain(self, name: str, on: bool = True) -> None:
        self.queue.set_drained(name, on)
        if name in self.nodes:
            self.nodes[name].state.draining = on
        self.wake()

    async def _clean_abandoned(self, node: NodeRuntime) -> None:
        ids = sorted(self._abandoned.pop(node.name, set()))
        if not ids:
            return
        try:
            await node.client.delete_pending(ids)
            for pid in ids:
                await node.client.interrupt(pid)
            self._log(f"{node.name}: removed {len(ids)} prompt(s) of jobs that moved elsewhere")
        except ComfyError as exc:
            self._abandoned.setdefault(node.name, set()).update(ids)
            log.warning("could not clean up on %s: %s", node.name, exc)

    # -- jobs -----------------------------------------------------------------------------

    def submit(self, jobs: list[Job], group_label: str | None = None) -> list[Job]:
        stored = self.queue.submit_many(jobs, group_label)
        self.wake()
        return stored

    async def cancel(self, job_id: str) -> Job:
        job = self.queue.get(job_id)
        if job is None:
            raise KeyError(job_id)
        if job.is_final:
            return job
        if job.state is JobState.QUEUED:
            return self.queue.update(job_id, JobState.CANCELLED, error="cancelled by the user")
        self._cancelling.add(job_id)
        node = self.nodes.get(job.node or "")
        if node is not None and job.prompt_id:
            with contextlib.suppress(ComfyError):
                await node.client.delete_pending([job.prompt_id])
                await node.client.interrupt(job.prompt_id)
        runner = self._runners.get(job_id)
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        current = self.queue.get(job_id)
        if current is not None and not current.is_final:
            current = self.queue.update(job_id, JobState.CANCELLED, error="cancelled by the user")
        self._cancelling.discard(job_id)
        assert current is not None
        return current

    def retry(self, job_id: str) -> Job:
        job = self.queue.retry(job_id)
        self.wake()
        return job

    async def object_info_union(self, timeout: float = 30.0) -> dict[str, Any] | None:
        """Every node class any answering node knows (servers differ in custom nodes);
        None when no node answers. Each client caches its own object_info."""
        merged: dict[str, Any] = {}
        answered = False
        for node in list(self.nodes.values()):
            if node.state.health is Health.OFFLINE or not node.state.enabled:
                continue
            try:
                raw = await asyncio.wait_for(node.client.object_info(), timeout)
            except (ComfyError, TimeoutError) as exc:
                log.info("object_info of %s: %s", node.name, exc)
                continue
            answered = True
            for name, body in raw.items():
                merged.setdefault(name, body)
        return merged if answered else None

    def progress_of(self, job_id: str) -> ProgressSnapshot | None:
        tracker = self._progress.get(job_id)
        return tracker.snapshot() if tracker else None

    def placement(self, job: Job) -> Placement:
        req = self._requirements.get(job.id)
        if req is None:
            req = self._requirements[job.id] = requirements_of(job.prompt)
        return Placement(
            req,
            pinned_node=job.pinned_node,
            required_tags=frozenset(job.required_tags),
            preferred_tags=frozenset(job.preferred_tags),
            excluded_nodes=frozenset(job.excluded_nodes),
        )

    # -- dispatch -------------------------------------------------------------------------

    async def _dispatch_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                self.dispatch_once()
            except Exception:
                log.exception("dispatch failed")

    def dispatch_once(self) -> int:
        """Place as many queued jobs as there are free slots; returns how many."""
        if self.queue.paused:
            return 0
        states = [n.state for n in self.nodes.values()]
        placed = 0
        if not any(self.scheduler.takes_work(s) for s in states):
            return 0
        for job in self.queue.next_queued(self.options.lookahead):
            decision = self.scheduler.choose(self.placement(job), states)
            if decision.node is None:
                self.waiting_reason[job.id] = decision.reason
                if decision.reason == "waiting for a free node":
                    break
                continue
            self.waiting_reason.pop(job.id, None)
            self._launch(job, self.nodes[decision.node])
            placed += 1
            if not any(self.scheduler.takes_work(s) for s in states):
                break
        return placed

    def _launch(self, job: Job, node: NodeRuntime) -> None:
        pid = uuid.uuid4().hex
        job = self.queue.update(job.id, JobState.DISPATCHED, node=node.name, prompt_id=pid)
        node.state.running += 1
        self._runners[job.id] = asyncio.ensure_future(self._run(job, node, submit=True))

    def _resume(self, job: Job) -> None:
        node = self.nodes.get(job.node or "")
        if node is None or not job.prompt_id:
            self.queue.requeue_after_failure(job.id, job.node or "?", "its node is gone")
            return
        node.state.running += 1
        self._runners[job.id] = asyncio.ensure_future(self._run(job, node, submit=False))

    # -- running one job ------------------------------------------------------------------

    async def _run(self, job: Job, node: NodeRuntime, *, submit: bool) -> None:
        pid = job.prompt_id
        assert pid is not None
        self._progress[job.id] = PromptProgress(job.prompt, pid)
        self._last_progress[job.id] = time.monotonic()
        self._job_started.set()
        try:
            outcome = await self._follow(job, node, pid, submit)
            await self._finish(job, node, pid, outcome)
        except _Retry as exc:
            self._requeue(job, node, pid, str(exc))
        except ValidationFailed as exc:
            self._fail(job, str(exc), ErrorKind.WORKFLOW)
        except asyncio.CancelledError:
            if job.id not in self._cancelling:
                self._requeue(job, node, pid, "the program stopped")
            raise
        except Exception as exc:
            log.exception("job %s on %s", job.id, node.name)
            self._requeue(job, node, pid, f"unexpected error: {exc}")
        finally:
            node.state.running = max(0, node.state.running - 1)
            self._runners.pop(job.id, None)
            self._progress.pop(job.id, None)
            self._last_progress.pop(job.id, None)
            self._preview_gate.forget(job.id)
            self._held_previews.pop(job.id, None)
            self._requirements.pop(job.id, None)
            self.wake()

    async def _follow(self, job: Job, node: NodeRuntime, pid: str, submit: bool) -> PromptOutcome:
        client = node.client

        def on_event(event: Event) -> None:
            self._on_event(job.id, node, event)

        if not submit:
            entry = await self._guard(client.history_entry(pid))
            if entry is None:
                queue = await self._guard(client.queue())
                if pid not in queue:
                    raise _Retry(f"{node.name} no longer has the prompt (restarted?)")
        tracker = client.track(pid, on_event=on_event)
        try:
            if submit:
                extra = {"extra_pnginfo": {"directors_console": {"job": job.id}}}
                prompt = await self._with_uploads(job, node)
                result = await self._guard(client.submit(prompt, prompt_id=pid, extra_data=extra))
                if result.node_errors:
                    self._log(
                        f"{job.label or job.id[:8]}: some outputs will not run on {node.name}"
                    )
            wait = asyncio.ensure_future(tracker.wait(self.options.job_timeout))
            offline = asyncio.ensure_future(self._offline_for(node))
            try:
                done, _ = await asyncio.wait({wait, offline}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for side in (wait, offline):
                    if not side.done():
                        side.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ComfyError):
                        await side
            if wait not in done:
                raise _Retry(f"{node.name} went offline")
            try:
                return wait.result()
            except ComfyError as exc:
                raise _Retry(f"{node.name}: {exc}") from exc
        finally:
            tracker.close()

    async def _with_uploads(self, job: Job, node: NodeRuntime) -> dict[str, Any]:
        """The job's prompt with its local input files uploaded to ``node`` (once per
        content and server) and the inputs pointing at the uploaded names."""
        if not job.uploads:
            return job.prompt
        prompt = copy.deepcopy(job.prompt)
        for target, local in job.uploads.items():
            node_id, _, input_name = target.partition("/")
            inputs = prompt.get(node_id, {}).get("inputs")
            if not isinstance(inputs, dict) or not input_name:
                raise ValidationFailed("bad_upload", f"no input {target!r} for {local}")
            try:
                uploaded = await self._guard(node.client.upload_image(Path(local)))
            except OSError as exc:
                raise ValidationFailed(
                    "missing_input", f"cannot read {local}: {exc.strerror or exc}"
                ) from exc
            inputs[input_name] = uploaded.reference
        return prompt

    async def _guard(self, coro: Any) -> Any:
        """Await a client call; infrastructure errors become a retry."""
        try:
            return await coro
        except ValidationFailed:
            raise
        except HttpError as exc:
            if exc.status >= 500 or exc.status in (408, 429):
                raise _Retry(str(exc)) from exc
            raise
        except ComfyError as exc:
            raise _Retry(str(exc)) from exc

    async def _offline_for(self, node: NodeRuntime) -> None:
        while True:
            await node.went_offline.wait()
            since = node.offline_since or time.monotonic()
            remaining = self.options.failover_after - (time.monotonic() - since)
            if node.name not in self.nodes or remaining <= 0:
                return
            await asyncio.sleep(remaining)
            if node.went_offline.is_set():
                return

    def _on_event(self, job_id: str, node: NodeRuntime, event: Event) -> None:
        if isinstance(event, PreviewImage):
            self._on_preview(job_id, event)
            return
        tracker = self._progress.get(job_id)
        if tracker is None or not tracker.feed(event):
            return
        self._last_progress[job_id] = time.monotonic()
        job = self.queue.get(job_id)
        if job is not None and job.state in (JobState.DISPATCHED, JobState.STUCK):
            self.queue.update(job_id, JobState.RUNNING)
        snap = tracker.snapshot()
        if isinstance(event, Progress) and tracker.seconds_per_step is not None:
            node.state.seconds_per_step = tracker.seconds_per_step
        for callback in list(self.on_progress):
            callback(job_id, snap)

    def _on_preview(self, job_id: str, event: PreviewImage) -> None:
        if not self.on_preview or job_id not in self._progress:
            return
        frame = PreviewFrame(event.format, event.image, event.node_id)
        if job_id in self._held_previews:  # its timer is pending: it shows the newest
            self._held_previews[job_id] = frame
            return
        wait = self._preview_gate.wait(job_id)
        if wait > 0:
            # Keep only the newest early frame; one timer per job delivers it when due.
            if job_id not in self._held_previews:
                asyncio.get_running_loop().call_later(wait, self._release_preview, job_id)
            self._held_previews[job_id] = frame
            return
        self._show_preview(job_id, frame)

    def _release_preview(self, job_id: str) -> None:
        frame = self._held_previews.pop(job_id, None)
        if frame is not None and job_id in self._progress:
            self._show_preview(job_id, frame)

    def _show_preview(self, job_id: str, frame: PreviewFrame) -> None:
        # Marked shown even when a timer fired a hair early, so no two come close together.
        self._preview_gate.shown(job_id)
        for callback in list(self.on_preview):
            callback(job_id, frame)

    async def _finish(self, job: Job, node: NodeRuntime, pid: str, outcome: PromptOutcome) -> None:
        if outcome.status is OutcomeStatus.SUCCESS:
            current = self.queue.get(job.id)
            if current is None or current.prompt_id != pid or current.is_final:
                return  # the job moved on; never write a second set of outputs
            try:
                paths = await save_outputs(node, current, outcome)
            except ComfyError as exc:
                raise _Retry(f"downloading outputs from {node.name} failed: {exc}") from exc
            self.queue.update(job.id, JobState.SUCCEEDED, outputs=[str(p) for p in paths])
            self._log(f"{job.label or job.id[:8]}: done on {node.name}, {len(paths)} file(s)")
        elif outcome.status is OutcomeStatus.ERROR:
            text = outcome.describe()
            kind = (
                ErrorKind.INFRASTRUCTURE
                if any(k in text for k in INFRA_EXCEPTIONS)
                else ErrorKind.WORKFLOW
            )
            if kind is ErrorKind.INFRASTRUCTURE:
                raise _Retry(f"{node.name}: {text}")
            self._fail(job, text, kind)
        elif outcome.status is OutcomeStatus.INTERRUPTED:
            if job.id in self._cancelling:
                return
            raise _Retry(f"interrupted on {node.name}")
        else:
            raise _Retry(f"{node.name}: {outcome.describe()}")

    def _fail(self, job: Job, text: str, kind: ErrorKind) -> None:
        current = self.queue.get(job.id)
        if current is not None and not current.is_final:
            self.queue.update(job.id, JobState.FAILED, error=text, error_kind=kind)
            self._log(f"{job.label or job.id[:8]} failed: {text}")

    def _requeue(self, job: Job, node: NodeRuntime, pid: str, reason: str) -> None:
        current = self.queue.get(job.id)
        if current is None or current.is_final or current.prompt_id != pid:
            return
        self._abandoned.setdefault(node.name, set()).add(pid)
        moved = self.queue.requeue_after_failure(job.id, node.name, reason)
        self._log(f"{job.label or job.id[:8]}: {reason}; {moved.state.value}")

    # -- stuck jobs -----------------------------------------------------------------------

    async def _watchdog(self) -> None:
        while True:
            if not self._last_progress:
                # Nothing runs: sleep until a job starts (no wake-ups while idle).
                self._job_started.clear()
                await self._job_started.wait()
            await asyncio.sleep(min(5.0, self.options.stuck_after / 4))
            now = time.monotonic()
            for job_id, last in list(self._last_progress.items()):
                if now - last < self.options.stuck_after:
                    continue
                job = self.queue.get(job_id)
                # A prompt waiting in the server's own queue is not stuck, only a running one.
                if job is not None and job.state is JobState.RUNNING:
                    self.queue.update(job_id, JobState.STUCK)
                    self._log(f"{job.label or job_id[:8]}: no progress for {now - last:.0f} s")
