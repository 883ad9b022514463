"""Real-window tests: the installed program under Xvfb, driven like a user drives it.

- One Xvfb per session (``-displayfd`` picks a free display, ``-nolisten tcp``). Only
  the programs started here get ``DISPLAY``; the pytest process stays offscreen.
- Every launch gets its own HOME, XDG folders and config dir inside ``tmp_path``.
- Closing uses what a window manager does for the title bar's X button: a
  ``WM_PROTOCOLS``/``WM_DELETE_WINDOW`` ClientMessage sent to the window
  (``xdotool windowclose`` destroys the window instead, and ``wmctrl -c`` needs a
  window manager to turn ``_NET_CLOSE_WINDOW`` into that message).
- Every process started here is killed at teardown if it is still running.
- Missing tools skip the tests with the reason; under ``CI=true`` the reason is also
  printed in a banner so a skipped desktop suite cannot go unnoticed.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

APP_TITLE = "Director's Console"
START_TIMEOUT = 20.0
EXIT_TIMEOUT = 5.0
TOOL_TIMEOUT = 15.0
SCREEN = "1600x1000x24"
XVFB_ARGS = ("Xvfb", "-nolisten", "tcp", "-noreset", "-screen", "0", SCREEN)
REQUIRED_TOOLS = ("Xvfb", "xdotool", "import")


def _under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


_CI_SKIPS: list[str] = []


def skip_desktop(reason: str) -> None:
    """Skip with ``reason``; under CI it is also repeated in a banner after the run."""
    if _under_ci() and reason not in _CI_SKIPS:
        _CI_SKIPS.append(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _CI_SKIPS:
        terminalreporter.section("DESKTOP TESTS SKIPPED UNDER CI", sep="!", red=True, bold=True)
        for reason in _CI_SKIPS:
            terminalreporter.write_line(f"tests/desktop did not run: {reason}", red=True)


# -- X11 close request (ctypes, libX11) ---------------------------------------------------


class _XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _XClientMessageEvent), ("pad", ctypes.c_long * 24)]


_CLIENT_MESSAGE = 33
_NO_EVENT_MASK = 0


def _libx11() -> ctypes.CDLL:
    lib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XSendEvent.restype = ctypes.c_int
    lib.XSendEvent.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_int,
        ctypes.c_long,
        ctypes.POINTER(_XEvent),
    ]
    lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return lib


def send_close_request(display: str, window: int) -> None:
    """Ask ``window`` to close, exactly as a window manager's close button does (ICCCM)."""
    x11 = _libx11()
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open X display {display}")
    try:
        event = _XEvent()
        event.xclient.type = _CLIENT_MESSAGE
        event.xclient.window = window
        event.xclient.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", False)
        event.xclient.format = 32
        event.xclient.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", False)
        event.xclient.data[1] = 0  # CurrentTime
        if not x11.XSendEvent(dpy, window, False, _NO_EVENT_MASK, ctypes.byref(event)):
            raise RuntimeError(f"XSendEvent to window {window} failed")
        x11.XSync(dpy, False)
    finally:
        x11.XCloseDisplay(dpy)


# -- Xvfb ---------------------------------------------------------------------------------


def missing_tools() -> list[str]:
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    try:
        _libx11()
    except OSError:
        missing.append("libX11 (for the close request)")
    return missing


