"""Replay helpers for the recorded WebSocket trace (../shared/fixtures/comfyui/ws_trace.jsonl).

Text frames are re-serialised from the recorded JSON; binary frames are rebuilt with the
recorded header layout (the trace keeps only headers and lengths) around a fake image.
"""

from __future__ import annotations

import json
import struct
from functools import cache
from typing import Any

from tests.conftest import FIXTURES, require_fixture

FAKE_JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 40
FAKE_PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


@cache
def _all_records() -> tuple[dict[str, Any], ...]:
    path = require_fixture(FIXTURES / "ws_trace.jsonl")
    return tuple(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())


def records(scenario: str | None = None) -> list[dict[str, Any]]:
    recs = _all_records()
    return [r for r in recs if scenario is None or r["scenario"] == scenario]


def synth_binary(rec: dict[str, Any]) -> bytes:
    fake = FAKE_JPEG if rec["image_format"] == "jpeg" else FAKE_PNG
    image = fake.ljust(rec["image_length"], b"\0")
    if rec["event_type"] == 1:
        return struct.pack(">II", 1, rec["format"]) + image
    meta = json.dumps(rec["metadata"]).encode().ljust(rec["metadata_length"])
    return struct.pack(">II", 4, len(meta)) + meta + image


def frames(scenario: str, client: str | None = None) -> list[str | bytes]:
    """The frames one socket of a scenario received, in order."""
    out: list[str | bytes] = []
    for rec in records(scenario):
        if rec["dir"] != "ws_in" or (client is not None and rec.get("client") != client):
            continue
        out.append(json.dumps(rec["data"]) if rec["kind"] == "text" else synth_binary(rec))
    return out


def posted_prompts(scenario: str) -> list[dict[str, Any]]:
    """Bodies of the POST /prompt requests of a scenario."""
    return [
        r["json"]
        for r in records(scenario)
        if r["dir"] == "http_req" and r["path"] == "/prompt" and r.get("method") == "POST"
    ]


def prompt_ids(scenario: str) -> list[str]:
    return [
        r["json"]["prompt_id"]
        for r in records(scenario)
        if r["dir"] == "http_resp" and r["path"] == "/prompt" and r.get("status") == 200
    ]
