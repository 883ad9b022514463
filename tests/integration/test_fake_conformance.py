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
recording shows before it have arrived, which keeps the order deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import websockets
from PIL import Image

from tests.conftest import FIXTURES, require_fixture
from tests.fakes import FakeComfyConfig, FakeComfyServer, recordings

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
RECORDED_PORT = "8189"
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
WAIT_TIMEOUT = 15.0


# ------------------------------------------------------------------ message tokens


def binary_info(data: bytes) -> dict[str, Any]:
    event = int.from_bytes(data[:4], "big")
    info: dict[str, Any] = {"event_type": event}
    if event == 4:
        length = int.from_bytes(data[4:8], "big")
        info["metadata"] = json.loads(data[8 : 8 + length])
        image = data[8 + length :]
    else:
        info["format"] = int.from_bytes(data[4:8], "big")
        image = data[8:]
    info["image_format"] = image_format(image)
    return info


def image_format(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm/mkv"
    return None


def token(kind: str, payload: Any) -> str:
    """The message kind as compared: type, plus node ids where they are deterministic."""
    if kind == "binary":
        if payload["event_type"] == 4:
            return f"binary(4,{payload['metadata'].get('image_type')})"
        return f"binary(1,{ {1: 'JPEG', 2: 'PNG'}.get(payload.get('format')) })"
    kind = payload["type"]
    data = payload["data"]
    if kind == "executing":
        return f"executing({data.get('node')})"
    if kind == "execution_cached":
        return f"execution_cached({data.get('nodes')})"
    return str(kind)


def detail(kind: str, payload: Any) -> Any:
    """Values that are deterministic in an exact replay."""
    if kind == "binary":
        return payload["image_format"]
    kind, data = payload["type"], payload["data"]
    if kind == "status":
        return data["status"]["exec_info"]["queue_remaining"]
    if kind == "progress":
        return (data["value"], data["max"], data["node"])
    if kind == "progress_state":
        return {k: (v["state"], v["value"], v["max"]) for k, v in data["nodes"].items()}
    return None


def collapse(tokens: list[str]) -> list[str]:
    """Drop immediate repeats of any run of 1-3 messages (``x N`` in trace_summary.json)."""
    seq = list(tokens)
    changed = True
    while changed:
        changed = False
        for width in (1, 2, 3):
            i = 0
            while i + 2 * width <= len(seq):
                if seq[i : i + width] == seq[i + width : i + 2 * width]:
                    del seq[i + width : i + 2 * width]
                    changed = True
                else:
                    i += 1
    return seq


# ------------------------------------------------------------------------- shapes


def shape(value: Any, rename: dict[str, str], key: str | None = None) -> Any:
    """Field names recursively, with coarse value types; ids renamed to recorded ones."""
    if isinstance(value, dict):
        return {rename.get(k, k): shape(v, rename, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "traceback":
            return "list[str]"
        return [shape(v, rename) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "num"
    return type(value).__name__


def diff_shapes(expected: Any, actual: Any, path: str = "$") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for missing in expected.keys() - actual.keys():
            out.append(f"{path}: missing key {missing!r}")
        for extra in actual.keys() - expected.keys():
            out.append(f"{path}: unexpected key {extra!r}")
        for k in expected.keys() & actual.keys():
            out.extend(diff_shapes(expected[k], actual[k], f"{path}.{k}"))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(actual)} items, recorded {len(expected)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out.extend(diff_shapes(e, a, f"{path}[{i}]"))
        return out
    return [] if expected == actual else [f"{path}: {actual!r}, recorded {expected!r}"]


# ------------------------------------------------------------------------- replay


@dataclass
class Received:
    kind: str  # "text" or "binary"
    payload: Any

    @property
    def token(self) -> str:
        return token(self.kind, self.payload)


def recorded_message(rec: dict[str, Any]) -> Received:
    if rec["kind"] == "binary":
        info = {k: rec.get(k) for k in ("event_type", "format", "metadata", "image_format")}
        return Received("binary", info)
    return Received("text", rec["data"])


@dataclass
class Client:
    label: str
    conn: Any = None
    reader: asyncio.Task[None] | None = None
    messages: list[Received] = field(default_factory=list)
    closed_status: int | None = None
    sid: str | None = None


class Replay:
    """Replays one scenario's client actions against a fake and collects what comes back."""

    def __init__(self, server: FakeComfyServer, session: aiohttp.ClientSession, name: str) -> None:
        self.server = server
        self.session = session
        self.name = name
        self.loose = name in LOOSE
        self.ids: dict[str, str] = {}  # recorded id -> new id
        self.clients: dict[str, Client] = {}
        self.changed = asyncio.Event()
        self.http: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
        self.problems: list[str] = []
        self.posts = 0

    # -- ids

    def map_ids(self, value: Any) -> Any:
        if isinstance(value, str):
            for old, new in self.ids.items():
                value = value.replace(old, new)
            return value
        if isinstance(value, dict):
            return {self.map_ids(k): self.map_ids(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.map_ids(v) for v in value]
        return value

    def reverse_ids(self) -> dict[str, str]:
        return {new: old for old, new in self.ids.items()}

    # -- sockets

    async def _read(self, client: Client) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in client.conn:
                if isinstance(message, bytes):
                    client.messages.append(Received("binary", binary_info(message)))
                else:
                    client.messages.append(Received("text", json.loads(message)))
                self.changed.set()

    async def connect(self, rec: dict[str, Any], recorded_sid: str | None) -> None:
        client = Client(rec["client"])
        self.clients[client.label] = client
        url = self.server.url.replace("http", "ws", 1) + self.map_ids(rec["url"])
        headers = {k: self._port(v) for k, v in (rec.get("headers") or {}).items()}
        try:
            client.conn = await websockets.connect(url, additional_headers=headers)
        except websockets.InvalidStatus as exc:
            client.closed_status = exc.response.status_code
            return
        client.reader = asyncio.create_task(self._read(client))
        if recorded_sid is not None:
            await self._wait(lambda: bool(client.messages), f"first message on {client.label}")
            first = client.messages[0].payload
            client.sid = first["data"].get("sid")
            if client.sid and recorded_sid != client.sid:
                self.ids[recorded_sid] = client.sid

    async def close(self, label: str) -> None:
        client = self.clients[label]
        await client.conn.close()
        if client.reader is not None:
            await client.reader
        if client.sid:
            # The recording waited a second here; the real server had dropped the socket.
            await self.server.wait_disconnected(client.sid)

    async def close_all(self) -> None:
        for client in self.clients.values():
            if client.conn is not None:
                await client.conn.close()
            if client.reader is not None:
                await client.reader

    # -- waiting

    async def _wait(self, ready: Any, what: str) -> bool:
        # After one timeout the run has diverged; keep going quickly to report the diff.
        timeout = 0.5 if self.problems else WAIT_TIMEOUT
        try:
            async with asyncio.timeout(timeout):
                while not ready():
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            self.problems.append(f"timed out waiting for {what}")
            return False
        return True

    def _covers(self, received: list[Received], expected: list[Received]) -> bool:
        if not self.loose:
            return len(received) >= len(expected)
        for tok in {m.token for m in expected} - {"status"}:
            want = sum(m.token == tok for m in expected)
            if sum(m.token == tok for m in received) < want:
                return False
        return True

    async def wait_for_prefix(self, expected: dict[str, list[Received]], what: str) -> None:
        def ready() -> bool:
            return all(
                self._covers(self.clients[label].messages, msgs)
                for label, msgs in expected.items()
                if label in self.clients
            )

        await self._wait(ready, what)

    # -- http

    def _port(self, value: str) -> str:
        return value.replace(f":{RECORDED_PORT}", f":{self.server.port}")

    async def request(self, rec: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        headers = {k: self._port(v) for k, v in (rec.get("headers") or {}).items()}
        if "json" in rec:
            kwargs["json"] = self.map_ids(rec["json"])
        elif "raw_body" in rec:
            kwargs["data"] = rec["raw_body"].encode()
        elif "form" in rec or "files" in rec:
            form = aiohttp.FormData()
            for key, value in (rec.get("form") or {}).items():
                form.add_field(key, value)
            for key, spec in (rec.get("files") or {}).items():
                form.add_field(
                    key,
                    upload_bytes(spec["length"]),
                    filename=spec["filename"],
                    content_type=spec["content_type"],
                )
            kwargs["data"] = form
        url = self.server.url + self.map_ids(rec["path"])
        params = self.map_ids(rec.get("query") or {})
        async with self.session.request(
            rec["method"], url, params=params, headers=headers, **kwargs
        ) as resp:
            body = await resp.read()
            result: dict[str, Any] = {
                "status": resp.status,
                "content_type": resp.headers.get("Content-Type"),
                "disposition": resp.headers.get("Content-Disposition"),
                "body": body,
            }
        if result["content_type"] and result["content_type"].startswith("application/json"):
            result["json"] = json.loads(body)
        return result

    # -- the scenario

    async def run(self, records: list[dict[str, Any]], compare: bool) -> None:
        expected_before: dict[str, list[Received]] = {}
        responses = iter(i for i, r in enumerate(records) if r["dir"] == "http_resp")
        hold = HOLD_QUEUE_UNTIL_POSTS.get(self.name) if compare else None
        for index, rec in enumerate(records):
            direction = rec["dir"]
            if direction == "ws_in":
                expected_before.setdefault(rec["client"], []).append(recorded_message(rec))
                continue
            if direction in ("http_resp", "ws_closed"):
                continue
            what = (
                f"the messages recorded before record #{index} ({direction} {rec.get('path', '')})"
            )
            await self.wait_for_prefix(expected_before, what)
            if direction == "ws_connect":
                await self.connect(rec, self._recorded_sid(records, rec["client"]))
            elif direction == "ws_out":
                await self.clients[rec["client"]].conn.send(json.dumps(rec["data"]))
            elif direction == "ws_close_by_client":
                await self.close(rec["client"])
            elif direction == "http_req":
                is_post = rec["method"] == "POST" and rec["path"].endswith("/prompt")
                if hold and is_post and self.posts == 0:
                    self.server.pause_queue()
                actual = await self.request(rec)
                recorded = records[next(responses)]
                self.http.append((rec, recorded, actual))
                self._learn_prompt_id(recorded.get("json"), actual.get("json"))
                if is_post:
                    self.posts += 1
                    if hold and self.posts == hold:
                        self.server.resume_queue()
        all_expected = {
            c: [
                recorded_message(r) for r in records if r["dir"] == "ws_in" and r.get("client") == c
            ]
            for c in self.clients
        }
        await self.wait_for_prefix(all_expected, "the end of the recorded messages")
        await asyncio.sleep(0.05)  # anything extra the fake would send arrives now

    def _learn_prompt_id(self, recorded: Any, actual: Any) -> None:
        if isinstance(recorded, dict) and isinstance(actual, dict):
            old, new = recorded.get("prompt_id"), actual.get("prompt_id")
            if old and new and old != new:
                self.ids[old] = new

    @staticmethod
    def _recorded_sid(records: list[dict[str, Any]], label: str) -> str | None:
        for rec in records:
            if rec["dir"] == "ws_in" and rec.get("client") == label and rec["kind"] == "text":
                return rec["data"]["data"].get("sid")
        return None


def upload_bytes(length: int) -> bytes:
    """Stand-in upload content: equal recorded lengths give equal bytes, others differ."""
    image = Image.new("RGBA", (4, 4), (length % 256, 40, 200, 128 + length % 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# ----------------------------------------------------------------------- comparing


def compare_ws(replay: Replay, records: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    notes: list[str] = []
    rename = replay.reverse_ids()
    for label, client in replay.clients.items():
        expected = [
            recorded_message(r) for r in records if r["dir"] == "ws_in" and r.get("client") == label
        ]
        got = client.messages
        closed = [r for r in records if r["dir"] == "ws_closed" and r.get("client") == label]
        if closed:
            match = re.search(r"status_code=(\d+)", closed[0].get("note", ""))
            want = int(match.group(1)) if match else None
            if client.closed_status != want:
                problems.append(
                    f"ws[{label}]: handshake status {client.closed_status}, recorded {want}"
                )
            else:
                notes.append(f"ws[{label}] refused with {want}")
            continue
        if replay.loose:
            exp_tokens, got_tokens = (
                collapse([m.token for m in expected]),
                collapse([m.token for m in got]),
            )
            if exp_tokens != got_tokens:
                problems.append(
                    f"ws[{label}] collapsed sequence differs:\n"
                    f"  recorded {exp_tokens}\n  fake     {got_tokens}"
                )
                continue
            by_token: dict[str, list[Any]] = {}
            for m in expected:
                by_token.setdefault(m.token, []).append(_message_shape(m, {}))
            for m in got:
                if _message_shape(m, rename) not in by_token.get(m.token, []):
                    problems.append(f"ws[{label}] {m.token}: fields differ from every recorded one")
            notes.append(
                f"ws[{label}] {len(got)} messages, collapsed sequence of {len(got_tokens)} matches"
            )
            continue
        exp_seq = [(m.token, detail(m.kind, m.payload)) for m in expected]
        got_seq = [(m.token, detail(m.kind, m.payload)) for m in got]
        if exp_seq != got_seq:
            first = next(
                (i for i, (e, g) in enumerate(zip(exp_seq, got_seq, strict=False)) if e != g),
                min(len(exp_seq), len(got_seq)),
            )
            problems.append(
                f"ws[{label}] sequence differs at message {first}:\n"
                f"  recorded {exp_seq[max(0, first - 2) : first + 4]}\n"
                f"  fake     {got_seq[max(0, first - 2) : first + 4]}\n"
                f"  lengths  recorded {len(exp_seq)}, fake {len(got_seq)}"
            )
            continue
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            for d in diff_shapes(_message_shape(e, {}), _message_shape(g, rename)):
                problems.append(f"ws[{label}] message {i} {e.token}: {d}")
        notes.append(f"ws[{label}] {len(got)} messages match exactly")
    return problems, notes


def _message_shape(message: Received, rename: dict[str, str]) -> Any:
    if message.kind == "binary":
        meta = message.payload.get("metadata")
        return ("binary", sorted(meta) if meta else None, message.payload["image_format"])
    return shape(message.payload, rename)


def compare_http(replay: Replay) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    rename = replay.reverse_ids()
    for req, recorded, actual in replay.http:
        where = f"{req['method']} {req['path']} {req.get('note') or req.get('query') or ''}".strip()
        if actual["status"] != recorded["status"]:
            problems.append(f"{where}: status {actual['status']}, recorded {recorded['status']}")
            continue
        rec_type = (recorded.get("headers") or {}).get("content-type")
        got_type = actual["content_type"]
        if (rec_type or "").split(";")[0] != (got_type or "").split(";")[0]:
            problems.append(f"{where}: content-type {got_type}, recorded {rec_type}")
        rec_disposition = (recorded.get("headers") or {}).get("content-disposition")
        if rec_disposition != actual["disposition"]:
            problems.append(
                f"{where}: content-disposition {actual['disposition']}, recorded {rec_disposition}"
            )
        if "json" in recorded:
            for d in diff_shapes(shape(recorded["json"], {}), shape(actual.get("json"), rename)):
                problems.append(f"{where}: {d}")
        elif recorded["kind"] == "binary":
            got_format = image_format(actual["body"])
            if got_format != recorded.get("image_format"):
                problems.append(
                    f"{where}: body is {got_format}, recorded {recorded.get('image_format')}"
                )
        elif "text" in recorded and actual["body"].decode(errors="replace") != recorded["text"]:
            problems.append(f"{where}: body {actual['body'][:80]!r}, recorded {recorded['text']!r}")
    return problems, [f"{len(replay.http)} HTTP answers compared"]


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
                before = Replay(server, session, prelude)
                await before.run(recordings.scenario(prelude).records, compare=False)
                await before.close_all()
                await server.wait_idle()
                ids.update(before.ids)
            replay = Replay(server, session, name)
            replay.ids.update(ids)
            records = recordings.scenario(name).records
            try:
                await replay.run(records, compare=True)
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
