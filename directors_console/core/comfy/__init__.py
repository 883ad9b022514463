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

__all__ = [
    "ComfyClient",
    "ComfyError",
    "Connected",
    "ConnectionLost",
    "Disconnected",
    "Event",
    "EventListener",
    "Executed",
    "Executing",
    "ExecutionCached",
    "ExecutionError",
    "ExecutionInterrupted",
    "ExecutionStart",
    "ExecutionSuccess",
    "FeatureFlags",
    "HistoryEntry",
    "HttpError",
    "ImageMetadata",
    "ListenerOptions",
    "MediaType",
    "MetadataError",
    "MetadataProblem",
    "NodeError",
    "NodeProgress",
    "OutcomeStatus",
    "OutputFile",
    "ParseError",
    "PreviewImage",
    "Progress",
    "ProgressState",
    "ProgressText",
    "PromptOutcome",
    "PromptTracker",
    "ProtocolError",
    "QueueItem",
    "QueueState",
    "Reconnected",
    "ServerTimeout",
    "ShotMetadata",
    "Status",
    "SubmitResult",
    "Subscription",
    "SystemStats",
    "UnknownMessage",
    "UploadedFile",
    "ValidationFailed",
    "WebsocketImage",
    "detect_media_type",
    "extract_outputs",
    "parse_binary",
    "parse_text",
    "read_image_metadata",
    "write_shot_metadata",
]
