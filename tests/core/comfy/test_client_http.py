"""ComfyClient over HTTP, against httpx.MockTransport (no network)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import (
    ConnectionLost,
    HttpError,
    ProtocolError,
    ServerTimeout,
    ValidationFailed,
)
from directors_console.core.comfy.outputs import OutputFile
from directors_console.core.comfy.transfer import ssl_context
from tests.conftest import FIXTURES, require_fixture

Handler = Callable[[httpx.Request], Any]


def load(name: str) -> Any:
    return json.loads(require_fixture(FIXTURES / name).read_text(encoding="utf-8"))


class Recorder:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        result = self.handler(request)
        if asyncio.iscoroutine(result):
            result = await result
        assert isinstance(result, httpx.Response)
        return result

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def make(
    handler: Handler, base: str = "http://comfy.test:8188", **kw: Any
) -> tuple[ComfyClient, Recorder]:
    rec = Recorder(handler)
    kw.setdefault("use_websocket", False)
    client = ComfyClient(base, transport=httpx.MockTransport(rec), **kw)
    return client, rec


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def ok(body: Any = None) -> httpx.Response:
    if body is None:
        return httpx.Response(200)
    return httpx.Response(200, json=body)


async def test_submit_sends_our_ids_and_reads_the_answer() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        body = json.loads(req.content)
        return ok({"prompt_id": body["prompt_id"], "number": 3, "node_errors": {}})

    client, rec = make(handler, headers={"Authorization": "Bearer t0k"}, client_id="me")
    async with client:
        result = await client.submit({"1": {"class_type": "X", "inputs": {}}})
        assert len(result.prompt_id) == 32 and result.number == 3 and not result.partial
        await client.submit({"1": {}}, prompt_id="mine", extra_data={"a": 1}, front=True)
    first, second = (json.loads(r.content) for r in rec.requests)
    assert first["client_id"] == "me" and first["prompt_id"] == result.prompt_id
    assert "front" not in first and "extra_data" not in first
    assert second["prompt_id"] == "mine" and second["front"] is True
    assert second["extra_data"] == {"a": 1}
    assert rec.requests[0].headers["authorization"] == "Bearer t0k"
    assert rec.requests[0].url.path == "/prompt"


@pytest.mark.parametrize(
    "case", ["missing_required_input", "unknown_class_type", "missing_prompt_key"]
)
async def test_submit_refused(case: str) -> None:
    recorded = load("validation_errors.json")[case]
    client, _ = make(lambda req: httpx.Response(400, json=recorded["response"]))
    async with client:
        with pytest.raises(ValidationFailed) as info:
            await client.submit(recorded["request"].get("prompt", {}))
    assert info.value.error_type == recorded["response"]["error"]["type"]


async def test_submit_partial_and_odd_answers() -> None:
    partial = load("validation_errors.json")["bad_combo_value_one_of_two_outputs"]["response"]
    answers = iter(
        [
            httpx.Response(200, json=partial),
            httpx.Response(400, text="not json"),
            httpx.Response(500, text="500 Internal Server Error\n\nServer got itself in trouble"),
            httpx.Response(200, text="<html>"),
            httpx.Response(200, json={"prompt_id": "theirs", "number": 1}),
        ]
    )
    client, _ = make(lambda req: next(answers))
    async with client:
        result = await client.submit({})
        assert result.partial and result.node_errors[0].class_type == "LoadImage"
        with pytest.raises(HttpError) as e400:
            await client.submit({})
        assert e400.value.status == 400
        with pytest.raises(HttpError) as e500:
            await client.submit({})
        assert e500.value.status == 500 and "Internal" in str(e500.value)
        with pytest.raises(ProtocolError):
            await client.submit({})
        assert (await client.submit({}, prompt_id="ours")).prompt_id == "theirs"


async def test_queue_history_and_control_calls() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        path = req.url.path
        if path == "/queue" and req.method == "GET":
            return ok(load("queue_pending_heap_order.json"))
        if path == "/history/544efa46-7ccd-4f47-a502-7c805cd34e6e":
            return ok(load("history_prompt.json"))
        if path.startswith("/history/"):
            return ok({})
        if path == "/history" and req.method == "GET":
            assert req.url.params.get("max_items") in (None, "2")
            return ok(load("history_all.json"))
        if path == "/prompt":
            return ok({"exec_info": {"queue_remaining": 4}})
        if req.method == "POST":
            return ok()  # empty body, like the real server
        raise AssertionError(path)

    client, rec = make(handler)
    async with client:
        queue = await client.queue()
        assert [i.number for i in queue.pending] == [-46, 43, 44, 45]
        entry = await client.history_entry("544efa46-7ccd-4f47-a502-7c805cd34e6e")
        assert entry is not None and entry.succeeded
        assert await client.history_entry("unknown") is None
        assert len(await client.history(max_items=2)) >= 1
        assert await client.queue_remaining() == 4
        await client.interrupt()
        await client.interrupt("p1")
        await client.delete_pending(["a", "b"])
        await client.clear_queue()
        await client.delete_history(["c"])
        await client.clear_history()
        await client.free(unload_models=True, free_memory=True)
    posts = [(r.url.path, json.loads(r.content)) for r in rec.requests if r.method == "POST"]
    assert posts == [
        ("/interrupt", {}),
        ("/interrupt", {"prompt_id": "p1"}),
        ("/queue", {"delete": ["a", "b"]}),
        ("/queue", {"clear": True}),
        ("/history", {"delete": ["c"]}),
        ("/history", {"clear": True}),
        ("/free", {"unload_models": True, "free_memory": True}),
    ]


async def test_server_facts_and_caches() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        path = req.url.path
        if path == "/object_info":
            return ok(load("object_info_core.json"))
        if path == "/object_info/SlowCounter":
            return ok({"SlowCounter": {"input": {}}})
        if path == "/object_info/Nope":
            return ok({})
        if path == "/system_stats":
            return ok(load("system_stats.json"))
        if path == "/features":
            return httpx.Response(404)
        if path == "/models":
            return ok(load("models.json"))
        if path == "/models/checkpoints":
            return ok(["a.safetensors"])
        if path == "/models/bad":
            return ok({"x": 1})
        raise AssertionError(path)

    client, rec = make(handler)
    async with client:
        assert await client.object_info_for("SlowCounter") == {"input": {}}
        assert await client.object_info_for("Nope") is None
        infos = await asyncio.gather(client.object_info(), client.object_info())
        assert infos[0] is infos[1] and "KSampler" in infos[0]
        assert await client.object_info_for("KSampler") is not None  # from the cache
        assert await client.object_info_for("Nope") is None
        assert rec.paths().count("GET /object_info") == 1
        client.refresh()
        await client.object_info()
        assert rec.paths().count("GET /object_info") == 2
        assert (await client.system_stats()).comfyui_version == "0.3.64"
        feats = await client.features()
        assert not feats.supports_preview_metadata and feats.max_upload_size is None
        assert "checkpoints" in await client.model_folders()
        assert await client.models("checkpoints") == ["a.safetensors"]
        with pytest.raises(ProtocolError):
            await client.models("bad")


async def test_transport_failures_are_typed() -> None:
    def refuse(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=req)

    def slow(req: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=req)

    client, _ = make(refuse)
    async with client:
        with pytest.raises(ConnectionLost, match="unreachable"):
            await client.queue()
    client, _ = make(slow)
    async with client:
        with pytest.raises(ServerTimeout):
            await client.system_stats()
        with pytest.raises(ServerTimeout):
            await client.download("x.png", Path("/nonexistent/never/x.png"))


async def test_base_url_prefix_and_websocket_url() -> None:
    client, rec = make(
        lambda req: ok({"queue_running": [], "queue_pending": []}),
        base="https://farm.example/comfy/",
        use_websocket=True,
        client_id="c1",
    )
    async with client:
        await client.queue()
        assert client.listener is not None
        assert client.listener.url == "wss://farm.example/comfy/ws?clientId=c1"
        assert not client.connected
    assert str(rec.requests[0].url) == "https://farm.example/comfy/queue"
    plain = ComfyClient("http://10.0.0.5:8188", client_id="c2")
    assert plain.listener is not None and plain.listener.url == "ws://10.0.0.5:8188/ws?clientId=c2"
    await plain.aclose()
    with pytest.raises(ValueError):
        ComfyClient("ftp://x")
    no_ws, _ = make(ok)
    async with no_ws:
        with pytest.raises(RuntimeError):
            no_ws.subscribe()


def test_ssl_context_modes(tmp_path: Path) -> None:
    assert ssl_context(True).check_hostname
    lax = ssl_context(False)
    assert not lax.check_hostname
    assert ssl_context(lax) is lax


async def test_upload_is_deduplicated_by_content() -> None:
    names = iter(["up.png", "up (1).png", "other.png"])

    async def handler(req: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        return ok({"name": next(names), "subfolder": "dc", "type": "input"})

    png = b"\x89PNG\r\n\x1a\n" + b"1" * 50
    client, rec = make(handler)
    async with client:
        a, b = await asyncio.gather(
            client.upload_image(png, subfolder="dc"), client.upload_image(png, subfolder="dc")
        )
        assert a == b and a.name == "up.png" and a.reference == "dc/up.png"
        assert len(rec.requests) == 1
        c = await client.upload_image(png + b"2", subfolder="dc", filename="up.png")
        assert c.name == "up (1).png"
        client.forget_uploads()
        d = await client.upload_image(png, subfolder="dc", overwrite=True)
        assert d.name == "other.png"
    body = rec.requests[0].content
    assert b'name="image"; filename="dc_' in body and b"image/png" in body
    assert b'name="subfolder"\r\n\r\ndc' in body and b"overwrite" not in body
    assert b'name="overwrite"\r\n\r\ntrue' in rec.requests[2].content


async def test_upload_from_path(tmp_path: Path) -> None:
    src = tmp_path / "ref.jpg"
    src.write_bytes(b"\xff\xd8\xff\xe0" + b"j" * (300 * 1024))
    client, rec = make(lambda req: ok({"name": "x.jpg", "subfolder": "", "type": "input"}))
    async with client:
        first = await client.upload_image(src)
        assert first == await client.upload_image(src.read_bytes())
    assert len(rec.requests) == 1
    assert b'filename="dc_' in rec.requests[0].content and b'.jpg"' in rec.requests[0].content


def streamed(total: int, *, declared: int | None = None, status: int = 200) -> httpx.Response:
    async def body() -> AsyncIterator[bytes]:
        sent = 0
        while sent < total:
            n = min(100_000, total - sent)
            yield b"v" * n
            sent += n

    headers = {"content-length": str(total if declared is None else declared)}
    return httpx.Response(status, headers=headers, content=body())


async def test_download_streams_atomically(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "clip.mp4"
    progress: list[tuple[int, int | None]] = []
    client, rec = make(lambda req: streamed(1_234_567))
    async with client:
        size = await client.download(
            "clip.mp4", dest, subfolder="farm", on_progress=lambda n, t: progress.append((n, t))
        )
        assert size == 1_234_567 == dest.stat().st_size
        assert progress[-1] == (1_234_567, 1_234_567) and len(progress) >= 2
        out = OutputFile("3", "clip.mp4", "farm", "output")
        await client.download_output(out, dest, chunk_size=1 << 16)
    params = rec.requests[0].url.params
    assert dict(params) == {"filename": "clip.mp4", "subfolder": "farm", "type": "output"}
    assert names(dest.parent) == ["clip.mp4"]


async def test_failed_download_leaves_old_file(tmp_path: Path) -> None:
    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"old")
    answers = iter([streamed(500, declared=1000), httpx.Response(404), streamed(10**6)])
    client, _ = make(lambda req: next(answers))
    async with client:
        with pytest.raises(ConnectionLost, match="500 of 1000"):
            await client.download("clip.mp4", dest)
        with pytest.raises(HttpError) as info:
            await client.download("clip.mp4", dest)
        assert info.value.status == 404
        with pytest.raises(ProtocolError):
            await client.view_bytes("clip.mp4", max_bytes=1000)
    assert dest.read_bytes() == b"old"
    assert names(tmp_path) == ["clip.mp4"]


async def test_cancelled_download_cleans_up(tmp_path: Path) -> None:
    async def hang(req: httpx.Request) -> httpx.Response:
        async def body() -> AsyncIterator[bytes]:
            yield b"x" * 1000
            await asyncio.sleep(30)
            yield b"never"

        return httpx.Response(200, content=body())

    client, _ = make(hang)
    async with client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await client.download("a.png", tmp_path / "a.png")
    assert names(tmp_path) == []


async def test_view_bytes() -> None:
    client, _ = make(lambda req: httpx.Response(200, content=b"\x89PNG" + b"0" * 10))
    async with client:
        assert (await client.view_bytes("a.png")).startswith(b"\x89PNG")
