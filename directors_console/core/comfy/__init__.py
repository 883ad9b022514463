"""ComfyUI protocol layer: one client per server, typed messages, outputs, image metadata.

Pure Python (httpx + websockets); never imports Qt. Modules:

- :mod:`.messages`  typed WebSocket events, ``parse_text``/``parse_binary`` (never raise)
- :mod:`.errors`    ``ComfyError`` and subclasses; validation ``NodeError`` parsing
- :mod:`.models`    typed HTTP answers (submit result, queue, history, system stats)
- :mod:`.client`    ``ComfyClient``: HTTP calls, uploads (deduplicated), atomic downloads
- :mod:`.websocket` ``EventListener``: one socket, reconnect with backoff, fan-out
- :mod:`.tracker`   ``PromptTracker``: follow one prompt to its ``PromptOutcome``
- :mod:`.outputs`   output files of a history entry; media type by extension and magic
- :mod:`.pngmeta`, :mod:`.webpmeta`, :mod:`.shotmeta`  ComfyUI and shot metadata in files
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are loaded on first use: importing one submodule (say pngmeta, for the Gallery)
# must not pull in the network client and httpx at program start.
_EXPORTS: dict[str, str] = {
    "ComfyClient": "client",
    "ComfyError": "errors",
    "Connected": "messages",
    "ConnectionLost": "errors",
    "Disconnected": "messages",
    "Event": "messages",
    "EventListener": "websocket",
    "Executed": "messages",
    "Executing": "messages",
    "ExecutionCached": "messages",
    "ExecutionError": "messages",
    "ExecutionInterrupted": "messages",
    "ExecutionStart": "messages",
    "ExecutionSuccess": "messages",
    "FeatureFlags": "messages",
    "HistoryEntry": "models",
    "HttpError": "errors",
    "ImageMetadata": "shotmeta",
    "ListenerOptions": "websocket",
    "MediaType": "outputs",
    "MetadataError": "shotmeta",
    "MetadataProblem": "shotmeta",
    "NodeError": "errors",
    "NodeProgress": "messages",
    "OutcomeStatus": "tracker",
    "OutputFile": "outputs",
    "ParseError": "messages",
    "PreviewImage": "messages",
    "Progress": "messages",
    "ProgressState": "messages",
    "ProgressText": "messages",
    "PromptOutcome": "tracker",
    "PromptTracker": "tracker",
    "ProtocolError": "errors",
    "QueueItem": "models",
    "QueueState": "models",
    "Reconnected": "messages",
    "ServerTimeout": "errors",
    "ShotMetadata": "shotmeta",
    "Status": "messages",
    "SubmitResult": "models",
    "Subscription": "websocket",
    "SystemStats": "models",
    "UnknownMessage": "messages",
    "UploadedFile": "models",
    "ValidationFailed": "errors",
    "WebsocketImage": "messages",
    "detect_media_type": "outputs",
    "extract_outputs": "outputs",
    "parse_binary": "messages",
    "parse_text": "messages",
    "read_image_metadata": "pngmeta",
    "write_shot_metadata": "pngmeta",
}

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ loads
    from .client import ComfyClient
    from .errors import (
        ComfyError,
        ConnectionLost,
        HttpError,
        NodeError,
        ProtocolError,
        ServerTimeout,
        ValidationFailed,
    )
    from .messages import (
        Connected,
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
        Status,
        UnknownMessage,
        WebsocketImage,
        parse_binary,
        parse_text,
    )
    from .models import HistoryEntry, QueueItem, QueueState, SubmitResult, SystemStats, UploadedFile
    from .outputs import MediaType, OutputFile, detect_media_type, extract_outputs
    from .pngmeta import read_image_metadata, write_shot_metadata
    from .shotmeta import ImageMetadata, MetadataError, MetadataProblem, ShotMetadata
    from .tracker import OutcomeStatus, PromptOutcome, PromptTracker
    from .websocket import EventListener, ListenerOptions, Subscription

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
