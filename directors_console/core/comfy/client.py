"""``ComfyClient``: everything we ask of one ComfyUI server, over HTTP(S) and WebSocket.

One client per server. HTTP goes through one pooled ``httpx.AsyncClient`` with a timeout
on every call; failures become typed errors (:mod:`.errors`): unreachable or dropped ->
``ConnectionLost``, no answer in time -> ``ServerTimeout``, non-2xx -> ``HttpError``,
refused prompt -> ``ValidationFailed``. Answers are parsed into :mod:`.models` types.

Events come from one :class:`~.websocket.EventListener` per client, started on first
use (``connect()``, ``subscribe()`` or ``wait_for_completion()``); all prompts carry this
client's ``client_id`` so the server routes their events to that socket.
Close the client with ``await client.aclose()`` (or ``async with``).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import httpx

from .errors import (
    ConnectionLost,
    HttpError,
    ProtocolError,
    ServerTimeout,
    validation_error_from_body,
)
from .models import (
    HistoryEntry,
    QueueState,
    ServerFeatures,
    SubmitResult,
    SystemStats,
    UploadedFile,
    parse_features,
    parse_history,
    parse_history_entry,
    parse_queue,
    parse_submit,
    parse_system_stats,
    parse_uploaded,
)
from .outputs import OutputFile
from .tracker import EventCallback, PromptOutcome, PromptTracker
from .transfer import (
    AtomicDownload,
    MappedStream,
    content_length,
    describe_error,
    prepare_upload,
    raise_for_status,
    ssl_context,
)
from .websocket import EventListener, ListenerOptions, Subscription

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
JsonDict = dict[str, Any]
ProgressCallback = Callable[[int, int | None], object]


class ComfyClient:
    """One ComfyUI server: ``submit``/``run`` prompts, read queue and history, move files."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        client_id: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        use_websocket: bool = True,
        verify: bool | str | ssl.SSLContext = True,
        listener_options: ListenerOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 8,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"not an http(s) server address: {base_url!r}")
        self.base_url = str(url).rstrip("/")
        self.client_id = client_id or uuid.uuid4().hex
        self.use_websocket = use_websocket
        tls = ssl_context(verify) if url.scheme == "https" else None
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers=dict(headers or {}),
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            verify=tls if tls is not None else True,
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=4),
        )
        self.listener: EventListener | None = None
        if use_websocket:
            ws_scheme = "wss" if url.scheme == "https" else "ws"
            ws_url = f"{ws_scheme}{self.base_url[len(url.scheme) :]}/ws?clientId={self.client_id}"
            self.listener = EventListener(
                ws_url, self.client_id, headers=headers, ssl_context=tls, options=listener_options
            )
        self._object_info: JsonDict | None = None
        self._object_info_lock = asyncio.Lock()
        self._features: ServerFeatures | None = None
        self._uploads: dict[tuple[str, str, str], UploadedFile] = {}
        self._upload_locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    def __repr__(self) -> str:
        return f"ComfyClient({self.base_url!r}, client_id={self.client_id!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.listener is not None:
            await self.listener.aclose()
        await self._http.aclose()

    # --- plumbing -------------------------------------------------------------------------

    async def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kw)
        except httpx.TimeoutException as exc:
            raise ServerTimeout(f"{self.base_url} did not answer {method} /{path} in time") from exc
        except httpx.RequestError as exc:
            raise ConnectionLost(f"{self.base_url} is unreachable ({describe_error(exc)})") from exc

    async def _call(self, method: str, path: str, *, want_json: bool = True, **kw: Any) -> Any:
        resp = await self._send(method, path, **kw)
        if not resp.is_success:
            raise HttpError(resp.status_code, resp.text, method=method, path="/" + path)
        if not want_json:
            return None
        try:
            return resp.json()
        except ValueError as exc:
            raise ProtocolError(f"{method} /{path} did not answer JSON") from exc

    # --- prompts --------------------------------------------------------------------------

    async def submit(
        self,
        prompt: Mapping[str, Any],
        *,
        prompt_id: str | None = None,
        extra_data: Mapping[str, Any] | None = None,
        front: bool = False,
    ) -> SubmitResult:
        """Queue an API-format prompt. Raises ValidationFailed if the server refuses it.

        A partially valid prompt is accepted: ``result.node_errors`` lists the outputs
        that will not run.
        """
        pid = prompt_id or uuid.uuid4().hex
        body: JsonDict = {"prompt": dict(prompt), "client_id": self.client_id, "prompt_id": pid}
        if extra_data:
            body["extra_data"] = dict(extra_data)
        if front:
            body["front"] = True
        if self.listener is not None:
            self.listener.watch_prompt(pid, prompt)
        resp = await self._send("POST", "prompt", json=body)
        if resp.status_code == 400:
            try:
                refusal = validation_error_from_body(resp.json())
            except ValueError:
                refusal = None
            if refusal is not None:
                raise refusal
        if not resp.is_success:
            raise HttpError(resp.status_code, resp.text, method="POST", path="/prompt")
        try:
            result = parse_submit(resp.json())
        except ValueError as exc:
            raise ProtocolError("POST /prompt did not answer JSON") from exc
        if result.prompt_id != pid:
            # A server that predates client-chosen ids picks its own.
            log.info("server %s renamed prompt %s to %s", self.base_url, pid, result.prompt_id)
            if self.listener is not None:
                self.listener.watch_prompt(result.prompt_id, prompt)
        if result.partial:
            log.warning("prompt %s partly refused: %d node errors", pid, len(result.node_errors))
        return result

    async def history(
        self, prompt_id: str | None = None, *, max_items: int | None = None
    ) -> dict[str, HistoryEntry]:
        path = f"history/{prompt_id}" if prompt_id else "history"
        params = {"max_items": max_items} if max_items is not None else None
        return parse_history(await self._call("GET", path, params=params))

    async def history_entry(self, prompt_id: str) -> HistoryEntry | None:
        """The finished prompt, or None while it has not finished (or is unknown)."""
        body = await self._call("GET", f"history/{prompt_id}")
        if isinstance(body, dict) and prompt_id in body:
            return parse_history_entry(prompt_id, body[prompt_id])
        return None

    async def delete_history(self, prompt_ids: Sequence[str]) -> None:
        await self._call("POST", "history", json={"delete": list(prompt_ids)}, want_json=False)

    async def clear_history(self) -> None:
        await self._call("POST", "history", json={"clear": True}, want_json=False)

    async def queue(self) -> QueueState:
        return parse_queue(await self._call("GET", "queue"))

    async def queue_remaining(self) -> int:
        body = await self._call("GET", "prompt")
        try:
            return int(body["exec_info"]["queue_remaining"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError("GET /prompt answer has no queue_remaining") from exc

    async def delete_pending(self, prompt_ids: Sequence[str]) -> None:
        await self._call("POST", "queue", json={"delete": list(prompt_ids)}, want_json=False)

    async def clear_queue(self) -> None:
        await self._call("POST", "queue", json={"clear": True}, want_json=False)

    async def interrupt(self, prompt_id: str | None = None) -> None:
        """Stop the running prompt; with ``prompt_id``, only if that one is running."""
        body = {"prompt_id": prompt_id} if prompt_id else {}
        await self._call("POST", "interrupt", json=body, want_json=False)

    async def free(self, *, unload_models: bool = False, free_memory: bool = False) -> None:
        body = {"unload_models": unload_models, "free_memory": free_memory}
        await self._call("POST", "free", json=body, want_json=False)

    # --- server facts ---------------------------------------------------------------------

    async def system_stats(self) -> SystemStats:
        return parse_system_stats(await self._call("GET", "system_stats"))

    async def features(self, *, refresh: bool = False) -> ServerFeatures:
        if self._features is None or refresh:
            try:
                self._features = parse_features(await self._call("GET", "features"))
            except HttpError as exc:
                if exc.status != 404:
                    raise
                log.info("%s has no /features (older ComfyUI)", self.base_url)
                self._features = ServerFeatures(False, None, {})
        return self._features

    async def object_info(self, *, refresh: bool = False) -> JsonDict:
        """Every node class the server knows (cached; ``refresh`` re-reads it)."""
        async with self._object_info_lock:
            if self._object_info is None or refresh:
                body = await self._call("GET", "object_info")
                if not isinstance(body, dict):
                    raise ProtocolError("GET /object_info did not answer an object")
                self._object_info = body
            return self._object_info

    async def object_info_for(self, class_type: str) -> JsonDict | None:
        """One node class's definition, None if the server does not have it."""
        if self._object_info is not None:
            cached = self._object_info.get(class_type)
            return cached if isinstance(cached, dict) else None
        body = await self._call("GET", f"object_info/{class_type}")
        info = body.get(class_type) if isinstance(body, dict) else None
        return info if isinstance(info, dict) else None

    def refresh(self) -> None:
        """Forget cached server facts (after the server installed nodes or models)."""
        self._object_info = None
        self._features = None

    async def model_folders(self) -> list[str]:
        body = await self._call("GET", "models")
        return [str(f) for f in body] if isinstance(body, list) else []

    async def models(self, folder: str) -> list[str]:
        body = await self._call("GET", f"models/{folder}")
        if not isinstance(body, list):
            raise ProtocolError(f"GET /models/{folder} did not answer a list")
        return [str(m) for m in body]

    # --- files ----------------------------------------------------------------------------

    async def upload_image(
        self,
        source: Path | bytes,
        *,
        filename: str | None = None,
        subfolder: str = "",
        type: str = "input",
        overwrite: bool = False,
    ) -> UploadedFile:
        """Upload once per content: the same bytes again return the remembered server name."""
        payload = await prepare_upload(source, filename)
        key = (payload.digest, subfolder, type)
        async with self._upload_locks.setdefault(key, asyncio.Lock()):
            known = self._uploads.get(key)
            if known is not None:
                return known
            form = {"type": type, "subfolder": subfolder}
            if overwrite:
                form["overwrite"] = "true"
            files = {"image": (payload.filename, payload.data, payload.content_type)}
            body = await self._call("POST", "upload/image", data=form, files=files)
            uploaded = parse_uploaded(body)
            self._uploads[key] = uploaded
            return uploaded

    def forget_uploads(self) -> None:
        """Upload again next time (e.g. the server's input folder was wiped)."""
        self._uploads.clear()

    async def view_bytes(
        self, filename: str, *, subfolder: str = "", type: str = "output", max_bytes: int = 64 << 20
    ) -> bytes:
        """A small file from ``/view`` in memory (previews); use ``download`` for media."""
        params = {"filename": filename, "subfolder": subfolder, "type": type}
        async with self._stream("GET", "view", params=params) as resp:
            await raise_for_status(resp, "/view")
            chunks, size = [], 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ProtocolError(f"{filename} is larger than {max_bytes} bytes")
                chunks.append(chunk)
        return b"".join(chunks)

    async def download(
        self,
        filename: str,
        dest: Path,
        *,
        subfolder: str = "",
        type: str = "output",
        on_progress: ProgressCallback | None = None,
        chunk_size: int = 1 << 20,
    ) -> int:
        """Stream a file from ``/view`` into ``dest`` atomically; returns its size."""
        params = {"filename": filename, "subfolder": subfolder, "type": type}
        target = AtomicDownload(dest)
        try:
            async with self._stream("GET", "view", params=params) as resp:
                await raise_for_status(resp, "/view")
                expected = content_length(resp)
                await target.open()
                async for chunk in resp.aiter_bytes(chunk_size):
                    await target.write(chunk)
                    if on_progress is not None:
                        on_progress(target.size, expected)
                if expected is not None and resp.num_bytes_downloaded != expected:
                    raise ConnectionLost(
                        f"{filename}: got {resp.num_bytes_downloaded} of {expected} bytes"
                    )
            await target.commit()
        finally:
            target.abort()
        return target.size

    async def download_output(self, output: OutputFile, dest: Path, **kw: Any) -> int:
        return await self.download(
            output.filename, dest, subfolder=output.subfolder, type=output.type, **kw
        )

    def _stream(self, method: str, path: str, **kw: Any) -> MappedStream:
        return MappedStream(
            self.base_url, self._http.stream(method, path, **kw), f"{method} /{path}"
        )

    # --- events ---------------------------------------------------------------------------

    def _need_listener(self) -> EventListener:
        if self.listener is None:
            raise RuntimeError("this client was made with use_websocket=False")
        return self.listener

    def subscribe(self) -> Subscription:
        """A new event subscription (starts the listener). Close it when done."""
        listener = self._need_listener()
        sub = listener.subscribe()
        listener.start()
        return sub

    events = subscribe

    async def connect(self, timeout: float = 10.0) -> None:
        """Start listening and wait until the WebSocket is up (ServerTimeout if not)."""
        await self._need_listener().wait_connected(timeout)

    @property
    def connected(self) -> bool:
        return self.listener is not None and self.listener.connected

    def track(
        self,
        prompt_id: str,
        *,
        on_event: EventCallback | None = None,
        use_websocket: bool | None = None,
        poll_interval: float = 1.0,
        safety_poll_interval: float = 10.0,
    ) -> PromptTracker:
        """A tracker listening from now on: make it before ``submit`` to miss no event.

        ``await tracker.wait(...)`` closes it; if you never wait, ``close()`` it.
        """
        return PromptTracker(
            self,
            prompt_id,
            events_expected=True,
            on_event=on_event,
            use_websocket=use_websocket,
            poll_interval=poll_interval,
            safety_poll_interval=safety_poll_interval,
        )

    async def wait_for_completion(
        self,
        prompt_id: str,
        *,
        timeout: float | None,
        on_event: EventCallback | None = None,
        number: float | None = None,
        use_websocket: bool | None = None,
        poll_interval: float = 1.0,
        safety_poll_interval: float = 10.0,
    ) -> PromptOutcome:
        """Wait for a prompt submitted earlier (its earliest events may have passed)."""
        tracker = PromptTracker(
            self,
            prompt_id,
            on_event=on_event,
            use_websocket=use_websocket,
            poll_interval=poll_interval,
            safety_poll_interval=safety_poll_interval,
        )
        return await tracker.wait(timeout, number=number)

    async def run(
        self,
        prompt: Mapping[str, Any],
        *,
        timeout: float | None,
        on_event: EventCallback | None = None,
        prompt_id: str | None = None,
        extra_data: Mapping[str, Any] | None = None,
        front: bool = False,
    ) -> tuple[SubmitResult, PromptOutcome]:
        """Submit and follow to the outcome, listening before the post (no event missed).

        ``timeout`` bounds only the wait for the outcome; the post has its HTTP timeout.
        """
        pid = prompt_id or uuid.uuid4().hex
        tracker = self.track(pid, on_event=on_event)
        try:
            result = await self.submit(prompt, prompt_id=pid, extra_data=extra_data, front=front)
            if result.prompt_id != pid:
                tracker.close()
                tracker = self.track(result.prompt_id, on_event=on_event)
            return result, await tracker.wait(timeout, number=result.number)
        finally:
            tracker.close()
