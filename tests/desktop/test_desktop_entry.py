"""``--install-desktop-entry``: a valid .desktop file that starts the program like a menu does."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.desktop.conftest import (
    APP_TITLE,
    START_TIMEOUT,
    Tracked,
    XDisplay,
    app_command,
    pid_gone,
    run_checked,
    sandbox_env,
    skip_desktop,
    wait_pid_gone,
)

pytestmark = pytest.mark.desktop

ENTRY_NAME = "directors-console.desktop"
LAUNCHERS = {"dex": ["dex"], "gio": ["gio", "launch"]}


def install_entry(env: dict[str, str]) -> Path:
    out = run_checked([*app_command(), "--install-desktop-entry"], env)
    entry = Path(env["XDG_DATA_HOME"]) / "applications" / ENTRY_NAME
    assert entry.is_file(), f"no {entry}; the command printed:\n{out}"
    assert str(entry) in out
    return entry


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text("utf-8"))
    return dict(parser["Desktop Entry"])


def assert_executable(path: str, what: str) -> None:
    assert Path(path).is_absolute(), f"{what} is not an absolute path: {path}"
    assert Path(path).is_file(), f"{what} does not exist: {path}"
    assert os.access(path, os.X_OK), f"{what} is not executable: {path}"


def test_installed_entry_points_at_real_files(tmp_path: Path) -> None:
    env = sandbox_env(None, tmp_path)
    entry = install_entry(env)
    fields = read_entry(entry)

    assert fields["Type"] == "Application"
    assert fields["Name"] == APP_TITLE
    argv = shlex.split(fields["Exec"])
    assert_executable(argv[0], "Exec")
    assert_executable(fields["TryExec"], "TryExec")
    assert sum(arg in ("%f", "%F", "%u", "%U") for arg in argv) <= 1, argv

    icon = Path(fields["Icon"])
    assert icon.is_absolute() and icon.is_file(), f"Icon is not an existing file: {icon}"
    assert icon.is_relative_to(Path(env["XDG_DATA_HOME"])), icon
    head = icon.read_text("utf-8", errors="replace")[:400]
    assert "<svg" in head, f"Icon is not an SVG: {head[:80]!r}"


def test_installed_entry_passes_desktop_file_validate(tmp_path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        skip_desktop("desktop-file-validate not installed (Debian: desktop-file-utils)")
    entry = install_entry(sandbox_env(None, tmp_path))
    report = run_checked(["desktop-file-validate", str(entry)], os.environ.copy())
    assert ": error:" not in report, report


def find_launched_window(
    xdisplay: XDisplay, config_dir: Path, timeout: float = START_TIMEOUT
) -> tuple[int, int]:
    """The (window, pid) of the program that runs with ``config_dir`` (set by our env)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for window in xdisplay.find_windows():
            result = xdisplay.tool("xdotool", "getwindowpid", str(window), check=False)
            if result.returncode != 0:
                continue
            pid = int(result.stdout.strip())
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"DIRECTORS_CONSOLE_CONFIG_DIR={config_dir}".encode() in environ:
                return window, pid
        time.sleep(0.1)
    pytest.fail(f"no window {APP_TITLE!r} of the launched program within {timeout} s")
    raise AssertionError("unreachable")


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_entry_starts_the_program_like_a_file_manager(
    xdisplay: XDisplay, tmp_path: Path, tracked_pids: Tracked, launcher: str
) -> None:
    command = LAUNCHERS[launcher]
    if shutil.which(command[0]) is None:
        skip_desktop(f"{command[0]} not installed (Debian: dex, libglib2.0-bin)")
    env = sandbox_env(xdisplay, tmp_path)
    config_dir = Path(env["DIRECTORS_CONSOLE_CONFIG_DIR"])
    entry = install_entry(env)

    # The launcher's output files (not pipes): the program it starts inherits them and
    # outlives it, so a pipe would stay open until the program exits.
    output = tmp_path / f"{launcher}.out"
    with open(output, "wb") as out:
        code = subprocess.run(
            [*command, str(entry)], env=env, stdout=out, stderr=out, timeout=30, check=False
        ).returncode
    assert code == 0, f"{launcher} exited {code}:\n{output.read_text(errors='replace')}"
    window, pid = find_launched_window(xdisplay, config_dir)
    tracked_pids.pids.append(pid)
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert any(part.endswith(b"directors-console") for part in cmdline), cmdline

    xdisplay.close_request(window)
    assert wait_pid_gone(pid, 5.0), "the program did not exit within 5 s of the close request"
    assert pid_gone(pid)
    log = (config_dir / "logs" / "directors-console.log").read_text("utf-8")
    assert "shut down cleanly" in log, log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    assert "Traceback" not in output.read_text(errors="replace")
