"""Fixtures for widget tests: real services in a temp config dir, a shown main window."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from directors_console.app.paths import AppPaths
from directors_console.app.services import Services, build_services
from directors_console.ui.main_window import MainWindow, WindowServices


@pytest.fixture(autouse=True)
def _event_loop(aloop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
    """Widgets start background tasks (e.g. on first show): they need the session loop."""
    return aloop


@pytest.fixture
def services(config_dir: Path, aloop: asyncio.AbstractEventLoop) -> Iterator[Services]:
    built = build_services(AppPaths.resolve(config_dir))
    yield built
    aloop.run_until_complete(built.shutdown(2.0))


def window_services(services: Services) -> WindowServices:
    return WindowServices(
        settings=services.settings,
        bus=services.bus,
        projects=services.projects,
        tasks=services.tasks,
        workers=services.workers,
        log_dir=services.paths.log_dir,
        apply_farm_nodes=services.apply_farm_nodes,
    )


@pytest.fixture
def make_window(qtbot, services: Services) -> Callable[[], MainWindow]:  # type: ignore[no-untyped-def]
    def make() -> MainWindow:
        # Windows of earlier tests are deleted later; if that happened after this one was
        # activated, the offscreen platform would take the activation away with them.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        window = MainWindow(window_services(services))
        qtbot.addWidget(window)
        if asyncio._get_running_loop() is not None:
            # Called from an async test: waiting here would nest a Qt event loop inside
            # the running qasync loop (it hangs). Such tests await what they need.
            window.show()
            return window
        with qtbot.waitExposed(window):  # a context manager: it waits on leaving
            window.show()
        # Shortcuts and focus need the active window, which may come a moment later.
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        return window

    return make


@pytest.fixture
def window(make_window: Callable[[], MainWindow]) -> MainWindow:
    return make_window()


async def wait_until(check: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the (qasync) loop run until ``check()`` is truthy; never nests a Qt loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)


def stable(measure: Callable[[], object], for_s: float = 0.3) -> Callable[[], bool]:
    """For :func:`wait_until`: true once ``measure()`` has kept its value ``for_s`` seconds
    (a layout that settles in several passes, e.g. splitters after a resize)."""
    seen: dict[str, Any] = {"value": object(), "since": 0.0}

    def check() -> bool:
        now, value = time.monotonic(), measure()
        if value != seen["value"]:
            seen.update(value=value, since=now)
        return bool(now - seen["since"] >= for_s)

    return check
