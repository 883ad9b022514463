"""WebSocket side of the fake ComfyUI server: sockets by client id, routing, preview frames.

Routing follows the real server: ``sid=None`` means broadcast to every socket, otherwise the
message goes to the one socket registered under that client id (dropped if none). Each socket
has its own outgoing queue and sender task, so a slow reader never stalls execution. A socket
that negotiated ``supports_preview_metadata`` receives event-4 frames (frame before its
``progress``), the others event-1 frames (``progress`` first).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.comfy_exec import PreviewFrame

LEGACY_PREVIEW = 1
PREVIEW_WITH_METADATA = 4
_FORMATS = {"JPEG": 1, "PNG": 2}


def legacy_frame(frame: PreviewFrame) -> bytes:
    return struct.pack(">II", LEGACY_PREVIEW, _FORMATS[frame.fmt]) + frame.data


def metadata_frame(frame: PreviewFrame) -> bytes:
    meta = json.dumps(frame.metadata).encode()
    return struct.pack(">II", PREVIEW_WITH_METADATA, len(meta)) + meta + frame.data


@dataclass(eq=False)
class Socket:
    """One accepted WebSocket connection."""

    sid: str
    ws: web.WebSocketResponse
    request: web.Request
    supports_metadata: bool = False
    sent: int = 0
    queue: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)
    pump: asyncio.Task[None] | None = None

    def push_json(self, event: str, data: dict[str, Any]) -> None:
        self.queue.put_nowait(("text", json.dumps({"type": event, "data": data})))

    def push_text(self, text: str) -> None:
        self.queue.put_nowait(("text", text))

    def push_bytes(self, data: bytes) -> None:
        self.queue.put_nowait(("bytes", data))

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class Hub:
    """Registry of sockets by client id plus the Outbox the executor talks to."""

    def __init__(self, drop_after: Callable[[], int | None], on_change: Callable[[], None]) -> None:
        self.by_sid: dict[str, Socket] = {}
        self.all: set[Socket] = set()
        self._drop_after = drop_after
        self._on_change = on_change

    def register(self, sock: Socket) -> None:
        # A reconnect with the same clientId replaces the old socket, which stays open but
        # no longer receives anything (real behaviour).
        self.by_sid.pop(sock.sid, None)
        self.by_sid[sock.sid] = sock
        self.all.add(sock)
        sock.pump = asyncio.create_task(self._pump(sock), name=f"fake-comfy-ws-{sock.sid}")
        self._on_change()

    def unregister(self, sock: Socket) -> None:
        # Real quirk kept on purpose: the real server pops by sid when ANY socket with that
        # sid closes, so closing a replaced socket late also detaches its replacement.
        self.by_sid.pop(sock.sid, None)
        self.all.discard(sock)
        if sock.pump is not None:
            sock.pump.cancel()
        self._on_change()

    def _targets(self, sid: str | None) -> list[Socket]:
        if sid is None:
            return list(self.by_sid.values())
        sock = self.by_sid.get(sid)
        return [] if sock is None else [sock]

    def send_json(self, event: str, data: dict[str, Any], sid: str | None) -> None:
        text = json.dumps({"type": event, "data": data})
        for sock in self._targets(sid):
            sock.push_text(text)
        self._on_change()

    def send_progress(
        self, progress: dict[str, Any], frame: PreviewFrame | None, sid: str | None
    ) -> None:
        text = json.dumps({"type": "progress", "data": progress})
        for sock in self._targets(sid):
            if frame is None:
                sock.push_text(text)
            elif sock.supports_metadata and sid is not None:
                sock.push_bytes(metadata_frame(frame))
                sock.push_text(text)
            else:
                sock.push_text(text)
                sock.push_bytes(legacy_frame(frame))
        self._on_change()

    async def _pump(self, sock: Socket) -> None:
        while True:
            kind, payload = await sock.queue.get()
            try:
                if kind == "text":
                    await sock.ws.send_str(payload)
                else:
                    await sock.ws.send_bytes(payload)
            except (ConnectionError, RuntimeError):
                return
            sock.sent += 1
            limit = self._drop_after()
            if limit is not None and sock.sent >= limit:
                sock.abort()
                return

    async def close_all(self, graceful: bool) -> None:
        socks = list(self.all)
        for sock in socks:
            if sock.pump is not None:
                sock.pump.cancel()
        for sock in socks:
            if graceful and not sock.ws.closed:
                try:
                    await asyncio.wait_for(sock.ws.close(code=1001, message=b"shutdown"), 1.0)
                except (TimeoutError, ConnectionError, RuntimeError):
                    sock.abort()
            else:
                sock.abort()
        for sock in socks:
            if sock.pump is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await sock.pump
        self.by_sid.clear()
        self.all.clear()
