"""Typed ComfyUI WebSocket messages, parsed once at the edge.

``parse_text`` turns one text frame (``{"type", "data"}``) and ``parse_binary`` one
binary frame (preview images, SaveImageWebsocket images, progress text) into a frozen
dataclass. The parsers never raise: malformed JSON, a field of the wrong type or a
truncated frame becomes a :class:`ParseError`; a message type we do not know becomes an
:class:`UnknownMessage`. Fields we do not know are ignored, so newer servers keep working.

The event classes themselves live in :mod:`.message_types` and are re-exported here.
"""

from __future__ import annotations

import json
import logging
import struct
from collections.abc import Callable, Mapping
from typing import Any, Final

from .message_types import (
    TERMINAL_TYPES,
    Connected,
    ConnectionEvent,
    Disconnected,
    Event,
    Executed,
    Executing,
    ExecutionCached,
    ExecutionError,
    ExecutionInterrupted,
    ExecutionStart,
    ExecutionSuccess,
    FeatureFlags,
    NodeProgress,
    ParseError,
    PreviewImage,
    Progress,
    ProgressState,
    ProgressText,
    Reconnected,
    ServerMessage,
    Status,
    UnknownMessage,
    WebsocketImage,
    prompt_id_of,
)

__all__ = [
    "EVENT_PREVIEW",
    "EVENT_PREVIEW_WITH_METADATA",
    "EVENT_TEXT",
    "TERMINAL_TYPES",
    "Connected",
    "ConnectionEvent",
    "Disconnected",
    "Event",
    "Executed",
    "Executing",
    "ExecutionCached",
    "ExecutionError",
    "ExecutionInterrupted",
    "ExecutionStart",
    "ExecutionSuccess",
    "FeatureFlags",
    "NodeProgress",
    "ParseError",
    "PreviewImage",
    "Progress",
    "ProgressState",
    "ProgressText",
    "Reconnected",
    "ServerMessage",
    "Status",
    "UnknownMessage",
    "WebsocketImage",
    "image_format_of",
    "parse_binary",
    "parse_message",
    "parse_text",
    "prompt_id_of",
]

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]


# --- field readers -----------------------------------------------------------------------


class _FieldError(Exception):
    pass


def _bad(key: str, want: str, got: object) -> _FieldError:
    return _FieldError(f"field {key!r} should be {want}, got {type(got).__name__}")


