"""Idle CPU: what the program costs while its window sits there untouched.

Starts the installed program on its own Xvfb display, waits for the main window's
first paint plus a settle time, then measures over an idle interval (default 10 s):
process CPU time (all threads, user + system) as a percentage of one core, and
context switches — the voluntary ones are wake-ups from sleep. Target: about 0 %
(under 1 %). Ends the program with SIGTERM.

    .venv/bin/python benchmarks/idle_cpu.py [--seconds 10] [--settle 2] [--check]

Needs psutil (in the dev extras). Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from startup import sandbox_env, start_app, terminate_app, wait_first_paint, xvfb

TARGET_PERCENT = 1.0


@dataclass
class Counters:
    cpu: float  # user + system seconds, all threads
    voluntary: int  # all threads
    involuntary: int  # all threads
    main_voluntary: int  # the main (Qt event loop) thread
    threads: int


def thread_switches(pid: int) -> tuple[int, int, int]:
    """(voluntary, involuntary) summed over every thread, and the main thread's voluntary.

    /proc/PID/status (what psutil reads) counts the main thread only, so every
    thread's own status file is read.
    """
    voluntary = involuntary = main = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except FileNotFoundError:  # the thread just ended
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        vol = int(fields["voluntary_ctxt_switches"])
        voluntary += vol
        involuntary += int(fields["nonvoluntary_ctxt_switches"])
        if task.name == str(pid):
            main = vol
    return voluntary, involuntary, main


def sample(process: psutil.Process) -> Counters:
    times = process.cpu_times()
    voluntary, involuntary, main = thread_switches(process.pid)
    return Counters(times.user + times.system, voluntary, involuntary, main, process.num_threads())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="idle interval measured")
    parser.add_argument("--settle", type=float, default=2.0, help="wait after first paint")
    parser.add_argument("--timeout", type=float, default=30.0, help="to first paint")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dc-bench-idle-") as tmp, xvfb() as display:
        root = Path(tmp)
        proc = start_app(sandbox_env(display, root), root / "config")
        try:
            wait_first_paint(proc, args.timeout)
            time.sleep(args.settle)
            process = psutil.Process(proc.pid)
            before, start = sample(process), time.perf_counter()
            time.sleep(args.seconds)
            after, wall = sample(process), time.perf_counter() - start
        finally:
            code = terminate_app(proc)

    cpu_s = after.cpu - before.cpu
    percent = 100.0 * cpu_s / wall
    voluntary = (after.voluntary - before.voluntary) / wall
    involuntary = (after.involuntary - before.involuntary) / wall
    main_wakeups = (after.main_voluntary - before.main_voluntary) / wall
    ok = percent < TARGET_PERCENT and code == 0

    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| idle interval | {wall:.1f} s (after first paint + {args.settle:g} s) | |")
    print(f"| CPU time in interval | {cpu_s * 1000:.1f} ms | |")
    print(f"| CPU (% of one core) | {percent:.2f} % | < {TARGET_PERCENT:g} % |")
    print(f"| voluntary switches (wake-ups), all threads | {voluntary:.1f} /s | ≈ 0 |")
    print(f"| voluntary switches, main thread | {main_wakeups:.1f} /s | ≈ 0 |")
    print(f"| involuntary switches, all threads | {involuntary:.1f} /s | |")
    print(f"| threads | {after.threads} | |")
    print(f"| exit code after SIGTERM | {code} | 0 |")
    print()
    print(f"verdict: {'PASS' if ok else 'FAIL'} (CPU {percent:.2f} %, target < {TARGET_PERCENT} %)")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
