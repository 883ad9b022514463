"""WebSocket message parsing: every recorded frame, synthetic binary frames, bad input."""

from __future__ import annotations

import json
import struct
from collections import Counter
from typing import Any

import pytest

from directors_console.core.comfy import messages as m
from tests.conftest import FIXTURES, require_fixture

EXPECTED_TYPES: dict[str, type] = {
    "status": m.Status,
    "execution_start": m.ExecutionStart,
    "execution_cached": m.ExecutionCached,
    "executing": m.Executing,
    "executed": m.Executed,
    "progress": m.Progress,
    "progress_state": m.ProgressState,
    "execution_success": m.ExecutionSuccess,
    "execution_error": m.ExecutionError,
    "execution_interrupted": m.ExecutionInterrupted,
    "feature_flags": m.FeatureFlags,
}

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


def _records() -> list[dict[str, Any]]:
    path = require_fixture(FIXTURES / "ws_trace.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["dir"] == "ws_in"]


def synth_frame(rec: dict[str, Any]) -> bytes:
    """A binary frame with the recorded header layout and a fake image of the right kind."""
    image = (JPEG if rec["image_format"] == "jpeg" else PNG).ljust(rec["image_length"], b"\0")
    if rec["event_type"] == 1:
        frame = struct.pack(">II", 1, rec["format"]) + image
    else:
        meta = json.dumps(rec["metadata"]).encode()
        meta = meta.ljust(rec["metadata_length"])  # same length as recorded
        frame = struct.pack(">II", 4, len(meta)) + meta + image
    assert frame[:8].hex() == rec["head_hex"]
    assert len(frame) == rec["length"]
    return frame


def test_every_recorded_text_message_parses_to_its_type() -> None:
    seen: Counter[str] = Counter()
    for rec in _records():
        if rec["kind"] != "text":
            continue
        mtype = rec["data"]["type"]
        event = m.parse_text(json.dumps(rec["data"]))
        assert isinstance(event, EXPECTED_TYPES[mtype]), (mtype, event)
        seen[mtype] += 1
    assert set(seen) == set(EXPECTED_TYPES)
    assert sum(seen.values()) > 500


def test_every_recorded_binary_frame_parses() -> None:
    count = 0
    for rec in _records():
        if rec["kind"] != "binary":
            continue
        event = m.parse_binary(synth_frame(rec))
        assert isinstance(event, m.PreviewImage), event
        assert event.format == rec["image_format"]
        assert len(event.image) == rec["image_length"]
        assert event.event_type == rec["event_type"]
        if rec["event_type"] == 4:
            assert event.node_id == rec["metadata"]["node_id"]
            assert event.prompt_id == rec["metadata"]["prompt_id"]
            assert event.display_node_id == rec["metadata"]["display_node_id"]
        else:
            assert event.node_id is None and event.prompt_id is None
        count += 1
    assert count == 67


def test_field_values_of_recorded_messages() -> None:
    recs = [r["data"] for r in _records() if r["kind"] == "text"]
    by_type: dict[str, list[Any]] = {}
    for d in recs:
        by_type.setdefault(d["type"], []).append(m.parse_text(json.dumps(d)))

    first_status = by_type["status"][0]
    assert first_status.queue_remaining == 0 and first_status.sid.startswith("farmtest-")
    assert any(s.sid is None and s.queue_remaining == 1 for s in by_type["status"])

    done = [e for e in by_type["executing"] if e.node is None]
    assert done and all(e.prompt_id for e in done)
    # After a reconnect the server sends executing without prompt_id/display_node.
    assert any(e.node == "2" and e.prompt_id is None for e in by_type["executing"])

    executed = by_type["executed"][0]
    assert executed.output["images"][0]["filename"].endswith(".png")
    cached = [e for e in by_type["execution_cached"] if e.nodes]
    assert cached and cached[0].nodes == ("1", "2", "3")

    state = by_type["progress_state"][1]
    node = next(iter(state.nodes.values()))
    assert node.state in ("running", "finished") and node.max == 1.0

    err = by_type["execution_error"][0]
    assert err.node_type == "FailAlways" and err.exception_type == "RuntimeError"
    assert "boom" in err.exception_message and len(err.traceback) >= 3
    assert err.executed == ("1",) and isinstance(err.current_inputs, dict)

    stop = by_type["execution_interrupted"][0]
    assert stop.node_type == "SlowCounter" and stop.executed == ("1",)

    flags = by_type["feature_flags"][0]
    assert flags.supports_preview_metadata and flags.max_upload_size == 104857600


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "object"),
        ('{"data": {}}', "type"),
        ('{"type": 5, "data": {}}', "type"),
        ('{"type": "progress", "data": [1]}', "data should be an object"),
        ('{"type": "progress", "data": {"value": "1", "max": 2}}', "'value'"),
        ('{"type": "progress", "data": {"value": true, "max": 2}}', "'value'"),
        ('{"type": "status", "data": {"status": null}}', "exec_info"),
        ('{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": "x"}}}}', ""),
        ('{"type": "execution_start", "data": {"prompt_id": 12}}', "prompt_id"),
        ('{"type": "execution_cached", "data": {"prompt_id": "p", "nodes": "1"}}', "nodes"),
        ('{"type": "executed", "data": {"node": "3", "output": [1]}}', "output"),
        ('{"type": "executing", "data": {"node": 1.5}}', "node"),
        ('{"type": "progress_state", "data": {"prompt_id": "p", "nodes": {"1": 3}}}', "nodes.1"),
        ('{"type": "feature_flags", "data": {"supports_preview_metadata": "yes"}}', "boolean"),
        ('{"type": "execution_error", "data": {"prompt_id": "p", "traceback": 3}}', "traceback"),
    ],
)
def test_malformed_text_becomes_parse_error(raw: str, reason: str) -> None:
    event = m.parse_text(raw)
    assert isinstance(event, m.ParseError), event
    assert reason in event.reason
    assert event.excerpt


