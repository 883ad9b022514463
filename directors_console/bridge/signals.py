"""Adapters between asyncio and Qt signals.

- ``await wait_signal(sig)``: resolve when a Qt signal fires (e.g. a dialog's
  ``finished`` after ``dialog.open()``; never ``exec()`` inside a coroutine).
- ``pump(aiter, emit)``: forward each item of an async iterator to a signal emit.
- ``call_in_loop(loop, fn)``: hand a callback from a worker thread to the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from PySide6.QtCore import SignalInstance

T = TypeVar("T")


async def wait_signal(signal: SignalInstance, timeout: float | None = None) -> tuple[Any, ...]:
    """Wait for the next emission of ``signal`` and return its arguments."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def on_emit(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(on_emit)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        signal.disconnect(on_emit)


async def pump(source: AsyncIterator[T], emit: Callable[[T], Any]) -> int:
    """Emit every item from ``source``; return how many were forwarded."""
    count = 0
    async for item in source:
        emit(item)
        count += 1
    return count


def call_in_loop(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    loop.call_soon_threadsafe(fn, *args)