def _str(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    if type(v) is str:
        return v
    raise _bad(key, "a string", v)


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    v = d.get(key)
    if v is None or type(v) is str:
        return v
    raise _bad(key, "a string or null", v)


def _opt_id(d: Mapping[str, Any], key: str) -> str | None:
    # Node ids are strings; a server that sends ints still names the same node.
    v = d.get(key)
    if v is None or type(v) is str:
        return v
    if type(v) is int:
        return str(v)
    raise _bad(key, "a node id", v)


def _id(d: Mapping[str, Any], key: str) -> str:
    v = _opt_id(d, key)
    if v is None:
        raise _bad(key, "a node id", None)
    return v


def _num(d: Mapping[str, Any], key: str) -> float:
    v = d.get(key)
    if type(v) is int or type(v) is float:
        return v
    raise _bad(key, "a number", v)


def _opt_int(d: Mapping[str, Any], key: str) -> int | None:
    v = d.get(key)
    if v is None or type(v) is int:
        return v
    if type(v) is float and v.is_integer():
        return int(v)
    raise _bad(key, "an integer", v)


def _ids(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    v = d.get(key, ())
    if isinstance(v, list | tuple) and all(type(x) is str or type(x) is int for x in v):
        return tuple(x if type(x) is str else str(x) for x in v)
    raise _bad(key, "a list of node ids", v)


def _strs(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    v = d.get(key, ())
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list | tuple) and all(type(x) is str for x in v):
        return tuple(v)
    raise _bad(key, "a list of strings", v)


# --- text messages -----------------------------------------------------------------------


def _status(d: JsonDict) -> Status:
    status = d.get("status")
    info = status.get("exec_info") if isinstance(status, dict) else None
    if not isinstance(info, dict):
        raise _bad("status.exec_info", "an object", info)
    remaining = _opt_int(info, "queue_remaining")
    if remaining is None:
        raise _bad("queue_remaining", "an integer", None)
    return Status(remaining, _opt_str(d, "sid"))


def _node_progress(key: str, n: object) -> NodeProgress:
    if not isinstance(n, dict):
        raise _bad(f"nodes.{key}", "an object", n)
    return NodeProgress(
        _opt_id(n, "node_id") or key,
        _num(n, "value"),
        _num(n, "max"),
        _str(n, "state"),
        _opt_id(n, "display_node_id"),
        _opt_id(n, "parent_node_id"),
        _opt_id(n, "real_node_id"),
    )


def _progress_state(d: JsonDict) -> ProgressState:
    nodes = d.get("nodes")
    if not isinstance(nodes, dict):
        raise _bad("nodes", "an object", nodes)
    return ProgressState(_str(d, "prompt_id"), {k: _node_progress(k, n) for k, n in nodes.items()})


def _executed(d: JsonDict) -> Executed:
    output = d.get("output")
    if output is None:
        output = {}
    elif not isinstance(output, dict):
        raise _bad("output", "an object", output)
    return Executed(_id(d, "node"), output, _opt_str(d, "prompt_id"), _opt_id(d, "display_node"))


def _execution_error(d: JsonDict) -> ExecutionError:
    return ExecutionError(
        prompt_id=_str(d, "prompt_id"),
        node_id=_opt_id(d, "node_id"),
        node_type=_opt_str(d, "node_type"),
        exception_message=_opt_str(d, "exception_message") or "",
        exception_type=_opt_str(d, "exception_type") or "",
        traceback=_strs(d, "traceback"),
        executed=_ids(d, "executed"),
        current_inputs=d.get("current_inputs"),
        current_outputs=d.get("current_outputs"),
        timestamp=_opt_int(d, "timestamp"),
    )


def _feature_flags(d: JsonDict) -> FeatureFlags:
    preview = d.get("supports_preview_metadata", False)
    if type(preview) is not bool:
        raise _bad("supports_preview_metadata", "a boolean", preview)
    return FeatureFlags(preview, _opt_int(d, "max_upload_size"), d)


_PARSERS: Final[dict[str, Callable[[JsonDict], ServerMessage]]] = {
    "status": _status,
    "execution_start": lambda d: ExecutionStart(_str(d, "prompt_id"), _opt_int(d, "timestamp")),
    "execution_cached": lambda d: ExecutionCached(
        _str(d, "prompt_id"), _ids(d, "nodes"), _opt_int(d, "timestamp")
    ),
    "executing": lambda d: Executing(
        _opt_id(d, "node"), _opt_id(d, "display_node"), _opt_str(d, "prompt_id")
    ),
    "executed": _executed,
    "progress": lambda d: Progress(
        _num(d, "value"), _num(d, "max"), _opt_id(d, "node"), _opt_str(d, "prompt_id")
    ),
    "progress_state": _progress_state,
    "execution_success": lambda d: ExecutionSuccess(_str(d, "prompt_id"), _opt_int(d, "timestamp")),
    "execution_error": _execution_error,
    "execution_interrupted": lambda d: ExecutionInterrupted(
        _str(d, "prompt_id"),
        _opt_id(d, "node_id"),
        _opt_str(d, "node_type"),
        _ids(d, "executed"),
        _opt_int(d, "timestamp"),
    ),
    "feature_flags": _feature_flags,
}


def _excerpt(raw: str | bytes, limit: int = 200) -> str:
    text = raw if isinstance(raw, str) else raw[:limit].decode("utf-8", "replace")
    return text[:limit]


def _fail(reason: str, mtype: str | None, raw: str | bytes) -> ParseError:
    err = ParseError(reason, mtype, _excerpt(raw))
    log.warning("unreadable ComfyUI message (%s): %s | %s", mtype or "?", reason, err.excerpt)
    return err


def parse_message(mtype: str, data: Any) -> ServerMessage:
    """Parse the ``data`` of a message of type ``mtype`` (also used for history messages)."""
    parser = _PARSERS.get(mtype)
    if parser is None:
        log.debug("unknown ComfyUI message type %r", mtype)
        return UnknownMessage(mtype, data)
    if not isinstance(data, dict):
        return _fail(f"data should be an object, got {type(data).__name__}", mtype, repr(data))
    try:
        return parser(data)
    except _FieldError as exc:
        return _fail(str(exc), mtype, repr(data))


def parse_text(text: str | bytes) -> ServerMessage:
    """Parse one text frame. Never raises."""
    try:
        obj = json.loads(text)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError
        return _fail(f"not JSON: {exc}", None, text)
    if not isinstance(obj, dict):
        return _fail("a message should be a JSON object", None, text)
    mtype = obj.get("type")
    if type(mtype) is not str:
        return _fail("message has no string 'type'", None, text)
    return parse_message(mtype, obj.get("data"))


# --- binary frames -----------------------------------------------------------------------

EVENT_PREVIEW: Final = 1
EVENT_TEXT: Final = 3
EVENT_PREVIEW_WITH_METADATA: Final = 4

_FORMAT_CODES: Final = {1: "jpeg", 2: "png"}
_MIME_FORMATS: Final = {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp"}
_HEADER = struct.Struct(">II")


def image_format_of(data: bytes | memoryview) -> str | None:
    """``"jpeg"``/``"png"``/``"webp"``/``"gif"`` from the magic bytes, else None."""
    head = bytes(data[:12])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def _bin_fail(reason: str, data: bytes) -> ParseError:
    err = ParseError(reason, "binary", data[:16].hex())
    log.warning("unreadable ComfyUI binary frame: %s | %s", reason, err.excerpt)
    return err


def parse_binary(data: bytes) -> ServerMessage:
    """Parse one binary frame. Never raises."""
    if len(data) < 8:
        return _bin_fail(f"frame of {len(data)} bytes is shorter than its 8-byte header", data)
    event, word = _HEADER.unpack_from(data)
    if event == EVENT_PREVIEW:
        image = data[8:]
        fmt = _FORMAT_CODES.get(word) or image_format_of(image)
        if fmt is None:
            return _bin_fail(f"unknown image format code {word}", data)
        if not image:
            return _bin_fail("preview frame has no image", data)
        return PreviewImage(fmt, image, event)
    if event == EVENT_PREVIEW_WITH_METADATA:
        return _preview_with_metadata(data, word)
    if event == EVENT_TEXT:
        end = 8 + word
        if len(data) < end:
            return _bin_fail("progress text frame is truncated", data)
        try:
            return ProgressText(data[8:end].decode(), data[end:].decode())
        except UnicodeDecodeError:
            return _bin_fail("progress text is not UTF-8", data)
    log.debug("unknown ComfyUI binary event %d (%d bytes)", event, len(data))
    return UnknownMessage(f"binary/{event}", data)


def _preview_with_metadata(data: bytes, meta_len: int) -> ServerMessage:
    end = 8 + meta_len
    if len(data) < end:
        return _bin_fail(f"metadata of {meta_len} bytes is cut off at {len(data)}", data)
    try:
        meta = json.loads(data[8:end])
    except (ValueError, TypeError) as exc:
        return _bin_fail(f"preview metadata is not JSON: {exc}", data)
    if not isinstance(meta, dict):
        return _bin_fail("preview metadata is not an object", data)
    image = data[end:]
    if not image:
        return _bin_fail("preview frame has no image", data)
    mime = meta.get("image_type")
    fmt = _MIME_FORMATS.get(mime) if isinstance(mime, str) else None
    fmt = fmt or image_format_of(image)
    if fmt is None:
        return _bin_fail(f"unknown preview image type {mime!r}", data)
    try:
        return PreviewImage(
            fmt,
            image,
            EVENT_PREVIEW_WITH_METADATA,
            _opt_id(meta, "node_id"),
            _opt_str(meta, "prompt_id"),
            _opt_id(meta, "display_node_id"),
            _opt_id(meta, "parent_node_id"),
            _opt_id(meta, "real_node_id"),
        )
    except _FieldError as exc:
        return _bin_fail(f"preview metadata: {exc}", data)
