"""Every coroutine has an owner: start it here, and its errors are logged and shown.

``TaskManager.run_task(coro, owner)`` tracks the task; when the owning QObject is
destroyed the task is cancelled. Failures (other than cancellation) are logged with
their traceback and emitted as ``task_failed(title, message)`` for the window's
notifications. ``shutdown()`` cancels everything and closes network clients within
a time limit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")
AsyncCloser = Callable[[], Awaitable[Any]]


class TaskManager(QObject):
    task_failed = Signal(str, str)  # title, message
    busy_changed = Signal(int)  # number of running tasks

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[asyncio.Task[Any], str] = {}
        self._owned: dict[int, set[asyncio.Task[Any]]] = {}
        self._closers: list[tuple[str, AsyncCloser]] = []
        self._closing = False

    @property
    def running(self) -> int:
        return len(self._tasks)

    @property
    def closing(self) -> bool:
        """True once shutdown began: start no new background work."""
        return self._closing

    def run_task(
        self, coro: Coroutine[Any, Any, T], owner: QObject | None = None, name: str = ""
    ) -> asyncio.Task[T]:
        if self._closing:
            coro.close()
            raise RuntimeError("the program is shutting down")
        label = name or getattr(coro, "__qualname__", "task")
        task = asyncio.ensure_future(coro)
        self._tasks[task] = label
        if owner is not None:
            key = id(owner)
            if key not in self._owned:
                self._owned[key] = set()
                owner.destroyed.connect(functools.partial(self._on_owner_destroyed, key))
            self._owned[key].add(task)
            task.add_done_callback(functools.partial(self._forget_owned, key))
        task.add_done_callback(self._finished)
        self.busy_changed.emit(len(self._tasks))
        return task

    def _forget_owned(self, key: int, task: asyncio.Task[Any]) -> None:
        owned = self._owned.get(key)
        if owned is not None:
            owned.discard(task)

    def _on_owner_destroyed(self, key: int, *_args: object) -> None:
        self._cancel_owned(key)

    def cancel_owned_by(self, owner: QObject) -> int:
        return self._cancel_owned(id(owner))

    def _cancel_owned(self, key: int) -> int:
        tasks = self._owned.pop(key, set())
        for task in tasks:
            task.cancel()
        return len(tasks)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        label = self._tasks.pop(task, "task")
        self.busy_changed.emit(len(self._tasks))
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        log.error("background task %s failed", label, exc_info=exc)
        if not self._closing:
            self.task_failed.emit(f"{label} failed", str(exc) or type(exc).__name__)

    def add_closer(self, name: str, closer: AsyncCloser) -> None:
        """Register an async close (e.g. an httpx client's ``aclose``) for shutdown."""
        self._closers.append((name, closer))

    async def shutdown(self, timeout: float = 2.0) -> bool:
        """Cancel all tasks, then close registered clients. True if all within ``timeout``."""
        self._closing = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        clean = True
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=max(0.0, timeout * 0.6))
            if pending:
                clean = False
                log.warning("%d task(s) ignored cancellation at shutdown", len(pending))
        closers = [asyncio.ensure_future(_safe_close(n, c)) for n, c in self._closers]
        if closers:
            remaining = max(0.05, deadline - loop.time())
            _done, pending = await asyncio.wait(closers, timeout=remaining)
            for task in pending:
                task.cancel()
            clean = clean and not pending
        return clean


async def _safe_close(name: str, closer: AsyncCloser) -> None:
    try:
        await closer()
    except Exception:
        log.exception("closing %s failed", name)