def start_xvfb(log_path: Path, timeout: float = 10.0) -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display; return the process and the display name (":N")."""
    read_fd, write_fd = os.pipe()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*XVFB_ARGS, "-displayfd", str(write_fd)],
            pass_fds=(write_fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    os.close(write_fd)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or proc.poll() is not None:
                raise RuntimeError(
                    f"Xvfb did not report a display within {timeout} s: "
                    + log_path.read_text(errors="replace")[-2000:]
                )
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                chunk = os.read(read_fd, 64)
                if not chunk:
                    continue
                data += chunk
    except BaseException:
        stop_process(proc)
        raise
    finally:
        os.close(read_fd)
    return proc, f":{int(data.strip())}"


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


@dataclass
class XDisplay:
    name: str

    def tool(
        self, *args: str, timeout: float = TOOL_TIMEOUT, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run an X tool (xdotool, import, ...) against this display."""
        env = {**os.environ, "DISPLAY": self.name}
        result = subprocess.run(
            list(args), env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
            )
        return result

    def screenshot(self, path: Path) -> Path:
        self.tool("import", "-window", "root", str(path), timeout=30)
        artifacts = os.environ.get("DC_ARTIFACTS")
        if artifacts:
            Path(artifacts).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(artifacts) / path.name)
        return path

    def geometry(self, window: int) -> tuple[int, int, int, int]:
        out = self.tool("xdotool", "getwindowgeometry", "--shell", str(window)).stdout
        values = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def find_windows(self, *criteria: str, visible: bool = True) -> list[int]:
        args = ["xdotool", "search", "--all"]
        if visible:
            args.append("--onlyvisible")
        result = self.tool(*args, *criteria, "--name", APP_TITLE, check=False, timeout=5)
        return [int(line) for line in result.stdout.split()]

    def focus(self, window: int) -> None:
        self.tool("xdotool", "windowfocus", "--sync", str(window), timeout=10)

    def key(self, window: int, *keys: str) -> None:
        # The window has the input focus (see focus()), so xdotool sends real (XTEST) key
        # events; Qt only fires window shortcuts in the active window.
        self.tool("xdotool", "key", "--window", str(window), *keys)

    def close_request(self, window: int) -> None:
        send_close_request(self.name, window)


@pytest.fixture(scope="session")
def xdisplay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XDisplay]:
    missing = missing_tools()
    if missing:
        skip_desktop(
            "real-window tests need " + ", ".join(missing) + " (Debian: apt-get install "
            "xvfb xdotool imagemagick libx11-6)"
        )
    log_path = tmp_path_factory.mktemp("xvfb") / "xvfb.log"
    try:
        proc, name = start_xvfb(log_path)
    except (OSError, RuntimeError) as exc:
        pytest.fail(f"Xvfb is installed but did not start: {exc}")
    try:
        yield XDisplay(name)
    finally:
        stop_process(proc)


# -- the program ----------------------------------------------------------------------------


def app_command() -> list[str]:
    """The installed launcher beside this Python, else ``python -m directors_console``."""
    script = Path(sys.executable).parent / "directors-console"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "directors_console"]


_DROPPED_ENV = (
    "QT_QPA_PLATFORM",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "DIRECTORS_CONSOLE_STARTUP_PROBE",
    "SESSION_MANAGER",
)


