"""The typed events a ComfyUI WebSocket subscriber receives (data only, no parsing).

Frozen, slotted dataclasses: cheap to build at thousands per second and safe to hand to
any thread. :data:`Event` is the union of everything a subscription yields: server
messages (parsed by :mod:`.messages`) and our own connection events
(:class:`Connected`, :class:`Disconnected`, :class:`Reconnected`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

# --- server messages ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    """Queue length broadcast; ``sid`` only on the first message of a connection."""

    queue_remaining: int
    sid: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutionStart:
    prompt_id: str
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class ExecutionCached:
    prompt_id: str
    nodes: tuple[str, ...]
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class Executing:
    """A node started; ``node is None`` (with a prompt_id) means the prompt is done."""

    node: str | None
    display_node: str | None = None
    prompt_id: str | None = None


@dataclass(frozen=True, slots=True)
class Executed:
    """An output node finished; ``output`` is its UI dict (``{"images": [...]}``...)."""

    node: str
    output: Mapping[str, Any]
    prompt_id: str | None = None
    display_node: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    value: float
    max: float
    node: str | None = None
    prompt_id: str | None = None


@dataclass(frozen=True, slots=True)
class NodeProgress:
    node_id: str
    value: float
    max: float
    state: str  # "pending" | "running" | "finished" | "error" (newer servers may add more)
    display_node_id: str | None = None
    parent_node_id: str | None = None
    real_node_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProgressState:
    prompt_id: str
    nodes: Mapping[str, NodeProgress]


@dataclass(frozen=True, slots=True)
class ExecutionSuccess:
    prompt_id: str
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class ExecutionError:
    prompt_id: str
    node_id: str | None
    node_type: str | None
    exception_message: str
    exception_type: str
    traceback: tuple[str, ...] = ()
    executed: tuple[str, ...] = ()
    # Diagnostics, kept as sent (their shape varies between versions).
    current_inputs: Any = None
    current_outputs: Any = None
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class ExecutionInterrupted:
    prompt_id: str
    node_id: str | None = None
    node_type: str | None = None
    executed: tuple[str, ...] = ()
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class FeatureFlags:
    supports_preview_metadata: bool
    max_upload_size: int | None
    flags: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PreviewImage:
    """A preview image (binary event 1, or event 4 with metadata).

    Event-1 frames carry no ids; the listener fills ``node_id``/``prompt_id`` from the
    ``progress``/``executing`` message that preceded the frame.
    """

    format: str  # "jpeg" | "png" | "webp"
    image: bytes
    event_type: int
    node_id: str | None = None
    prompt_id: str | None = None
    display_node_id: str | None = None
    parent_node_id: str | None = None
    real_node_id: str | None = None


@dataclass(frozen=True, slots=True)
class WebsocketImage:
    """A final image sent by a SaveImageWebsocket-style node (not a preview).

    The frame is identical to a preview on the wire; the listener classifies it by the
    class of the node that sent it.
    """

    format: str
    image: bytes
    node_id: str | None
    prompt_id: str | None


@dataclass(frozen=True, slots=True)
class ProgressText:
    """Binary event 3: free text a node reports while it runs."""

    node_id: str
    text: str


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    """A message type this version does not know (``binary/<n>`` for binary frames)."""

    type: str
    data: Any


@dataclass(frozen=True, slots=True)
class ParseError:
    """A frame we could not read; ``excerpt`` is the start of it, for the log."""

    reason: str
    message_type: str | None = None
    excerpt: str = ""


# --- connection events (ours, not the server's) -------------------------------------------


@dataclass(frozen=True, slots=True)
class Connected:
    """The first connection of a listener is up."""

    sid: str | None


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection dropped (or could not be made); the listener keeps retrying."""

    reason: str


@dataclass(frozen=True, slots=True)
class Reconnected:
    sid: str | None
    downtime: float


ServerMessage = (
    Status
    | ExecutionStart
    | ExecutionCached
    | Executing
    | Executed
    | Progress
    | ProgressState
    | ExecutionSuccess
    | ExecutionError
    | ExecutionInterrupted
    | FeatureFlags
    | PreviewImage
    | WebsocketImage
    | ProgressText
    | UnknownMessage
    | ParseError
)
ConnectionEvent = Connected | Disconnected | Reconnected
Event = ServerMessage | ConnectionEvent

TERMINAL_TYPES: Final = (ExecutionSuccess, ExecutionError, ExecutionInterrupted)


def prompt_id_of(event: Event) -> str | None:
    """The prompt an event belongs to, if it says."""
    return getattr(event, "prompt_id", None)
