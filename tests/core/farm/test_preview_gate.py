"""The preview throttle: a few sampler previews per second per job, no more."""

from __future__ import annotations

from directors_console.core.farm.progress import PreviewGate


def test_gate_lets_one_preview_per_interval_per_job() -> None:
    now = [100.0]
    gate = PreviewGate(0.25, clock=lambda: now[0])
    assert gate.allow("a")
    assert not gate.allow("a")  # same instant
    assert gate.allow("b")  # another job has its own budget
    now[0] += 0.1
    assert not gate.allow("a")
    now[0] += 0.2
    assert gate.allow("a")
    gate.forget("a")
    assert gate.allow("a")  # a forgotten job starts afresh


def test_wait_says_when_the_next_preview_is_due() -> None:
    now = [10.0]
    gate = PreviewGate(0.25, clock=lambda: now[0])
    assert gate.wait("a") == 0.0  # never shown: at once
    assert gate.allow("a")
    now[0] += 0.1
    assert abs(gate.wait("a") - 0.15) < 1e-9
    now[0] += 0.2
    assert gate.wait("a") == 0.0


def test_shown_starts_a_whole_interval() -> None:
    now = [5.0]
    gate = PreviewGate(0.25, clock=lambda: now[0])
    gate.shown("a")
    now[0] += 0.2
    assert gate.wait("a") > 0.0
    gate.shown("a")  # a held frame shown by a timer that fired a little early
    now[0] += 0.1
    assert abs(gate.wait("a") - 0.15) < 1e-9
