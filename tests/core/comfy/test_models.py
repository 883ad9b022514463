"""HTTP answer bodies: queue (heap order!), history, system stats, features, uploads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from directors_console.core.comfy import models
from directors_console.core.comfy.errors import ProtocolError
from directors_console.core.comfy.messages import ExecutionError, ExecutionSuccess
from tests.conftest import FIXTURES, require_fixture


def load(name: str) -> Any:
    return json.loads(require_fixture(FIXTURES / name).read_text(encoding="utf-8"))


def test_pending_queue_is_sorted_by_number_not_heap_order() -> None:
    raw = load("queue_pending_heap_order.json")
    assert [i[0] for i in raw["queue_pending"]] == [-46, 43, 45, 44]
    queue = models.parse_queue(raw)
    assert [i.number for i in queue.pending] == [-46, 43, 44, 45]
    assert [i.number for i in queue.running] == [42]
    running = queue.running[0]
    assert running.client_id == "farmtest-cf36e80fb042" and running.outputs_to_execute == ("3",)
    assert queue.position(running.prompt_id) == 0
    assert queue.position(queue.pending[0].prompt_id) == 1
    assert queue.position("nope") is None
    assert queue.pending[2].prompt_id in queue and "nope" not in queue
    assert queue.size == 5


def test_queue_empty_and_with_items() -> None:
    assert models.parse_queue(load("queue_empty.json")).size == 0
    q = models.parse_queue(load("queue_with_items.json"))
    assert [i.number for i in q.pending] == [26, 27]


def test_queue_bad_shapes() -> None:
    with pytest.raises(ProtocolError):
        models.parse_queue([])
    with pytest.raises(ProtocolError):
        models.parse_queue({"queue_running": {}, "queue_pending": []})
    with pytest.raises(ProtocolError):
        models.parse_queue({"queue_running": [[1]], "queue_pending": []})
    with pytest.raises(ProtocolError):
        models.parse_queue({"queue_running": [["x", "id", {}]], "queue_pending": []})


def test_history_success_entry() -> None:
    history = models.parse_history(load("history_prompt.json"))
    (entry,) = history.values()
    assert entry.prompt_id == "544efa46-7ccd-4f47-a502-7c805cd34e6e"
    assert entry.succeeded and entry.completed and entry.status_str == "success"
    assert entry.error is None and entry.interrupted is None
    assert entry.number == 0 and entry.outputs_to_execute == ("3",)
    assert entry.extra_data["client_id"] == "farmtest-ff9740d3dbcd"
    assert "workflow" in entry.extra_data["extra_pnginfo"]
    assert isinstance(entry.messages[-1], ExecutionSuccess)
    assert entry.outputs["3"]["images"][0]["filename"] == "shot_00001_.png"
    assert entry.meta["3"]["node_id"] == "3"


def test_history_error_entry() -> None:
    (entry,) = models.parse_history(load("history_error.json")).values()
    assert not entry.succeeded and not entry.completed
    assert isinstance(entry.error, ExecutionError)
    assert entry.error.node_type == "FailAlways"
    assert entry.outputs == {}


def test_history_all_and_empty() -> None:
    assert models.parse_history(load("history_empty.json")) == {}
    assert len(models.parse_history(load("history_all.json"))) >= 1


def test_history_bad_entries() -> None:
    body = {"good": load("history_prompt.json")["544efa46-7ccd-4f47-a502-7c805cd34e6e"], "bad": 3}
    assert list(models.parse_history(body)) == ["good"]
    with pytest.raises(ProtocolError):
        models.parse_history(body, strict=True)
    with pytest.raises(ProtocolError):
        models.parse_history_entry("x", {"prompt": [1, "x", {}], "outputs": "x"})
    minimal = models.parse_history_entry("x", {"prompt": [1, "x", {}]})
    assert minimal.status_str is None and not minimal.completed and not minimal.succeeded


def test_system_stats_features_uploads() -> None:
    stats = models.parse_system_stats(load("system_stats.json"))
    assert stats.comfyui_version == "0.3.64" and stats.ram_total > 0
    (dev,) = stats.devices
    assert dev.type == "cpu" and dev.index is None and dev.vram_total > 0
    feats = models.parse_features(load("features.json"))
    assert feats.supports_preview_metadata and feats.max_upload_size == 104857600
    up = models.parse_uploaded({"name": "farm_upload (1).png", "subfolder": "farmtest"})
    assert up.type == "input" and up.reference == "farmtest/farm_upload (1).png"
    assert models.UploadedFile("t.png", "", "temp").reference == "t.png [temp]"
    with pytest.raises(ProtocolError):
        models.parse_uploaded({"subfolder": ""})
    with pytest.raises(ProtocolError):
        models.parse_system_stats([])


def test_submit_answers() -> None:
    ok = models.parse_submit({"prompt_id": "p", "number": 7.0, "node_errors": {}})
    assert ok.number == 7 and not ok.partial
    with pytest.raises(ProtocolError):
        models.parse_submit({"number": 1})
    with pytest.raises(ProtocolError):
        models.parse_submit({"prompt_id": "p", "number": "1"})