def sandbox_env(display: XDisplay | None, root: Path, **extra: str) -> dict[str, str]:
    """Environment for a launched program: real X display, every user folder in ``root``."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    folders = {
        "HOME": root / "home",
        "XDG_CONFIG_HOME": root / "xdg-config",
        "XDG_DATA_HOME": root / "xdg-data",
        "XDG_CACHE_HOME": root / "xdg-cache",
        "XDG_STATE_HOME": root / "xdg-state",
        "XDG_RUNTIME_DIR": root / "xdg-runtime",
        "DIRECTORS_CONSOLE_CONFIG_DIR": root / "config",
    }
    for var, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    (root / "xdg-runtime").chmod(0o700)
    env["QT_API"] = "pyside6"
    if display is not None:
        env.update(DISPLAY=display.name, QT_QPA_PLATFORM="xcb")
    env.update(extra)
    return env


@dataclass
class RunningApp:
    proc: subprocess.Popen[bytes]
    display: XDisplay
    config_dir: Path
    stderr_path: Path
    window: int | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", errors="replace")

    def _died(self, what: str) -> None:
        pytest.fail(
            f"the program exited ({self.proc.returncode}) while {what}:\n{self.stderr()[-4000:]}"
        )

    def wait_window(self, timeout: float = START_TIMEOUT, *, visible: bool = True) -> int:
        """The main window's X id, as soon as it exists (``visible``: once it is mapped)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self._died("waiting for its window")
            found = self.display.find_windows("--pid", str(self.pid), visible=visible)
            if found:
                self.window = found[0]
                return self.window
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no {'visible ' if visible else ''}window {APP_TITLE!r} within {timeout} s; "
                    f"stderr:\n{self.stderr()[-4000:]}"
                )
            time.sleep(0.02 if not visible else 0.1)

    def wait_exit(self, timeout: float = EXIT_TIMEOUT) -> int:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.proc.wait(timeout)
        pytest.fail(f"the program did not exit within {timeout} s:\n{self.stderr()[-4000:]}")
        raise AssertionError("unreachable")

    def wait_signal_handler(self, signum: int, timeout: float = START_TIMEOUT) -> None:
        """Wait until the program catches ``signum`` (its quit handler is installed)."""
        bit = 1 << (signum - 1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._died(f"waiting for its signal {signum} handler")
            status = Path(f"/proc/{self.pid}/status").read_text()
            caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
            if int(caught.split()[1], 16) & bit:
                return
            time.sleep(0.05)
        pytest.fail(f"the program did not install a handler for signal {signum} in {timeout} s")


@pytest.fixture
def launch(xdisplay: XDisplay, tmp_path: Path) -> Iterator[Callable[..., RunningApp]]:
    """Start the program on the Xvfb display in a sandbox under ``tmp_path``."""
    started: list[subprocess.Popen[bytes]] = []

    def start(
        *args: str, config_dir: Path | None = None, env: dict[str, str] | None = None
    ) -> RunningApp:
        run_env = env or sandbox_env(xdisplay, tmp_path)
        config_dir = config_dir or tmp_path / "config"
        stderr_path = tmp_path / f"app-{len(started)}.stderr"
        with open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                [*app_command(), "--config-dir", str(config_dir), *args],
                env=run_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        started.append(proc)
        return RunningApp(proc, xdisplay, config_dir, stderr_path)

    yield start
    for proc in started:
        stop_process(proc)


def assert_clean_exit(app: RunningApp, code: int) -> None:
    text = app.stderr()
    assert code == 0, f"exit code {code}; stderr:\n{text[-4000:]}"
    assert "Traceback" not in text, text[-4000:]


def assert_window_pixels(path: Path, box: tuple[int, int, int, int]) -> None:
    """The screenshot shows a drawn window in ``box`` (x, y, w, h), not a blank rectangle."""
    from PIL import Image

    with Image.open(path) as shot:
        assert shot.size[0] > 100 and shot.size[1] > 100, shot.size
        whole = shot.convert("RGB")
    x, y, w, h = box
    assert w >= 200 and h >= 200, f"window too small: {box}"
    region = whole.crop((x, y, x + w, y + h))
    colours = region.getcolors(maxcolors=1 << 16)
    distinct = len(colours) if colours is not None else 1 << 16
    assert distinct > 16, f"window area has only {distinct} colours: nothing drawn?"
    black = sum(n for n, rgb in (colours or []) if rgb == (0, 0, 0))
    assert black < 0.5 * w * h, "window area is mostly black: not painted"


def pid_gone(pid: int) -> bool:
    """True once ``pid`` has exited (gone, or a zombie nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def wait_pid_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid_gone(pid):
            return True
        time.sleep(0.05)
    return pid_gone(pid)


def kill_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Tracked:
    """Processes that were not started by Popen here (launched through dex/gio)."""

    pids: list[int] = field(default_factory=list)

    def kill_all(self) -> None:
        for pid in self.pids:
            if not pid_gone(pid):
                kill_pid(pid)
                wait_pid_gone(pid, 5)


@pytest.fixture
def tracked_pids() -> Iterator[Tracked]:
    tracked = Tracked()
    yield tracked
    tracked.kill_all()


def run_checked(args: Sequence[str], env: dict[str, str], timeout: float = 60) -> str:
    result = subprocess.run(
        list(args), env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout
