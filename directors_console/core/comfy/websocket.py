"""One WebSocket listener per ComfyUI server: connect, parse, fan out, reconnect.

:class:`EventListener` owns a single task that keeps ``ws(s)://host/ws?clientId=...``
open: it asks for previews with metadata (``feature_flags`` as the first message),
parses every frame once into a typed event (:mod:`.messages`) and hands it to every
:class:`Subscription`. When the connection drops it publishes :class:`Disconnected`
(pings notice a silent peer within ``ping_interval + ping_timeout``), retries with
capped exponential backoff and publishes :class:`Reconnected` when it is back.

Preview frames and SaveImageWebsocket frames look the same on the wire; the listener
tells them apart by the class of the node that sent them (see :meth:`watch_prompt`)
and fills the node/prompt ids of legacy frames from the ``progress``/``executing``
message that came just before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

import websockets
from websockets.asyncio.client import ClientConnection

from .errors import ConnectionLost, ServerTimeout
from .messages import (
    EVENT_PREVIEW,
    TERMINAL_TYPES,
    Connected,
    Disconnected,
    Event,
    Executing,
    PreviewImage,
    Progress,
    ProgressState,
    ProgressText,
    Reconnected,
    WebsocketImage,
    parse_binary,
    parse_text,
)

log = logging.getLogger(__name__)

_LOSSY = (PreviewImage, Progress, ProgressState, ProgressText)
_CLOSED: Final = object()
_FEATURE_FLAGS: Final = json.dumps(
    {"type": "feature_flags", "data": {"supports_preview_metadata": True}}
)


@dataclass(frozen=True)
class ListenerOptions:
    # A silent peer is noticed within ping_interval + ping_timeout + close_timeout (< 5 s).
    ping_interval: float = 1.5
    ping_timeout: float = 2.5
    close_timeout: float = 0.5
    open_timeout: float = 5.0
    backoff_initial: float = 0.25
    backoff_max: float = 5.0
    preview_metadata: bool = True
    #: A subscriber this far behind loses previews/progress (never other events).
    max_backlog: int = 2000
    websocket_output_classes: frozenset[str] = field(
        default_factory=lambda: frozenset({"SaveImageWebsocket"})
    )


class Subscription:
    """A subscriber's queue of events; iterate it, or ``await get()``. Close when done."""

    def __init__(self, listener: EventListener) -> None:
        self._listener = listener
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self.closed = False
        self.dropped = 0

    def _push(self, event: Event, max_backlog: int) -> None:
        if isinstance(event, _LOSSY) and self._queue.qsize() >= max_backlog:
            self.dropped += 1
            return
        self._queue.put_nowait(event)

    def _end(self) -> None:
        self.closed = True
        self._queue.put_nowait(_CLOSED)

    async def get(self) -> Event:
        """The next event; raises ConnectionLost once the listener is closed."""
        item = await self._queue.get()
        if item is _CLOSED:
            self._queue.put_nowait(_CLOSED)  # stay closed for later calls
            raise ConnectionLost("the connection to the server was closed by this program")
        return item  # type: ignore[return-value]

    def pending(self) -> int:
        return self._queue.qsize()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        try:
            return await self.get()
        except ConnectionLost:
            raise StopAsyncIteration from None

    def close(self) -> None:
        if not self.closed:
            self._listener._unsubscribe(self)
            self._end()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventListener:
    """Keeps one WebSocket to one server open and fans its events out."""

    def __init__(
        self,
        url: str,
        client_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        options: ListenerOptions | None = None,
    ) -> None:
        self.url = url
        self.client_id = client_id
        self.options = options or ListenerOptions()
        self._headers = dict(headers or {})
        self._ssl = ssl_context
        self._subs: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._up = asyncio.Event()
        self._closed = False
        self._ever_up = False
        self._down_reported = False
        self._down_since: float | None = None
        self.last_error: str | None = None
        self.queue_remaining: int | None = None
        # Context for frames without ids, and prompts whose frames are outputs.
        self._ctx_prompt: str | None = None
        self._ctx_node: str | None = None
        self._ws_nodes: OrderedDict[str, frozenset[str]] = OrderedDict()

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the listen loop (idempotent). Needs a running event loop."""
        if self._closed:
            raise ConnectionLost("this listener was closed")
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"comfy-ws {self.url}"
            )

    async def wait_connected(self, timeout: float) -> None:
        """Start if needed and wait for the connection; ServerTimeout if not up in time."""
        self.start()
        try:
            async with asyncio.timeout(timeout):
                await self._up.wait()
        except TimeoutError as exc:
            why = f": {self.last_error}" if self.last_error else ""
            raise ServerTimeout(
                f"no WebSocket connection to {self.url} in {timeout:g}s{why}"
            ) from exc

    async def aclose(self) -> None:
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._up.clear()
        for sub in list(self._subs):
            sub._end()
        self._subs.clear()

    # --- subscribers ----------------------------------------------------------------------

    def subscribe(self) -> Subscription:
        if self._closed:
            raise ConnectionLost("this listener was closed")
        sub = Subscription(self)
        self._subs.add(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, event: Event) -> None:
        limit = self.options.max_backlog
        for sub in tuple(self._subs):
            sub._push(event, limit)

    def watch_prompt(self, prompt_id: str, prompt: Mapping[str, Any]) -> None:
        """Remember which nodes of a submitted prompt send final images over the socket."""
        classes = self.options.websocket_output_classes
        nodes = frozenset(
            str(nid)
            for nid, node in prompt.items()
            if isinstance(node, dict) and node.get("class_type") in classes
        )
        if nodes:
            self._ws_nodes[prompt_id] = nodes
            while len(self._ws_nodes) > 1000:
                self._ws_nodes.popitem(last=False)

    def forget_prompts(self, prompt_ids: Iterable[str]) -> None:
        for pid in prompt_ids:
            self._ws_nodes.pop(pid, None)

    # --- the loop -------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        o = self.options
        delay = min(o.backoff_max, o.backoff_initial * (2 ** min(attempt, 20)))
        return float(delay * random.uniform(0.8, 1.0))

    async def _run(self) -> None:
        o = self.options
        attempt = 0
        while True:
            try:
                async with websockets.connect(
                    self.url,
                    additional_headers=self._headers or None,
                    ssl=self._ssl,
                    compression=None,
                    max_size=None,
                    open_timeout=o.open_timeout,
                    ping_interval=o.ping_interval,
                    ping_timeout=o.ping_timeout,
                    close_timeout=o.close_timeout,
                    proxy=None,
                ) as ws:
                    attempt = 0
                    await self._session(ws)
                reason = "the server closed the connection"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # anything: the loop must outlive a bad connection
                reason = _describe(exc)
                if not isinstance(exc, OSError | websockets.WebSocketException | TimeoutError):
                    log.exception("unexpected error on the WebSocket to %s", self.url)
            self._went_down(reason)
            await asyncio.sleep(self._backoff(attempt))
            attempt += 1

    async def _session(self, ws: ClientConnection) -> None:
        if self.options.preview_metadata:
            await ws.send(_FEATURE_FLAGS)
        self._came_up()
        async for frame in ws:
            event = parse_text(frame) if isinstance(frame, str) else parse_binary(frame)
            self.publish(self._classify(event))

    def _came_up(self) -> None:
        self._up.set()
        self.last_error = None
        if not self._ever_up:
            self._ever_up = True
            log.info("WebSocket connected to %s", self.url)
            self.publish(Connected(self.client_id))
        else:
            down = time.monotonic() - (self._down_since or time.monotonic())
            log.info("WebSocket reconnected to %s after %.1fs", self.url, down)
            self.publish(Reconnected(self.client_id, down))
        self._down_reported = False
        self._down_since = None

    def _went_down(self, reason: str) -> None:
        was_up = self._up.is_set()
        self._up.clear()
        self.last_error = reason
        self._ctx_prompt = self._ctx_node = None
        if was_up or not self._down_reported:
            self._down_since = time.monotonic()
            self._down_reported = True
            log.warning("WebSocket to %s lost: %s", self.url, reason)
            self.publish(Disconnected(reason))

    def _classify(self, event: Event) -> Event:
        if isinstance(event, Progress):
            self._ctx_prompt = event.prompt_id or self._ctx_prompt
            self._ctx_node = event.node or self._ctx_node
        elif isinstance(event, Executing):
            if event.prompt_id is not None:
                self._ctx_prompt = event.prompt_id
            self._ctx_node = event.node
        elif isinstance(event, PreviewImage):
            if event.event_type == EVENT_PREVIEW and event.node_id is None:
                event = replace(event, node_id=self._ctx_node, prompt_id=self._ctx_prompt)
            pid, node = event.prompt_id, event.node_id
            if pid is not None and node is not None and node in self._ws_nodes.get(pid, ()):
                return WebsocketImage(event.format, event.image, node, pid)
        elif isinstance(event, TERMINAL_TYPES):
            self._ws_nodes.pop(event.prompt_id, None)
        else:
            status_remaining = getattr(event, "queue_remaining", None)
            if isinstance(status_remaining, int):
                self.queue_remaining = status_remaining
        return event


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
