"""Run blocking work off the event loop: files, hashing, decoding, PDF rendering."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def current_loop() -> asyncio.AbstractEventLoop:
    """The loop this coroutine runs on.

    Under qasync a task step can run from Qt's event processing while the loop is not
    marked running (e.g. a modal dialog or a test pumping Qt events); the current loop is
    then still the right one.
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def from_worker(fn: Callable[P, object]) -> Callable[P, None]:
    """A thread-safe stand-in for ``fn``: a worker thread calls it, and ``fn`` runs on
    the loop's thread (Qt objects may only be touched there). Take it on the loop."""
    loop = current_loop()

    def call(*args: P.args, **kwargs: P.kwargs) -> None:
        loop.call_soon_threadsafe(functools.partial(fn, *args, **kwargs))

    return call


class Workers:
    """Shared thread and process pools, created lazily and shut down with the program."""

    def __init__(self, threads: int = 4, processes: int = 2) -> None:
        self._max_threads = threads
        self._max_processes = processes
        self._threads: ThreadPoolExecutor | None = None
        self._processes: ProcessPoolExecutor | None = None

    async def in_thread(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self._max_threads, thread_name_prefix="dc-work")
        call = functools.partial(fn, *args, **kwargs)
        return await current_loop().run_in_executor(self._threads, call)

    async def in_process(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn`` and its arguments must be picklable (a module-level function)."""
        if self._processes is None:
            # spawn, not fork: forking a process that runs Qt threads is unsafe.
            ctx = multiprocessing.get_context("spawn")
            self._processes = ProcessPoolExecutor(self._max_processes, mp_context=ctx)
        return await current_loop().run_in_executor(self._processes, fn, *args)

    def shutdown(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
        if self._processes is not None:
            self._processes.shutdown(wait=False, cancel_futures=True)
