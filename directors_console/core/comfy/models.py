"""Typed bodies of ComfyUI's HTTP answers: submit results, queue, history, system stats.

Each ``parse_*`` function takes decoded JSON and returns frozen dataclasses, or raises
:class:`~.errors.ProtocolError` when the shape is not what ComfyUI sends. Unknown extra
fields are ignored. The queue's pending list comes from the server in heap order; we
sort it by ``number`` (lowest runs first), which is the real execution order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import NodeError, ProtocolError, parse_node_errors
from .messages import (
    ExecutionError,
    ExecutionInterrupted,
    ExecutionSuccess,
    ServerMessage,
    parse_message,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmitResult:
    """``POST /prompt`` accepted the prompt; ``node_errors`` lists outputs that will not run."""

    prompt_id: str
    number: float
    node_errors: tuple[NodeError, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.node_errors)


@dataclass(frozen=True)
class QueueItem:
    number: float
    prompt_id: str
    prompt: Mapping[str, Any]
    extra_data: Mapping[str, Any]
    outputs_to_execute: tuple[str, ...]

    @property
    def client_id(self) -> str | None:
        cid = self.extra_data.get("client_id")
        return cid if isinstance(cid, str) else None


@dataclass(frozen=True)
class QueueState:
    """Running items and pending items, both in execution order."""

    running: tuple[QueueItem, ...]
    pending: tuple[QueueItem, ...]

    def __contains__(self, prompt_id: object) -> bool:
        return any(i.prompt_id == prompt_id for i in (*self.running, *self.pending))

    def position(self, prompt_id: str) -> int | None:
        """0 if running, 1.. for the place in the pending line, None if absent."""
        if any(i.prompt_id == prompt_id for i in self.running):
            return 0
        for n, item in enumerate(self.pending, start=1):
            if item.prompt_id == prompt_id:
                return n
        return None

    @property
    def size(self) -> int:
        return len(self.running) + len(self.pending)


@dataclass(frozen=True)
class HistoryEntry:
    """One finished prompt as ``/history`` reports it."""

    prompt_id: str
    number: float
    prompt: Mapping[str, Any]
    extra_data: Mapping[str, Any]
    outputs_to_execute: tuple[str, ...]
    outputs: Mapping[str, Mapping[str, Any]]
    status_str: str | None
    completed: bool
    messages: tuple[ServerMessage, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> ExecutionError | None:
        return next((m for m in self.messages if isinstance(m, ExecutionError)), None)

    @property
    def interrupted(self) -> ExecutionInterrupted | None:
        return next((m for m in self.messages if isinstance(m, ExecutionInterrupted)), None)

    @property
    def succeeded(self) -> bool:
        if self.error or self.interrupted:
            return False
        if self.status_str is not None:
            return self.status_str == "success"
        return any(isinstance(m, ExecutionSuccess) for m in self.messages) or self.completed


@dataclass(frozen=True)
class DeviceInfo:
    name: str
    type: str
    index: int | None
    vram_total: int
    vram_free: int
    torch_vram_total: int = 0
    torch_vram_free: int = 0


@dataclass(frozen=True)
class SystemStats:
    comfyui_version: str | None
    python_version: str | None
    pytorch_version: str | None
    os: str | None
    ram_total: int
    ram_free: int
    devices: tuple[DeviceInfo, ...]
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServerFeatures:
    supports_preview_metadata: bool
    max_upload_size: int | None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedFile:
    """Where the server stored an upload (its ``name`` may differ from ours)."""

    name: str
    subfolder: str
    type: str

    @property
    def reference(self) -> str:
        """The value for a LoadImage ``image`` input."""
        path = f"{self.subfolder}/{self.name}" if self.subfolder else self.name
        return path if self.type == "input" else f"{path} [{self.type}]"


# --- parsers -----------------------------------------------------------------------------


def _need_dict(v: object, what: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ProtocolError(f"{what} should be a JSON object, got {type(v).__name__}")
    return v


def _number(v: object, what: str) -> float:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return v
    raise ProtocolError(f"{what} should be a number, got {type(v).__name__}")


def _int(v: object) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def parse_submit(body: object) -> SubmitResult:
    d = _need_dict(body, "POST /prompt answer")
    pid = d.get("prompt_id")
    if not isinstance(pid, str):
        raise ProtocolError("POST /prompt answer has no prompt_id")
    return SubmitResult(
        pid, _number(d.get("number", 0), "number"), parse_node_errors(d.get("node_errors"))
    )


def _queue_item(raw: object) -> QueueItem:
    if not isinstance(raw, list | tuple) or len(raw) < 3:
        raise ProtocolError("a queue item should be [number, prompt_id, prompt, ...]")
    number = _number(raw[0], "queue item number")
    pid = raw[1]
    if not isinstance(pid, str):
        raise ProtocolError("queue item has no prompt_id")
    prompt = raw[2] if isinstance(raw[2], dict) else {}
    extra = raw[3] if len(raw) > 3 and isinstance(raw[3], dict) else {}
    outs = raw[4] if len(raw) > 4 and isinstance(raw[4], list) else []
    return QueueItem(number, pid, prompt, extra, tuple(str(o) for o in outs))


def parse_queue(body: object) -> QueueState:
    d = _need_dict(body, "GET /queue answer")
    running, pending = d.get("queue_running", []), d.get("queue_pending", [])
    if not isinstance(running, list) or not isinstance(pending, list):
        raise ProtocolError("GET /queue answer should hold two lists")
    by_number = sorted((_queue_item(i) for i in pending), key=lambda i: i.number)
    return QueueState(tuple(_queue_item(i) for i in running), tuple(by_number))


def parse_history_entry(prompt_id: str, raw: object) -> HistoryEntry:
    d = _need_dict(raw, f"history entry {prompt_id}")
    item = _queue_item(d.get("prompt"))
    outputs = d.get("outputs") or {}
    if not isinstance(outputs, dict):
        raise ProtocolError(f"history entry {prompt_id}: outputs should be an object")
    raw_status = d.get("status")
    status: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
    messages: list[ServerMessage] = []
    for m in status.get("messages") or ():
        if isinstance(m, list | tuple) and len(m) == 2 and isinstance(m[0], str):
            messages.append(parse_message(m[0], m[1]))
    status_str = status.get("status_str")
    meta = d.get("meta")
    return HistoryEntry(
        prompt_id=prompt_id,
        number=item.number,
        prompt=item.prompt,
        extra_data=item.extra_data,
        outputs_to_execute=item.outputs_to_execute,
        outputs={str(k): v for k, v in outputs.items() if isinstance(v, dict)},
        status_str=status_str if isinstance(status_str, str) else None,
        completed=status.get("completed") is True,
        messages=tuple(messages),
        meta=meta if isinstance(meta, dict) else {},
    )


def parse_history(body: object, *, strict: bool = False) -> dict[str, HistoryEntry]:
    """``{prompt_id: HistoryEntry}``; unreadable entries raise if ``strict``, else are logged."""
    d = _need_dict(body, "GET /history answer")
    out: dict[str, HistoryEntry] = {}
    for pid, raw in d.items():
        try:
            out[pid] = parse_history_entry(pid, raw)
        except ProtocolError as exc:
            if strict:
                raise
            log.warning("skipping unreadable history entry %s: %s", pid, exc)
    return out


def parse_system_stats(body: object) -> SystemStats:
    d = _need_dict(body, "GET /system_stats answer")
    system = _need_dict(d.get("system", {}), "system_stats.system")
    devices = []
    for dev in d.get("devices") or ():
        if not isinstance(dev, dict):
            continue
        index = dev.get("index")
        devices.append(
            DeviceInfo(
                name=str(dev.get("name", "")),
                type=str(dev.get("type", "")),
                index=index if isinstance(index, int) else None,
                vram_total=_int(dev.get("vram_total")),
                vram_free=_int(dev.get("vram_free")),
                torch_vram_total=_int(dev.get("torch_vram_total")),
                torch_vram_free=_int(dev.get("torch_vram_free")),
            )
        )

    def opt(key: str) -> str | None:
        v = system.get(key)
        return v if isinstance(v, str) else None

    return SystemStats(
        comfyui_version=opt("comfyui_version"),
        python_version=opt("python_version"),
        pytorch_version=opt("pytorch_version"),
        os=opt("os"),
        ram_total=_int(system.get("ram_total")),
        ram_free=_int(system.get("ram_free")),
        devices=tuple(devices),
        raw=d,
    )


def parse_features(body: object) -> ServerFeatures:
    d = _need_dict(body, "GET /features answer")
    size = d.get("max_upload_size")
    return ServerFeatures(
        supports_preview_metadata=d.get("supports_preview_metadata") is True,
        max_upload_size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        raw=d,
    )


def parse_uploaded(body: object) -> UploadedFile:
    d = _need_dict(body, "upload answer")
    name = d.get("name")
    if not isinstance(name, str) or not name:
        raise ProtocolError("upload answer has no file name")
    sub, kind = d.get("subfolder", ""), d.get("type", "input")
    return UploadedFile(
        name, sub if isinstance(sub, str) else "", kind if isinstance(kind, str) else "input"
    )
