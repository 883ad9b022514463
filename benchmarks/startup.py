"""Startup time: from launching the program to its main window's first paint.

Runs the installed program N times on its own Xvfb display with
``DIRECTORS_CONSOLE_STARTUP_PROBE=1`` (the main window prints ``DC_FIRST_PAINT`` to
stderr on its first paintEvent) and measures the wall time from just before the
process is started to reading that line. The first run uses an empty config folder
(cold); the others reuse the config the previous run left behind (warm). Each run is
ended with SIGTERM, which the program answers by closing its window.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--check]

Prints a Markdown table and a summary; the target is a median of at most 1.0 s.
Nothing is written outside a temporary folder (HOME and XDG folders point there).
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TARGET_S = 1.0
PROBE_LINE = b"DC_FIRST_PAINT"
SCREEN = "1600x1000x24"
XVFB_ARGS = ("Xvfb", "-nolisten", "tcp", "-noreset", "-screen", "0", SCREEN)


# -- shared with idle_cpu.py ----------------------------------------------------------------


@contextmanager
def xvfb(timeout: float = 10.0) -> Iterator[str]:
    """A private Xvfb on a free display (``-displayfd``); yields the display name."""
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed (Debian: apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [*XVFB_ARGS, "-displayfd", str(write_fd)],
        pass_fds=(write_fd,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        data = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or proc.poll() is not None:
                raise RuntimeError("Xvfb did not start")
            if select.select([read_fd], [], [], left)[0]:
                data += os.read(read_fd, 64) or b""
        os.close(read_fd)
        read_fd = -1
        yield f":{int(data.strip())}"
    finally:
        if read_fd >= 0:
            os.close(read_fd)
        stop(proc)


def stop(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    return proc.returncode


def app_command() -> list[str]:
    script = Path(sys.executable).parent / "directors-console"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "directors_console"]


def sandbox_env(display: str, root: Path) -> dict[str, str]:
    """Real X display, probe on, every user folder inside ``root``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
    }
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = root / var.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    runtime = root / "xdg_runtime_dir"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        DIRECTORS_CONSOLE_CONFIG_DIR=str(root / "config"),
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        QT_API="pyside6",
        DIRECTORS_CONSOLE_STARTUP_PROBE="1",
    )
    return env


def start_app(env: dict[str, str], config_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*app_command(), "--config-dir", str(config_dir)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_first_paint(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """Read stderr until the probe line; return what was read. Raises on timeout/exit."""
    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while PROBE_LINE not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {PROBE_LINE.decode()} within {timeout} s")
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"program exited ({proc.wait()}): {seen.decode()[-2000:]}")
            seen += chunk
    return seen


def wait_quit_handler(pid: int, timeout: float = 10.0) -> None:
    """Wait until the program catches SIGTERM (its clean-quit handler is installed)."""
    bit = 1 << (signal.SIGTERM - 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:") and int(line.split()[1], 16) & bit:
                return
        time.sleep(0.01)
    raise TimeoutError("the program never installed its SIGTERM handler")


def terminate_app(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> int:
    """SIGTERM once its handler is in place; return the exit code (killed if it hangs)."""
    try:
        if proc.poll() is None:
            wait_quit_handler(proc.pid)
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=timeout)
    except (subprocess.TimeoutExpired, TimeoutError, FileNotFoundError):
        proc.kill()
        proc.communicate()
    return proc.returncode


# -- the benchmark ------------------------------------------------------------------------


@dataclass
class Run:
    number: int
    config: str
    seconds: float
    exit_code: int


def measure(display: str, root: Path, number: int, config: str, timeout: float) -> Run:
    env = sandbox_env(display, root)
    config_dir = root / "config"
    start = time.perf_counter()
    proc = start_app(env, config_dir)
    try:
        wait_first_paint(proc, timeout)
        seconds = time.perf_counter() - start
    finally:
        code = terminate_app(proc)
    return Run(number, config, seconds, code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="number of starts (default 5)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per run, seconds")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2 (one cold, the rest warm)")

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="dc-bench-startup-") as tmp, xvfb() as display:
        root = Path(tmp)
        for number in range(1, args.runs + 1):
            config = "cold" if number == 1 else "warm"
            run = measure(display, root, number, config, args.timeout)
            runs.append(run)
            print(f"run {number} ({config}): {run.seconds:.3f} s, exit {run.exit_code}", flush=True)

    every = [r.seconds for r in runs]
    warm = [r.seconds for r in runs if r.config == "warm"]
    median = statistics.median(every)
    ok = median <= TARGET_S and all(r.exit_code == 0 for r in runs)
    print()
    print("| run | config | first paint (s) | exit code |")
    print("|---|---|---|---|")
    for r in runs:
        print(f"| {r.number} | {r.config} | {r.seconds:.3f} | {r.exit_code} |")
    print()
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| median of {len(every)} runs | {median:.3f} s | ≤ {TARGET_S:.1f} s |")
    print(f"| cold (run 1, empty config) | {runs[0].seconds:.3f} s | ≤ {TARGET_S:.1f} s |")
    warm_median = statistics.median(warm)
    print(f"| warm median (runs 2–{len(runs)}) | {warm_median:.3f} s | ≤ {TARGET_S:.1f} s |")
    print(f"| min / max | {min(every):.3f} / {max(every):.3f} s | |")
    print()
    print(f"verdict: {'PASS' if ok else 'FAIL'} (median {median:.3f} s, target ≤ {TARGET_S} s)")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