def test_undecodable_bytes_become_parse_error() -> None:
    assert isinstance(m.parse_text(b"\xff\xfe{"), m.ParseError)


def test_unknown_type_and_unknown_fields() -> None:
    event = m.parse_text('{"type": "crystools.monitor", "data": {"cpu": 3}}')
    assert event == m.UnknownMessage("crystools.monitor", {"cpu": 3})
    newer = m.parse_text(
        '{"type": "execution_start", "data": {"prompt_id": "p", "timestamp": 5, "new": [1]}}'
    )
    assert newer == m.ExecutionStart("p", 5)
    # Integer node ids (other servers) read as the same string ids.
    assert m.parse_text('{"type": "executing", "data": {"node": 7}}') == m.Executing("7")


def test_executed_with_null_output_reads_as_empty() -> None:
    event = m.parse_text('{"type": "executed", "data": {"node": "3", "output": null}}')
    assert isinstance(event, m.Executed) and event.output == {}


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"", "shorter"),
        (b"\0\0\0\1\0\0", "shorter"),
        (struct.pack(">II", 1, 1), "no image"),
        (struct.pack(">II", 1, 9) + b"garbage", "format code 9"),
        (struct.pack(">II", 4, 200) + b'{"node_id": "2"}', "cut off"),
        (struct.pack(">II", 4, 4) + b"nope" + JPEG, "not JSON"),
        (struct.pack(">II", 4, 2) + b"[]" + JPEG, "not an object"),
        (struct.pack(">II", 4, 2) + b"{}", "no image"),
        (struct.pack(">II", 4, 15) + b'{"node_id": []}' + JPEG, "node_id"),
        (struct.pack(">II", 4, 2) + b"{}" + b"????", "unknown preview image type"),
        (struct.pack(">II", 3, 50) + b"abc", "truncated"),
        (struct.pack(">II", 3, 1) + b"1\xff\xfe", "UTF-8"),
    ],
)
def test_malformed_binary_becomes_parse_error(frame: bytes, reason: str) -> None:
    event = m.parse_binary(frame)
    assert isinstance(event, m.ParseError), event
    assert reason in event.reason
    assert event.message_type == "binary"


def test_binary_variants() -> None:
    # Unknown format code but recognisable bytes: trust the magic.
    event = m.parse_binary(struct.pack(">II", 1, 7) + PNG)
    assert isinstance(event, m.PreviewImage) and event.format == "png"
    meta = json.dumps({"node_id": "5", "prompt_id": "p", "image_type": "image/webp"}).encode()
    webp = b"RIFF\0\0\0\0WEBPVP8 "
    event = m.parse_binary(struct.pack(">II", 4, len(meta)) + meta + webp)
    assert isinstance(event, m.PreviewImage) and event.format == "webp" and event.node_id == "5"
    text = m.parse_binary(struct.pack(">II", 3, 2) + b"12" + "step 3 ✓".encode())
    assert text == m.ProgressText("12", "step 3 ✓")
    unknown = m.parse_binary(struct.pack(">II", 9, 0) + b"xyz")
    assert isinstance(unknown, m.UnknownMessage) and unknown.type == "binary/9"


def test_parse_message_for_history_entries() -> None:
    assert m.parse_message("execution_success", {"prompt_id": "p"}) == m.ExecutionSuccess("p")
    assert isinstance(m.parse_message("execution_success", None), m.ParseError)


def test_prompt_id_of() -> None:
    assert m.prompt_id_of(m.Progress(1, 2, "3", "p")) == "p"
    assert m.prompt_id_of(m.Status(0)) is None
    assert m.prompt_id_of(m.Disconnected("x")) is None
