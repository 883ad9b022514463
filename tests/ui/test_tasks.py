"""The bridge's task manager: errors shown, owners cancel, shutdown within 2 s."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import pytest
from PySide6.QtCore import QObject

from directors_console.app.services import Services
from directors_console.bridge.signals import pump, wait_signal
from directors_console.bridge.tasks import TaskManager
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until


async def test_failed_task_is_logged_and_notified(
    window: MainWindow, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise RuntimeError("disk on fire")

    services.tasks.run_task(broken(), window, "Export storyboard")
    await wait_until(lambda: window.notifications.shown)
    toast = window.notifications.shown[-1]
    assert toast.title.text() == "Export storyboard failed"
    assert "disk on fire" in toast.text.text()
    assert "disk on fire" in caplog.text


async def test_tasks_die_with_their_owner() -> None:
    manager = TaskManager()
    owner = QObject()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = manager.run_task(forever(), owner, "watch")
    await started.wait()
    assert manager.running == 1
    del owner  # the C++ object goes with its only Python reference, as a closed widget's does
    await wait_until(task.done)
    assert task.cancelled()
    assert manager.running == 0


async def test_wait_signal_and_pump() -> None:
    manager = TaskManager()

    async def later() -> None:
        await asyncio.sleep(0.01)
        manager.busy_changed.emit(7)

    job = asyncio.ensure_future(later())
    assert await wait_signal(manager.busy_changed, timeout=2) == (7,)
    await job

    async def items():  # type: ignore[no-untyped-def]
        for i in range(3):
            yield i

    got: list[int] = []
    assert await pump(items(), got.append) == 3
    assert got == [0, 1, 2]


async def test_shutdown_cancels_tasks_and_closes_clients_within_two_seconds() -> None:
    """A hung HTTP request, a stubborn task and a sleeper: all gone in under 2 s."""
    accepted: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    manager = TaskManager()
    client = httpx.AsyncClient(timeout=None)
    manager.add_closer("render node client", client.aclose)

    async def stubborn() -> None:
        for _ in range(3):
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    request = manager.run_task(client.get(f"http://127.0.0.1:{port}/system_stats"), None, "poll")
    sleeper = manager.run_task(asyncio.sleep(3600), None, "sleep")
    manager.run_task(stubborn(), None, "stubborn")
    await wait_until(lambda: accepted)

    started = time.monotonic()
    clean = await manager.shutdown(timeout=2.0)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert request.cancelled() and sleeper.cancelled()
    assert client.is_closed
    assert clean is False, "the stubborn task must be reported"
    with pytest.raises(RuntimeError, match="shutting down"):
        manager.run_task(asyncio.sleep(0))

    for writer in accepted:
        writer.close()
    server.close()
    await server.wait_closed()
    await asyncio.sleep(0)


def _square(n: int) -> int:
    return n * n


async def test_workers_run_blocking_work_off_the_loop() -> None:
    import os
    import threading

    from directors_console.bridge.threads import Workers

    workers = Workers(threads=2, processes=1)
    try:
        loop_thread = threading.get_ident()
        thread_id = await workers.in_thread(threading.get_ident)
        assert thread_id != loop_thread
        assert await workers.in_thread(sorted, [3, 1, 2]) == [1, 2, 3]
        assert await workers.in_process(_square, 12) == 144
        assert await workers.in_process(os.getpid) != os.getpid()
    finally:
        workers.shutdown()


def test_worker_progress_reaches_the_ui_while_qt_pumps_events(qtbot, aloop) -> None:  # type: ignore[no-untyped-def]
    """A task step may run from Qt's event processing with no asyncio loop marked as
    running (a sync test, a modal dialog): progress from a worker still arrives."""
    import threading

    from directors_console.bridge.threads import from_worker

    seen: list[tuple[int, int]] = []

    async def work() -> None:
        progress = from_worker(lambda done, total: seen.append((done, total)))
        thread = threading.Thread(target=progress, args=(3, 7))
        thread.start()
        thread.join()

    task = aloop.create_task(work())
    qtbot.waitUntil(lambda: task.done() and seen == [(3, 7)], timeout=5000)
    assert task.exception() is None


def test_a_failure_after_the_window_is_gone_is_only_logged(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication, QEvent

    from tests.ui.conftest import window_services

    window = MainWindow(window_services(services))  # not the fixture's: it is deleted here
    window.show()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    # pytest-qt fails this test if a slot raises (a lambda on the dead window did)
    services.tasks.task_failed.emit("Update search index failed", "no running event loop")
