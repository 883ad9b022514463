"""Loader for the ComfyUI protocol recordings in ../shared/fixtures/comfyui.

The recordings come from a real ComfyUI 0.3.64 (see that folder's README.md). This module only
reads them; it never decides whether a missing file is a skip or a failure — tests do that with
``tests.conftest.require_fixture``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIXTURES_DIR = REPO.parent / "shared" / "fixtures" / "comfyui"
OUTPUTS_DIR = FIXTURES_DIR / "outputs"


def fixture_path(name: str) -> Path:
    return FIXTURES_DIR / name


@cache
def _load_json_cached(name: str) -> Any:
    with fixture_path(name).open(encoding="utf-8") as fh:
        return json.load(fh)


def load_json(name: str) -> Any:
    """A recorded JSON file by name (a fresh copy: callers may mutate it)."""
    return copy.deepcopy(_load_json_cached(name))


def object_info_core() -> dict[str, Any]:
    return load_json("object_info_core.json")


def validation_cases() -> dict[str, dict[str, Any]]:
    return load_json("validation_errors.json")


def trace_summary() -> dict[str, list[str]]:
    return load_json("trace_summary.json")


@dataclass
class Scenario:
    """All records of one recorded scenario, in recording order."""

    name: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def clients(self) -> list[str]:
        seen: list[str] = []
        for rec in self.records:
            label = rec.get("client")
            if label and label not in seen:
                seen.append(label)
        return seen

    def ws_messages(self, client: str) -> list[dict[str, Any]]:
        """What the server sent to one socket (text and binary records)."""
        return [r for r in self.records if r["dir"] == "ws_in" and r.get("client") == client]


@cache
def _trace_cached() -> tuple[tuple[str, ...], dict[str, list[dict[str, Any]]]]:
    order: list[str] = []
    by_name: dict[str, list[dict[str, Any]]] = {}
    with fixture_path("ws_trace.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            name = rec["scenario"]
            if name not in by_name:
                order.append(name)
                by_name[name] = []
            by_name[name].append(rec)
    return tuple(order), by_name


def scenario_names() -> list[str]:
    """Scenario names in the order they appear in ws_trace.jsonl (09b comes last)."""
    return list(_trace_cached()[0])


def scenario(name: str) -> Scenario:
    return Scenario(name, copy.deepcopy(_trace_cached()[1][name]))


def output_file(name: str) -> Path:
    """A file the recorder fetched through /view, e.g. ``s15_video_00001_.mp4``."""
    return OUTPUTS_DIR / name
