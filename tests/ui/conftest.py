"""Fixtures for widget tests: real services in a temp config dir, a shown main window."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
        window = MainWindow(window_services(services))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
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
