"""Convert a ComfyUI UI workflow into the API prompt the editor would queue.

:func:`convert_workflow` reproduces the editor's ``graphToPrompt`` (frontend 1.27) from the
server's ``object_info``: widget values by the class's input order (skipping editor-only
widgets such as ``control_after_generate``), links resolved through Reroutes, bypassed
nodes and subgraphs, PrimitiveNode values written into their targets, muted and
frontend-only nodes left out, and every link to a node that is not sent dropped.

Node types the server lacks are sent as the editor sends them, as placeholders without
``class_type`` (their links kept, their stored values under ``UNKNOWN``), and are listed in
:attr:`ConversionResult.missing`; such a prompt cannot run until the server has them.

Modules: :mod:`.ui_graph` parses, :mod:`.node_widgets` knows widgets,
:mod:`.converter_build` instantiates, :mod:`.converter_graph` resolves links.
"""

from __future__ import annotations

import random as _random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .converter_build import ScopeBuilder, UnsupportedWorkflowError, node_title
from .converter_graph import ExecNode, Kind, LinkSource, Resolver, walk
from .editor_values import Random, api_value
from .node_widgets import sent_value
from .object_info import ObjectInfo
from .ui_graph import (
    MODE_BYPASS,
    MODE_NEVER,
    BrokenLinkError,
    ConversionError,
    NotAWorkflowError,
    UiWorkflow,
    WorkflowShapeError,
    is_api_prompt,
    is_ui_workflow,
    parse_workflow,
)

__all__ = [
    "BrokenLinkError",
    "ConversionError",
    "ConversionResult",
    "NotAWorkflowError",
    "UnsupportedWorkflowError",
    "WorkflowShapeError",
    "convert_workflow",
    "is_api_prompt",
    "is_ui_workflow",
]

ApiPrompt = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ConversionResult:
    prompt: ApiPrompt
    # class_type -> execution ids of the sent nodes of that type the server lacks
    missing: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Types the server lacks on muted or bypassed nodes only: not needed to run.
    inactive_missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def runnable(self) -> bool:
        """Every node class the prompt uses is known to the server."""
        return not self.missing


def convert_workflow(
    ui: Mapping[str, Any],
    object_info: ObjectInfo | Mapping[str, Any],
    *,
    dynamic_prompts: Random | None = _random.random,
    strict: bool = False,
) -> ConversionResult:
    """The API prompt for ``ui``, as the editor would queue it against this server.

    ``dynamic_prompts`` picks the ``{a|b}`` choices of prompt widgets, as the editor does
    when it queues (``None`` leaves those texts as they are). With ``strict``, a link to a
    missing link or node raises :class:`BrokenLinkError` instead of becoming a warning.
    Raises :class:`ConversionError` (a subclass saying which) for input it cannot read.
    """
    try:
        return _convert(parse_workflow(ui), _object_info(object_info), dynamic_prompts, strict)
    except RecursionError:
        # Thousands of chained reroutes or nested subgraphs: refuse, do not crash.
        raise UnsupportedWorkflowError("the workflow's links nest too deep to follow") from None


def _convert(
    workflow: UiWorkflow, info: ObjectInfo, dynamic_prompts: Random | None, strict: bool
) -> ConversionResult:
    warnings: list[str] = []
    root = ScopeBuilder(workflow, info, warnings).build()
    resolver = Resolver(warnings, strict=strict)
    prompt: ApiPrompt = {}
    missing: dict[str, list[str]] = {}
    inactive: dict[str, list[str]] = {}
    for ex in walk(root):
        if ex.kind in (Kind.VIRTUAL, Kind.SUBGRAPH, Kind.GROUP):
            continue
        if ex.mode in (MODE_NEVER, MODE_BYPASS):
            if ex.kind is Kind.MISSING:
                inactive.setdefault(ex.node.type, []).append(ex.exec_id)
            continue
        prompt[ex.exec_id] = _entry(ex, resolver, dynamic_prompts, warnings)
        if ex.kind is Kind.MISSING:
            missing.setdefault(ex.node.type, []).append(ex.exec_id)
    _drop_links_to_absent_nodes(prompt)
    return ConversionResult(_js_key_order(prompt), missing, warnings, inactive)


def _entry(
    ex: ExecNode, resolver: Resolver, dynamic: Random | None, warnings: list[str]
) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for widget in ex.state.widgets:
        if not widget.serialize:
            continue
        inputs[widget.name] = sent_value(widget, dynamic)
        if widget.capture and ex.kind is Kind.REAL:
            warnings.append(
                f"node {ex.exec_id} ({ex.node.type}): {widget.name!r} is captured by the "
                "editor's 3D viewer when it queues; the stored value is sent instead"
            )
    for slot, slot_def in enumerate(ex.state.inputs):
        resolved = resolver.resolve_input(ex, slot)
        if resolved is None:
            continue
        if isinstance(resolved, LinkSource):
            inputs[slot_def.name] = [resolved.node.exec_id, resolved.slot]
        else:
            inputs[slot_def.name] = api_value(resolved.value)
    entry: dict[str, Any] = {"inputs": inputs}
    if ex.kind is Kind.REAL and ex.state.node_class is not None:
        entry["class_type"] = ex.state.node_class.name
    title = node_title(ex.state)
    entry["_meta"] = {"title": title} if title is not None else {}
    return entry


def _drop_links_to_absent_nodes(prompt: ApiPrompt) -> None:
    # The editor's last step: a link to a node it did not send (muted, bypassed without
    # a fitting input, frontend-only) is removed, never passed through.
    for entry in prompt.values():
        inputs = entry["inputs"]
        for name, value in list(inputs.items()):
            if _is_link(value) and value[0] not in prompt:
                del inputs[name]


def _is_link(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)


def _js_key_order(prompt: ApiPrompt) -> ApiPrompt:
    """Integer-like ids first in numeric order, then the rest in insertion order."""
    numeric = sorted((k for k in prompt if _is_array_index(k)), key=int)
    rest = [k for k in prompt if not _is_array_index(k)]
    return {k: prompt[k] for k in (*numeric, *rest)}


def _is_array_index(key: str) -> bool:
    return key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < 2**32 - 1


def _object_info(raw: ObjectInfo | Mapping[str, Any]) -> ObjectInfo:
    if isinstance(raw, ObjectInfo):
        return raw
    if not isinstance(raw, Mapping):
        raise ConversionError("object_info is not a JSON object")
    return ObjectInfo.parse(raw)
