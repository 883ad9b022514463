"""The fake ComfyUI server against the recording of a real one (ws_trace.jsonl).

Every recorded scenario is replayed against a fresh fake: the recorded client actions (HTTP
requests, socket connects, client messages, client closes) are sent again, and what comes back
is compared with what the real server answered:

- per socket, the ordered WebSocket messages. The comparison is exact (one entry per message,
  with its deterministic details: node ids, queue lengths, progress values, preview event and
  format) because the fake and the real server are both sequential executors, so the order is
  reproducible. The one exception is 17 (reconnect mid-run): the steps that run while the
  socket is closed are lost and how many depends on timing, so there repeated runs of the
  same message pattern are collapsed (like trace_summary.json does with ``xN``).
- HTTP status codes, content types, Content-Disposition, and image formats of binary bodies;
- the field names of every JSON answer and message, recursively, with coarse value types.

Ids chosen by the server (prompt ids, socket ids) are mapped from recorded to new ones and
back. Recorded gaps are not slept: before each action the replay waits until the messages the
recording shows before it have arrived, which keeps the order deterministic. The replay and
comparison machinery lives in tests/fakes/comfy_replay.py; the tests after the scenarios check
behaviour the trace does not show (configured models, capabilities, PNG metadata...).
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import aiohttp
import pytest
import websockets
from PIL import Image

from tests.conftest import FIXTURES, require_fixture
from tests.fakes import FakeComfyConfig, FakeComfyServer, recordings
from tests.fakes.comfy_replay import (
    Received,
    Replay,
    binary_info,
    compare_http,
    compare_ws,
    diff_shapes,
    shape,
)

SCENARIOS = [
    "00_http_basics",
    "01_connect_status",
    "02_success",
    "03_cached",
    "04_progress_preview",
    "04b_progress_preview_feature_flags",
    "05_interrupt",
    "06_execution_error",
    "07_validation_errors",
    "08_client_prompt_id",
    "09_queue_ops",
    "09b_queue_pending_heap_order",
    "10_two_clients",
    "11_no_client_id",
    "12_upload",
    "13_origin_check",
    "14_save_image_websocket",
    "14b_save_image_websocket_feature_flags",
    "15_video_outputs",
    "16_history_ops",
    "17_reconnect_midrun",
]
# Seconds per SlowCounter step. Scenarios whose recording sends requests while a node is
# stepping get a step long enough for those requests to land inside the same step.
STEP_DELAY = {
    "05_interrupt": 0.2,
    "09_queue_ops": 0.4,
    "09b_queue_pending_heap_order": 0.4,
    "10_two_clients": 0.25,
    "17_reconnect_midrun": 0.1,
}
DEFAULT_STEP_DELAY = 0.03
# The recording ran all scenarios on one server; these depend on what an earlier one left.
PRELUDES = {"03_cached": ["02_success"], "16_history_ops": ["15_video_outputs"]}
# 09: the real worker had not picked up the first post when the `front` one arrived (see the
# fixture README); hold the fake's worker until that many prompts are posted.
HOLD_QUEUE_UNTIL_POSTS = {"09_queue_ops": 4}
LOOSE = {"17_reconnect_midrun"}


# --------------------------------------------------------------------------- tests


def test_recording_has_the_expected_scenarios() -> None:
    require_fixture(FIXTURES / "ws_trace.jsonl")
    assert sorted(recordings.scenario_names()) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
async def test_scenario_matches_recording(name: str, tmp_path: Any) -> None:
    require_fixture(FIXTURES / "ws_trace.jsonl")
    config = FakeComfyConfig(step_delay=STEP_DELAY.get(name, DEFAULT_STEP_DELAY), root_dir=tmp_path)
    server = FakeComfyServer(config)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            ids: dict[str, str] = {}
            for prelude in PRELUDES.get(name, []):
                before = Replay(server, session)
                await before.run(recordings.scenario(prelude).records)
                await before.close_all()
                await server.wait_idle()
                ids.update(before.ids)
            replay = Replay(
                server,
                session,
                loose=name in LOOSE,
                hold_queue_until_posts=HOLD_QUEUE_UNTIL_POSTS.get(name),
            )
            replay.ids.update(ids)
            records = recordings.scenario(name).records
            try:
                await replay.run(records)
            finally:
                await replay.close_all()
    finally:
        await server.stop()
    ws_problems, ws_notes = compare_ws(replay, records)
    http_problems, http_notes = compare_http(replay)
    problems = replay.problems + ws_problems + http_problems
    print(f"{name}: " + "; ".join(ws_notes + http_notes))
    assert not problems, f"{name} differs from the recording:\n" + "\n".join(problems)


# ------------------------------------------------- behaviour beyond the recorded trace


def txt2img(ckpt: str, steps: int = 3) -> dict[str, Any]:
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a castle", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["1", 1]}},
        "4": {
            "class_type": "EmptyLatentImage",
            "inputs": {"width": 64, "height": 48, "batch_size": 1},
        },
        "5": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["1", 0],
                "seed": 42,
                "steps": steps,
                "cfg": 7.0,
                "sampler_name": "euler",
                "scheduler": "karras",
                "positive": ["2", 0],
                "negative": ["3", 0],
                "latent_image": ["4", 0],
                "denoise": 1.0,
            },
        },
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "t2i"}},
    }


async def collect_until_done(conn: Any, prompt_id: str) -> list[Received]:
    messages: list[Received] = []
    async with asyncio.timeout(10):
        async for raw in conn:
            if isinstance(raw, bytes):
                messages.append(Received("binary", binary_info(raw)))
                continue
            message = json.loads(raw)
            messages.append(Received("text", message))
            data = message["data"]
            done = data.get("node") is None and data.get("prompt_id") == prompt_id
            if message["type"] == "executing" and done:
                return messages
    return messages


async def test_configured_models_fill_loader_combos_and_are_validated(fake_comfy_factory) -> None:
    server = await fake_comfy_factory(
        step_delay=0.0, models={"checkpoints": ["sd_xl_base_1.0.safetensors"], "loras": []}
    )
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/object_info/CheckpointLoaderSimple") as resp:
            info = await resp.json()
        assert info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] == [
            "sd_xl_base_1.0.safetensors"
        ]
        async with session.get(f"{server.url}/models/checkpoints") as resp:
            assert await resp.json() == ["sd_xl_base_1.0.safetensors"]
        async with session.get(f"{server.url}/models/no_such_folder") as resp:
            assert resp.status == 404
        async with session.post(
            f"{server.url}/prompt", json={"prompt": txt2img("missing.safetensors")}
        ) as resp:
            assert resp.status == 400
            body = await resp.json()
        error = body["node_errors"]["1"]["errors"][0]
        assert error["type"] == "value_not_in_list"
        assert error["details"] == (
            "ckpt_name: 'missing.safetensors' not in ['sd_xl_base_1.0.safetensors']"
        )
        async with websockets.connect(f"{server.ws_url}?clientId=m1") as conn:
            async with session.post(
                f"{server.url}/prompt",
                json={"prompt": txt2img("sd_xl_base_1.0.safetensors"), "client_id": "m1"},
            ) as resp:
                assert resp.status == 200
                answer = await resp.json()
            messages = await collect_until_done(conn, answer["prompt_id"])
    tokens = [m.token for m in messages]
    assert tokens.count("progress") == 3
    assert tokens.count("binary(1,JPEG)") == 3
    assert "execution_success" in tokens
    executed = next(m.payload["data"] for m in messages if m.token == "executed")
    assert executed["output"]["images"][0]["filename"] == "t2i_00001_.png"
    server.set_models("checkpoints", [])
    assert server.object_info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] == []


async def test_a_class_missing_from_this_instance_is_rejected(fake_comfy_factory) -> None:
    info = recordings.object_info_core()
    del info["SlowCounter"]
    server = await fake_comfy_factory(object_info=info)
    prompt = recordings.scenario("04_progress_preview").records[2]["json"]["prompt"]
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.url}/prompt", json={"prompt": prompt}) as resp,
    ):
        assert resp.status == 400
        body = await resp.json()
    assert body["error"]["type"] == "invalid_prompt"
    assert body["error"]["message"] == "Cannot execute because node SlowCounter does not exist."
    assert body["error"]["details"] == "Node ID '#2'"


async def test_saved_png_carries_prompt_and_workflow_chunks(fake_comfy_factory) -> None:
    server = await fake_comfy_factory()
    request = recordings.scenario("02_success").records[2]["json"]
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/prompt", json=request) as resp:
            answer = await resp.json()
        await server.wait_idle()
        params = {"filename": "shot_00002_.png", "subfolder": "farmtest", "type": "output"}
        async with session.get(f"{server.url}/view", params=params) as resp:
            assert resp.status == 200
            data = await resp.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (64, 64)
        texts = dict(image.text)
    assert json.loads(texts["prompt"]) == request["prompt"]
    assert json.loads(texts["workflow"]) == request["extra_data"]["extra_pnginfo"]["workflow"]
    record = server.executed_prompts[0]
    assert (record.prompt_id, record.status) == (answer["prompt_id"], "success")


async def test_validation_cases_answer_like_the_recording(fake_comfy_factory) -> None:
    """Every case of validation_errors.json: same status, same error fields and texts."""
    server = await fake_comfy_factory()
    async with aiohttp.ClientSession() as session:
        for name, case in recordings.validation_cases().items():
            if "request" not in case:
                continue
            async with session.post(f"{server.url}/prompt", json=case["request"]) as resp:
                body = await resp.json()
                assert resp.status == case["status"], name
            expected = case["response"]
            assert diff_shapes(shape(expected, {}), shape(body, {})) == [], name
            if "error" in expected:
                for key in ("type", "message", "details"):
                    assert body["error"][key] == expected["error"][key], (name, key)
            for node_id, entry in expected["node_errors"].items():
                got = body["node_errors"][node_id]
                assert got["dependent_outputs"] == entry["dependent_outputs"], name
                for want, have in zip(entry["errors"], got["errors"], strict=True):
                    assert (have["type"], have["message"]) == (want["type"], want["message"])
                    assert have["details"] == want["details"], name


async def test_preview_image_is_written_to_temp(fake_comfy_factory) -> None:
    server = await fake_comfy_factory()
    prompt = {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 5},
        },
        "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/prompt", json={"prompt": prompt}) as resp:
            answer = await resp.json()
        await server.wait_idle()
        image = server.history[answer["prompt_id"]]["outputs"]["2"]["images"][0]
        assert image["type"] == "temp"
        assert image["subfolder"] == ""
        params = {"filename": image["filename"], "type": "temp"}
        async with session.get(f"{server.url}/view", params=params) as resp:
            assert resp.status == 200
            assert resp.content_type == "image/png"


async def test_pending_queue_is_listed_in_heap_order(fake_comfy_factory) -> None:
    """Like queue_pending_heap_order.json: a running prompt, three posts, then a `front` one."""
    require_fixture(FIXTURES / "queue_pending_heap_order.json")
    recorded = recordings.load_json("queue_pending_heap_order.json")
    server = await fake_comfy_factory(step_delay=0.05)
    base = recordings.scenario("09b_queue_pending_heap_order").records[2]["json"]["prompt"]
    async with aiohttp.ClientSession() as session:
        for index, front in enumerate([False, False, False, False, True]):
            prompt = json.loads(json.dumps(base))
            prompt["1"]["inputs"]["color"] = index
            async with session.post(
                f"{server.url}/prompt", json={"prompt": prompt, "front": front}
            ) as resp:
                assert resp.status == 200
            if index == 0:
                await server.wait_until(lambda: server.running_prompt_id is not None)
        async with session.get(f"{server.url}/queue") as resp:
            queue = await resp.json()
        async with session.post(f"{server.url}/queue", json={"clear": True}):
            pass
        async with session.post(f"{server.url}/interrupt"):
            pass

    def ranks(items: list[list[Any]]) -> list[int]:
        numbers = [item[0] for item in items]
        return [sorted(numbers).index(n) for n in numbers]

    assert [item[0] for item in queue["queue_pending"]] == [-4, 1, 3, 2]
    assert ranks(queue["queue_pending"]) == ranks(recorded["queue_pending"])
    assert queue["queue_running"][0][0] == 0


async def test_value_bigger_than_max(fake_comfy_factory) -> None:
    server = await fake_comfy_factory()
    prompt = recordings.scenario("02_success").records[2]["json"]["prompt"]
    prompt["1"]["inputs"]["width"] = 99999
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.url}/prompt", json={"prompt": prompt}) as resp,
    ):
        assert resp.status == 400
        body = await resp.json()
    error = body["node_errors"]["1"]["errors"][0]
    assert error["type"] == "value_bigger_than_max"
    assert error["message"] == "Value 99999 bigger than max of 16384"
    assert body["node_errors"]["1"]["dependent_outputs"] == ["3"]
