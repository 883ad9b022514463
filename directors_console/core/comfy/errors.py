"""Typed errors of the ComfyUI client, and the parser of prompt validation errors.

Every failure a ComfyUI call can have is one of these, so callers (the farm scheduler)
decide by type: :class:`ConnectionLost` and :class:`ServerTimeout` mean "try another
render node", :class:`ValidationFailed` means "the workflow is wrong, do not retry",
:class:`HttpError` / :class:`ProtocolError` mean the server answered something else.

``parse_node_errors`` reads ``node_errors`` from both the ``400`` body of ``POST /prompt``
and the ``200`` body of a partial acceptance (some outputs valid, some not).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_BODY_LIMIT = 4000


class ComfyError(Exception):
    """Base of every error raised by the ComfyUI client; ``str()`` reads well in a UI."""


class ConnectionLost(ComfyError):
    """The server could not be reached or dropped the connection."""


class ServerTimeout(ComfyError):
    """The server did not answer (or the prompt did not finish) in time."""


class ProtocolError(ComfyError):
    """The server answered, but not in the shape ComfyUI answers."""


class HttpError(ComfyError):
    """A non-2xx answer; ``body`` is its text, shortened."""

    def __init__(self, status: int, body: str, *, method: str = "", path: str = "") -> None:
        self.status = status
        self.body = body[:_BODY_LIMIT]
        self.method = method
        self.path = path
        where = f" for {method} {path}" if method else ""
        first = self.body.strip().splitlines()[0][:200] if self.body.strip() else ""
        super().__init__(f"server answered {status}{where}" + (f": {first}" if first else ""))


@dataclass(frozen=True)
class NodeError:
    """One problem with one input (or the whole node) of one node of a prompt."""

    node_id: str
    class_type: str | None
    type: str
    message: str
    details: str = ""
    input_name: str | None = None
    received_value: Any = None
    dependent_outputs: tuple[str, ...] = ()
    extra_info: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        node = f"#{self.node_id} {self.class_type or ''}".strip()
        what = f" input '{self.input_name}'" if self.input_name else ""
        details = f" ({self.details})" if self.details and self.details != self.input_name else ""
        return f"{node}{what}: {self.message}{details}"


class ValidationFailed(ComfyError):
    """``POST /prompt`` was refused (400): the prompt does not validate."""

    def __init__(
        self,
        error_type: str,
        message: str,
        details: str = "",
        node_errors: tuple[NodeError, ...] = (),
        extra_info: Mapping[str, Any] | None = None,
    ) -> None:
        self.error_type = error_type
        self.message = message
        self.details = details
        self.node_errors = node_errors
        self.extra_info = dict(extra_info or {})
        lines = [message + (f": {details}" if details else "")]
        lines += [e.describe() for e in node_errors[:5]]
        if len(node_errors) > 5:
            lines.append(f"... and {len(node_errors) - 5} more")
        super().__init__("\n".join(lines))


def _text(v: object) -> str:
    return v if isinstance(v, str) else ("" if v is None else json.dumps(v, default=str))


def parse_node_errors(raw: object) -> tuple[NodeError, ...]:
    """Flatten ``node_errors`` (``{id: {errors: [...], dependent_outputs, class_type}}``).

    Unknown shapes are kept as one NodeError of type ``unreadable`` rather than lost.
    """
    if not raw:
        return ()
    if not isinstance(raw, dict):
        return (NodeError("?", None, "unreadable", f"node_errors is {type(raw).__name__}"),)
    out: list[NodeError] = []
    for node_id, entry in raw.items():
        if not isinstance(entry, dict):
            out.append(NodeError(str(node_id), None, "unreadable", _text(entry)))
            continue
        class_type = entry.get("class_type")
        class_type = class_type if isinstance(class_type, str) else None
        deps = entry.get("dependent_outputs")
        dependent = tuple(str(d) for d in deps) if isinstance(deps, list) else ()
        errors = entry.get("errors")
        if not isinstance(errors, list) or not errors:
            errors = [{"type": "unknown", "message": "node failed validation"}]
        for err in errors:
            if not isinstance(err, dict):
                err = {"type": "unreadable", "message": _text(err)}
            extra = err.get("extra_info")
            extra = extra if isinstance(extra, dict) else {}
            input_name = extra.get("input_name")
            out.append(
                NodeError(
                    node_id=str(node_id),
                    class_type=class_type,
                    type=_text(err.get("type")) or "unknown",
                    message=_text(err.get("message")),
                    details=_text(err.get("details")),
                    input_name=input_name if isinstance(input_name, str) else None,
                    received_value=extra.get("received_value"),
                    dependent_outputs=dependent,
                    extra_info=extra,
                )
            )
    return tuple(out)


def validation_error_from_body(body: object) -> ValidationFailed | None:
    """The ValidationFailed a ``400`` body describes, or None if it is not one."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    node_errors = parse_node_errors(body.get("node_errors"))
    if isinstance(error, dict):
        extra = error.get("extra_info")
        return ValidationFailed(
            error_type=_text(error.get("type")) or "unknown",
            message=_text(error.get("message")) or "prompt refused",
            details=_text(error.get("details")),
            node_errors=node_errors,
            extra_info=extra if isinstance(extra, dict) else None,
        )
    if isinstance(error, str):  # very old servers answer {"error": "message"}
        return ValidationFailed("unknown", error, node_errors=node_errors)
    if node_errors:
        return ValidationFailed(
            "prompt_outputs_failed_validation", "prompt refused", "", node_errors
        )
    return None
