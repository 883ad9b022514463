"""Benchmark of the Prompt Studio brain: rule checks and option lists, without a display.

    .venv/bin/python benchmarks/cinema.py [--rounds 200] [--check]

Loads the real library from ``presets/cinema`` and times, over several real shot
configurations (live-action and animation presets with a subject, plus an empty one):

1. ``validate(config)`` (target: ≤ 1 ms median),
2. ``available_options(field, config)`` for every choice field (target: ≤ 5 ms median
   per field; the slowest field is reported),
3. ``apply_fixes`` on a config with several errors and ``generate`` for every family
   (for information).

Prints Markdown tables with median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable

from directors_console.core.cinema import CinemaLibrary, ShotConfig
from directors_console.core.cinema.config import CHOICE_FIELDS
from directors_console.core.data_paths import presets_dir

VALIDATE_TARGET_MS = 1.0
OPTIONS_TARGET_MS = 5.0
CONFIG_PRESETS = ("blade-runner-2049", "the-hateful-eight", "oppenheimer", "spider-verse")


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    fn()  # warm caches and lazy imports
    samples: list[float] = []
    gc.disable()
    try:
        for _ in range(rounds):
            start = time.perf_counter_ns()
            fn()
            samples.append((time.perf_counter_ns() - start) / 1e6)
    finally:
        gc.enable()
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(len(samples) * 0.95) - 1)]


def row(name: str, samples: list[float]) -> str:
    return f"| {name} | {statistics.median(samples):.3f} | {p95(samples):.3f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    start = time.perf_counter()
    lib = CinemaLibrary.load(presets_dir() / "cinema")
    load_ms = (time.perf_counter() - start) * 1000
    configs = [ShotConfig()] + [
        lib.presets.apply(p, {"subject": "a figure in the doorway"}) for p in CONFIG_PRESETS
    ]
    rules = len(lib.engine.rules)
    print(f"Library load: {load_ms:.0f} ms ({rules} rules, {len(lib.presets)} presets)\n")

    print("| validate (ms) | median | p95 |\n|---|---|---|")
    validate_all: list[float] = []
    for name, config in zip(("empty", *CONFIG_PRESETS), configs, strict=True):
        samples = timed(lambda c=config: lib.validate(c), args.rounds)
        validate_all += samples
        print(row(name, samples))
    print(row("**all**", validate_all))

    print("\n| available_options (ms), all configs | median | p95 | values |\n|---|---|---|---|")
    worst_field, worst_median = "", 0.0
    for field in CHOICE_FIELDS:
        samples: list[float] = []
        for config in configs:
            samples += timed(
                lambda f=field, c=config: lib.available_options(f, c), max(20, args.rounds // 4)
            )
        median = statistics.median(samples)
        if median > worst_median:
            worst_field, worst_median = field, median
        count = len(lib.vocabulary.ids(field))
        print(f"{row(field, samples)} {count} |")

    broken = ShotConfig(
        camera="imax-msm-9802", lens="panavision-primo", aspect_ratio="2.39", equipment="gimbal"
    )
    fixes = timed(lambda: lib.apply_fixes(broken), max(20, args.rounds // 4))
    print("\n| other (ms) | median | p95 |\n|---|---|---|")
    print(row("apply_fixes (4 errors)", fixes))
    for family in lib.generator.families:
        print(row(f"generate {family}", timed(lambda f=family: lib.prompt(configs[1], f), 100)))

    validate_median = statistics.median(validate_all)
    ok = validate_median <= VALIDATE_TARGET_MS and worst_median <= OPTIONS_TARGET_MS
    print(
        f"\nvalidate median {validate_median:.3f} ms (target ≤ {VALIDATE_TARGET_MS} ms); "
        f"slowest available_options: {worst_field} {worst_median:.3f} ms "
        f"(target ≤ {OPTIONS_TARGET_MS} ms) -> {'PASS' if ok else 'MISS'}"
    )
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
