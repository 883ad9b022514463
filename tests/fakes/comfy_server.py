"""A fake ComfyUI server for tests: real HTTP + WebSocket on 127.0.0.1, recorded behaviour.

``FakeComfyServer`` answers the routes of a real ComfyUI 0.3.64 (also under ``/api``) with the
bodies, status codes and WebSocket message order recorded in ../shared/fixtures/comfyui, runs
prompts through a small graph interpreter (comfy_exec, comfy_nodes), and can misbehave on
purpose (latency, HTTP 500s, hanging routes, dropped sockets, a crash) so client code can be
tested against failures. Several instances can run side by side on different ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import comfy_media, recordings
from tests.fakes.comfy_catalog import NodeCatalog
from tests.fakes.comfy_config import (
    FEATURES,
    MAX_UPLOAD_SIZE,
    MODEL_FOLDERS,
    TEXT_500,
    FakeComfyConfig,
    RequestRecord,
    UploadRecord,
    default_extensions,
    default_system_stats,
    matches,
    origin_rejected,
)
from tests.fakes.comfy_exec import ExecutionRecord, Executor, RunSettings
from tests.fakes.comfy_nodes import Dirs
from tests.fakes.comfy_state import History, PromptQueue
from tests.fakes.comfy_validate import no_prompt_error, validate_prompt
from tests.fakes.comfy_ws import Hub, Socket


class _Changes:
    """Wakes waiters whenever queue, history or sockets change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def until(self, predicate: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._event.wait()


class FakeComfyServer:
    """One fake ComfyUI instance. ``await start()``, use ``url``, ``await stop()``."""

    def __init__(self, config: FakeComfyConfig | None = None) -> None:
        self.config = config or FakeComfyConfig()
        self._own_root = self.config.root_dir is None
        root = self.config.root_dir or Path(tempfile.mkdtemp(prefix="fake-comfy-"))
        self.dirs = Dirs(root / "output", root / "input", root / "temp")
        base = self.config.object_info
        if base is None:
            base = recordings.object_info_core()
        self.catalog = NodeCatalog(base, self.config.models, self.dirs)
        self._changes = _Changes()
        self.hub = Hub(lambda: self.config.drop_ws_after_messages, self._changes.notify)
        self.executor = Executor(self.hub, lambda: self.catalog.info, self.dirs, self._settings)
        self.queue = PromptQueue()
        self._history = History()
        self._number = 0
        self._port = 0
        self._runner: web.AppRunner | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self._die_tasks: set[asyncio.Task[None]] = set()
        self._timed_death_armed = self.config.die_after_seconds is not None
        self._wake = asyncio.Event()
        self._paused = False
        self._reset_cache_pending = False
        self._prompts_started = 0
        self._hanging: set[asyncio.Task[Any]] = set()
        # Inspection for tests
        self.executed_prompts: list[ExecutionRecord] = []
        self.uploads: list[UploadRecord] = []
        self.requests: list[RequestRecord] = []
        self.interrupts: list[str | None] = []
        self.free_requests: list[dict[str, Any]] = []

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/ws"

    @property
    def is_running(self) -> bool:
        return self._runner is not None

    async def start(self, port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("fake ComfyUI server already running")
        for folder in (self.dirs.output, self.dirs.input, self.dirs.temp):
            folder.mkdir(parents=True, exist_ok=True)
        app = web.Application(middlewares=[self._middleware], client_max_size=MAX_UPLOAD_SIZE)
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port or self._port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        self._worker_task = asyncio.create_task(self._worker(), name=f"fake-comfy-{self._port}")
        if self._timed_death_armed and self.config.die_after_seconds is not None:
            # One crash per instance: a restarted server stays up.
            self._timed_death_armed = False
            self._die_later(self.config.die_after_seconds)

    async def stop(self) -> None:
        """Graceful shutdown: close frames to every socket, then stop listening."""
        if self._runner is not None:
            await self._shutdown(graceful=True)
        if self._own_root:
            shutil.rmtree(self.dirs.output.parent, ignore_errors=True)

    async def kill(self) -> None:
        """Crash: drop every connection at once and stop listening. Files stay on disk."""
        if self._runner is not None:
            await self._shutdown(graceful=False)

    async def restart(self, keep_history: bool = False, delay: float = 0.0) -> None:
        """Come back on the same port. A restarted ComfyUI has an empty queue and history;
        ``keep_history=True`` models a server that was only unreachable."""
        await self.kill()
        self.queue.reset()
        self.executor.reset_cache()
        self._number = 0
        self._paused = False
        if not keep_history:
            self._history.clear()
        if delay:
            await asyncio.sleep(delay)
        await self.start(self._port)

    def _die_later(self, seconds: float) -> None:
        async def die() -> None:
            await asyncio.sleep(seconds)
            await self.kill()

        task = asyncio.create_task(die())
        self._die_tasks.add(task)
        task.add_done_callback(self._die_tasks.discard)

    async def _shutdown(self, graceful: bool) -> None:
        runner, self._runner = self._runner, None
        assert runner is not None
        current = asyncio.current_task()
        tasks = [t for t in (self._worker_task, *self._die_tasks) if t is not None]
        tasks = [t for t in tasks if t is not current]
        self._worker_task = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for site in list(runner.sites):
            await site.stop()
        for task in list(self._hanging):
            task.cancel()
        await self.hub.close_all(graceful)
        if not graceful and runner.server is not None:
            for connection in list(runner.server.connections):
                if connection.transport is not None:
                    connection.transport.abort()
        await runner.cleanup()
        self.queue.running = None
        self.executor.current_node = None
        self.executor.running_client = None

    # -------------------------------------------------------------- test helpers

    @property
    def object_info(self) -> dict[str, Any]:
        return self.catalog.info

    @property
    def history(self) -> dict[str, dict[str, Any]]:
        return self._history.snapshot()

    @property
    def connected_clients(self) -> list[str]:
        """Client ids that currently receive messages."""
        return list(self.hub.by_sid)

    @property
    def pending_prompt_ids(self) -> list[str]:
        return self.queue.pending_ids()

    @property
    def running_prompt_id(self) -> str | None:
        return None if self.queue.running is None else self.queue.running[1]

    def pause_queue(self) -> None:
        """Hold the worker: posted prompts stay pending until ``resume_queue()``."""
        self._paused = True

    def resume_queue(self) -> None:
        self._paused = False
        self._wake.set()

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Until nothing is pending or running (a paused queue never becomes idle)."""
        await self._changes.until(
            lambda: not self.queue.has_pending() and self.queue.running is None, timeout
        )

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Until ``predicate()`` holds; re-checked on every queue, history, socket change and
        on every message the server sends."""
        await self._changes.until(predicate, timeout)

    async def wait_disconnected(self, sid: str, timeout: float = 5.0) -> None:
        await self._changes.until(lambda: sid not in self.hub.by_sid, timeout)

    async def wait_connected(self, sid: str, timeout: float = 5.0) -> None:
        await self._changes.until(lambda: sid in self.hub.by_sid, timeout)

    def add_input_file(self, name: str, data: bytes, subfolder: str = "") -> Path:
        folder = self.dirs.input / subfolder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        return path

    def set_models(self, folder: str, names: list[str]) -> None:
        """Change a model folder at runtime (object_info combos follow)."""
        self.catalog.set_models(folder, names)

    # ------------------------------------------------------------------ internals

    def _settings(self) -> RunSettings:
        c = self.config
        return RunSettings(
            c.step_delay,
            c.node_delay,
            c.steps_override,
            c.default_steps,
            c.sampler_previews,
            c.preview_size,
        )

    def queue_info(self) -> dict[str, Any]:
        return {"exec_info": {"queue_remaining": self.queue.remaining()}}

    def _broadcast_status(self) -> None:
        self.hub.send_json("status", {"status": self.queue_info()}, None)
        self._changes.notify()

    async def _worker(self) -> None:
        while True:
            while self._paused or not self.queue.has_pending():
                self._wake.clear()
                await self._wake.wait()
            if self._reset_cache_pending:
                self.executor.reset_cache()
                self._reset_cache_pending = False
            item = self.queue.pop()
            assert item is not None
            self._broadcast_status()
            record = ExecutionRecord(item[1], item[0], item[2], item[3], item[4])
            self.executed_prompts.append(record)
            self._prompts_started += 1
            if self.config.die_on_prompt == self._prompts_started:
                self._die_later(0.0)
            entry = await self.executor.run(item, record)
            self.queue.running = None
            self._history.store(item[1], entry)
            self._changes.notify()
            self._broadcast_status()
            client_id = item[3].get("client_id")
            if client_id is not None:
                self.hub.send_json("executing", {"node": None, "prompt_id": item[1]}, client_id)

    # --------------------------------------------------------------------- HTTP

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(RequestRecord(request.method, request.path, dict(request.query)))
        if self.config.check_origin and origin_rejected(request):
            return web.Response(status=403)
        if matches(self.config.hang_paths, request.method, request.path):
            task = asyncio.current_task()
            assert task is not None
            self._hanging.add(task)
            try:
                await asyncio.Event().wait()
            finally:
                self._hanging.discard(task)
        if self.config.latency:
            await asyncio.sleep(self.config.latency)
        if matches(self.config.http_500_paths, request.method, request.path):
            return self._internal_error()
        return await handler(request)

    @staticmethod
    def _internal_error() -> web.Response:
        response = web.Response(status=500, text=TEXT_500)
        response.force_close()
        return response

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._index)
        table = [
            ("GET", "/ws", self._ws),
            ("GET", "/object_info", self._object_info_all),
            ("GET", "/object_info/{node_class}", self._object_info_one),
            ("GET", "/system_stats", self._system_stats),
            ("GET", "/embeddings", self._embeddings),
            ("GET", "/features", self._features),
            ("GET", "/extensions", self._extensions),
            ("GET", "/models", self._models),
            ("GET", "/models/{folder}", self._models_folder),
            ("GET", "/prompt", self._get_prompt),
            ("POST", "/prompt", self._post_prompt),
            ("GET", "/queue", self._get_queue),
            ("POST", "/queue", self._post_queue),
            ("POST", "/interrupt", self._interrupt),
            ("GET", "/history", self._get_history),
            ("GET", "/history/{prompt_id}", self._get_history_one),
            ("POST", "/history", self._post_history),
            ("POST", "/free", self._free),
            ("GET", "/view", self._view),
            ("POST", "/upload/image", self._upload_image),
            ("POST", "/upload/mask", self._upload_mask),
        ]
        for prefix in ("", "/api"):
            for method, path, handler in table:
                app.router.add_route(method, prefix + path, handler)

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(text="<html><body>fake ComfyUI</body></html>", content_type="text/html")

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=1.0)
        await ws.prepare(request)
        sid = request.query.get("clientId") or uuid.uuid4().hex
        sock = Socket(sid, ws, request)
        sock.push_json("status", {"status": self.queue_info(), "sid": sid})
        node = self.executor.current_node
        if node is not None and self.executor.running_client == sid:
            sock.push_json("executing", {"node": node})
        self.hub.register(sock)
        first = True
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if first:
                    first = False
                    self._first_message(sock, msg.data)
        finally:
            self.hub.unregister(sock)
        return ws

    @staticmethod
    def _first_message(sock: Socket, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        if not isinstance(message, dict) or message.get("type") != "feature_flags":
            return
        data = message.get("data")
        if isinstance(data, dict):
            sock.supports_metadata = bool(data.get("supports_preview_metadata"))
        sock.push_json("feature_flags", dict(FEATURES))

    async def _object_info_all(self, request: web.Request) -> web.Response:
        return web.json_response(self.catalog.refreshed())

    async def _object_info_one(self, request: web.Request) -> web.Response:
        name = request.match_info["node_class"]
        info = self.catalog.refreshed().get(name)
        return web.json_response({} if info is None else {name: info})

    async def _system_stats(self, request: web.Request) -> web.Response:
        stats = copy.deepcopy(self.config.system_stats or default_system_stats())
        argv = stats.get("system", {}).get("argv")
        if isinstance(argv, list) and "--port" in argv[:-1]:
            argv[argv.index("--port") + 1] = str(self._port)
        if self.config.devices is not None:
            stats["devices"] = copy.deepcopy(self.config.devices)
        return web.json_response(stats)

    async def _embeddings(self, request: web.Request) -> web.Response:
        names = self.config.models.get("embeddings", [])
        return web.json_response([Path(n).stem for n in names])

    async def _features(self, request: web.Request) -> web.Response:
        return web.json_response(dict(FEATURES))

    async def _extensions(self, request: web.Request) -> web.Response:
        return web.json_response(default_extensions())

    def _model_folders(self) -> list[str]:
        return MODEL_FOLDERS + [f for f in self.config.models if f not in MODEL_FOLDERS]

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response(self._model_folders())

    async def _models_folder(self, request: web.Request) -> web.Response:
        folder = request.match_info["folder"]
        if folder not in self._model_folders():
            return web.Response(status=404)
        return web.json_response(list(self.config.models.get(folder, [])))

    async def _get_prompt(self, request: web.Request) -> web.Response:
        return web.json_response(self.queue_info())

    async def _post_prompt(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return self._internal_error()
        if not isinstance(body, dict):
            return self._internal_error()
        if "number" in body:
            number: float = float(body["number"])
        else:
            number = self._number
            if body.get("front"):
                number = -number
            self._number += 1
        if "prompt" not in body:
            return web.json_response({"error": no_prompt_error(), "node_errors": {}}, status=400)
        prompt = body["prompt"]
        prompt_id = str(body.get("prompt_id", uuid.uuid4()))
        result = validate_prompt(
            prompt,
            self.catalog.info,
            body.get("partial_execution_targets"),
            self.catalog.custom_validators(),
        )
        if not result.ok:
            payload = {"error": result.error, "node_errors": result.node_errors}
            return web.json_response(payload, status=400)
        extra_data = body.get("extra_data", {})
        if not isinstance(extra_data, dict):
            extra_data = {}
        if "client_id" in body:
            extra_data["client_id"] = body["client_id"]
        self.queue.put([number, prompt_id, prompt, extra_data, result.outputs])
        self._broadcast_status()
        self._wake.set()
        return web.json_response(
            {"prompt_id": prompt_id, "number": number, "node_errors": result.node_errors}
        )

    async def _json_or_empty(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    async def _get_queue(self, request: web.Request) -> web.Response:
        running = [] if self.queue.running is None else [self.queue.running]
        return web.json_response(
            {"queue_running": running, "queue_pending": self.queue.pending_items()}
        )

    async def _post_queue(self, request: web.Request) -> web.Response:
        body = await self._json_or_empty(request)
        if body.get("clear"):
            self.queue.clear()
            self._broadcast_status()
        for prompt_id in body.get("delete") or []:
            if self.queue.delete(prompt_id):
                self._broadcast_status()
        return web.Response()

    async def _interrupt(self, request: web.Request) -> web.Response:
        body = await self._json_or_empty(request)
        target = body.get("prompt_id")
        self.interrupts.append(target)
        running = self.running_prompt_id
        if running is not None and (target is None or target == running):
            self.executor.interrupt()
        return web.Response()

    async def _get_history(self, request: web.Request) -> web.Response:
        max_items = request.query.get("max_items")
        offset = request.query.get("offset")
        listing = self._history.listing(
            int(max_items) if max_items else None, int(offset) if offset else -1
        )
        return web.json_response(listing)

    async def _get_history_one(self, request: web.Request) -> web.Response:
        return web.json_response(self._history.get(request.match_info["prompt_id"]))

    async def _post_history(self, request: web.Request) -> web.Response:
        body = await self._json_or_empty(request)
        if body.get("clear"):
            self._history.clear()
        for prompt_id in body.get("delete") or []:
            self._history.delete(prompt_id)
        self._changes.notify()
        return web.Response()

    async def _free(self, request: web.Request) -> web.Response:
        body = await self._json_or_empty(request)
        self.free_requests.append(body)
        if body.get("free_memory"):
            if self.queue.running is None:
                self.executor.reset_cache()
            else:
                self._reset_cache_pending = True
        return web.Response()

    async def _view(self, request: web.Request) -> web.Response:
        query = request.query
        if "filename" not in query:
            return web.Response(status=404)
        kind = query.get("type", "output")
        filename = query["filename"]
        for tag in ("input", "output", "temp"):
            if filename.endswith(f" [{tag}]"):
                filename, kind = filename[: -len(tag) - 3], tag
        if not filename or filename.startswith("/") or ".." in filename:
            return web.Response(status=400)
        root = self.dirs.by_type(kind)
        if root is None:
            return web.Response(status=400)
        folder = root / query.get("subfolder", "")
        if not comfy_media.inside(root, folder):
            return web.Response(status=403)
        path = folder / Path(filename).name
        if not path.is_file():
            return web.Response(status=404)
        variant = await asyncio.to_thread(
            comfy_media.view_variant, path, query.get("preview"), query.get("channel")
        )
        if variant is None:
            body = await asyncio.to_thread(path.read_bytes)
            ctype = comfy_media.content_type(path.name)
        else:
            body, ctype = variant
        headers = {"Content-Disposition": f'filename="{path.name}"'}
        return web.Response(body=body, content_type=ctype, headers=headers)

    async def _upload_image(self, request: web.Request) -> web.Response:
        return await self._upload(request, mask=False)

    async def _upload_mask(self, request: web.Request) -> web.Response:
        return await self._upload(request, mask=True)

    async def _upload(self, request: web.Request, mask: bool) -> web.Response:
        form = await request.post()
        image = form.get("image")
        if not isinstance(image, web.FileField) or not image.filename:
            return web.Response(status=400)
        kind = str(form.get("type") or "input")
        root = self.dirs.by_type(kind) or self.dirs.input
        if root is self.dirs.input:
            kind = "input"
        subfolder = str(form.get("subfolder") or "")
        folder = root / subfolder
        if not comfy_media.inside(root, folder):
            return web.Response(status=400)
        data = image.file.read()
        if mask:
            try:
                ref = json.loads(str(form.get("original_ref") or "{}"))
            except ValueError:
                return web.Response(status=400)
            original_root = self.dirs.by_type(ref.get("type") or "output") or self.dirs.output
            original = original_root / ref.get("subfolder", "") / Path(ref.get("filename", "")).name
            if not original.is_file():
                return web.Response(status=404)
            data = await asyncio.to_thread(comfy_media.apply_mask, original, data)
        overwrite = str(form.get("overwrite", "")).lower() in ("true", "1")
        name = await asyncio.to_thread(
            comfy_media.store_upload, folder, Path(image.filename).name, data, overwrite
        )
        self.uploads.append(UploadRecord(name, subfolder, kind, len(data), mask))
        return web.json_response({"name": name, "subfolder": subfolder, "type": kind})
