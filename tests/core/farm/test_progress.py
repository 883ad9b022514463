"""Progress of a prompt: replayed from the recorded server trace and from a synthetic run."""

from __future__ import annotations

import json

from directors_console.core.comfy.message_types import (
    Executed,
    Executing,
    ExecutionCached,
    ExecutionError,
    ExecutionStart,
    ExecutionSuccess,
    Progress,
)
from directors_console.core.comfy.messages import parse_text
from directors_console.core.farm.progress import PromptProgress, format_eta
from tests.conftest import FIXTURES, require_fixture


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_replay_recorded_progress_scenario() -> None:
    trace = require_fixture(FIXTURES / "ws_trace.jsonl")
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    records = [r for r in records if r["scenario"] == "04_progress_preview"]
    prompt = next(r["json"]["prompt"] for r in records if r["dir"] == "http_req" and r.get("json"))
    clock = Clock()
    progress = PromptProgress(prompt, clock=clock)
    texts: list[str] = []
    fractions: list[float] = []
    for record in records:
        if record["dir"] != "ws_in" or record["kind"] != "text":
            continue
        clock.now = record["t"]
        if progress.feed(parse_text(json.dumps(record["data"]))):
            snap = progress.snapshot()
            texts.append(snap.text())
            fractions.append(snap.fraction)
    assert fractions == sorted(fractions), "percent never goes backwards"
    assert fractions[-1] == 1.0
    # SlowCounter has steps=8 at 0.3 s/step: weight 8 of 10 in total.
    assert "SlowCounter · Step 4/8 · 50 % · ETA 0:01" in texts
    assert texts[-1] == "Succeeded"


def test_two_sampler_phases_and_eta() -> None:
    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {}},
        "2": {"class_type": "KSampler", "inputs": {"steps": 10}},
        "3": {"class_type": "KSamplerAdvanced", "inputs": {"steps": ["9", 0]}},
        "4": {"class_type": "SaveImage", "inputs": {}},
    }
    clock = Clock()
    p = PromptProgress(prompt, "p1", clock)
    assert p.snapshot().text() == "Waiting"
    p.feed(ExecutionStart("p1"))
    p.feed(ExecutionCached("p1", ("1",)))
    p.feed(Executing("2", prompt_id="p1"))
    for step in range(1, 6):
        clock.now += 2.0
        p.feed(Progress(step, 10, "2", "p1"))
    snap = p.snapshot()
    assert (snap.phase, snap.phases) == (1, 2)
    assert (snap.step, snap.steps) == (5, 10)
    # steps of sampler 3 are linked (unknown): counted as 20 until it reports.
    assert snap.eta_seconds == 5 * 2.0 + 20 * 2.0 + 1 * 0.5
    assert snap.text() == "Phase 1/2 · KSampler · Step 5/10 · 19 % · ETA 0:50"
    assert not p.feed(Progress(1, 1, "x", "other-prompt"))

    clock.now += 2.0
    p.feed(Executing("3", prompt_id="p1"))
    clock.now += 1.0
    p.feed(Progress(1, 4, "3", "p1"))
    snap = p.snapshot()
    assert (snap.phase, snap.phases, snap.steps) == (2, 2, 4)
    p.feed(Progress(4, 4, "3", "p1"))
    p.feed(Executing("4", prompt_id="p1"))
    p.feed(Executed("4", {"images": []}, "p1"))
    p.feed(ExecutionSuccess("p1"))
    assert p.snapshot().fraction == 1.0


def test_failure_state() -> None:
    p = PromptProgress({"1": {"class_type": "FailAlways", "inputs": {}}}, "p")
    p.feed(Executing("1", prompt_id="p"))
    p.feed(ExecutionError("p", "1", "FailAlways", "boom", "RuntimeError"))
    assert p.snapshot().text() == "Failed"


def test_format_eta() -> None:
    assert format_eta(42) == "0:42"
    assert format_eta(125.4) == "2:05"
    assert format_eta(3725) == "1:02:05"
    assert format_eta(-3) == "0:00"
