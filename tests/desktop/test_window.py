"""The real program in a real X window: it shows, takes keys, and closes cleanly."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from directors_console.core.events import EventBus
from directors_console.core.project import ProjectService
from directors_console.core.settings import SettingsStore
from tests.desktop.conftest import (
    RunningApp,
    XDisplay,
    assert_clean_exit,
    assert_window_pixels,
    sandbox_env,
)

pytestmark = pytest.mark.desktop

Launch = Callable[..., RunningApp]


def wait_stderr_line(app: RunningApp, line: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while line not in app.stderr().splitlines():
        if app.proc.poll() is not None:
            pytest.fail(f"exited ({app.proc.returncode}) before {line!r}:\n{app.stderr()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {line!r} on stderr within {timeout} s:\n{app.stderr()}")
        time.sleep(0.05)


def screenshot_of_window(
    xdisplay: XDisplay, window: int, path: Path, timeout: float = 10.0
) -> None:
    """Screenshot the screen until the window's area shows a painted window."""
    box = xdisplay.geometry(window)
    deadline = time.monotonic() + timeout
    while True:
        xdisplay.screenshot(path)
        try:
            assert_window_pixels(path, box)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def saved_settings(config_dir: Path) -> dict[str, object]:
    path = config_dir / "settings.yaml"
    assert path.exists(), f"no {path}: the window did not save its state on close"
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def make_project(folder: Path, config_dir: Path) -> Path:
    ProjectService(SettingsStore(config_dir), EventBus()).new(folder, "Desktop test")
    return folder


def test_window_shows_takes_tab_keys_and_closes_on_request(
    launch: Launch, xdisplay: XDisplay, tmp_path: Path
) -> None:
    app = launch(env=sandbox_env(xdisplay, tmp_path, DIRECTORS_CONSOLE_STARTUP_PROBE="1"))
    window = app.wait_window()
    wait_stderr_line(app, "DC_FIRST_PAINT")
    screenshot_of_window(xdisplay, window, tmp_path / "main-window.png")

    xdisplay.focus(window)
    for key in ("ctrl+2", "ctrl+3", "ctrl+5", "ctrl+4"):
        xdisplay.key(window, key)
    xdisplay.screenshot(tmp_path / "main-window-gallery.png")
    xdisplay.close_request(window)

    assert_clean_exit(app, app.wait_exit())
    window_state = saved_settings(app.config_dir)["window"]
    assert isinstance(window_state, dict)
    assert window_state["current_tab"] == 3, "Ctrl+4 (Gallery) was the last key pressed"


@pytest.mark.parametrize("with_project", [False, True], ids=["empty", "opening-project"])
def test_close_request_during_startup_exits_cleanly(
    launch: Launch, tmp_path: Path, with_project: bool
) -> None:
    args: list[str] = []
    if with_project:
        # Opening the project runs in a worker thread while the window comes up.
        args = ["--project", str(make_project(tmp_path / "project", tmp_path / "seed"))]
    app = launch(*args)
    window = app.wait_window(visible=False)
    app.display.close_request(window)

    assert_clean_exit(app, app.wait_exit())
    assert saved_settings(app.config_dir)["window"]


def test_sigterm_closes_the_window_and_exits_cleanly(launch: Launch) -> None:
    app = launch()
    app.wait_window()
    app.wait_signal_handler(signal.SIGTERM)
    app.proc.send_signal(signal.SIGTERM)

    assert_clean_exit(app, app.wait_exit())
    assert saved_settings(app.config_dir)["window"], "SIGTERM skipped the window's close"
