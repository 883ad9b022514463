"""Replay of a recorded ComfyUI scenario against a fake server, and the comparison.

Used by the conformance test: the client actions of one scenario in ws_trace.jsonl (HTTP
requests, socket connects, client messages and closes) are sent again to a
``FakeComfyServer``; what comes back is collected per socket and per request, and compared
with what the real server answered. Ids the server picks (prompt ids, socket ids) are mapped
from recorded to new ones for later requests, and back when field names are compared. Recorded
gaps are not slept: before each action the replay waits for the messages the recording shows
before it, which keeps the order deterministic.
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
import websockets
from PIL import Image

from tests.fakes.comfy_server import FakeComfyServer

RECORDED_PORT = "8189"
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

    def __init__(
        self,
        server: FakeComfyServer,
        session: aiohttp.ClientSession,
        *,
        loose: bool = False,
        hold_queue_until_posts: int | None = None,
    ) -> None:
        self.server = server
        self.session = session
        self.loose = loose
        self.hold_queue_until_posts = hold_queue_until_posts
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

    async def run(self, records: list[dict[str, Any]]) -> None:
        expected_before: dict[str, list[Received]] = {}
        responses = iter(i for i, r in enumerate(records) if r["dir"] == "http_resp")
        hold = self.hold_queue_until_posts
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
