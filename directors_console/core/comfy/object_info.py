"""What a ComfyUI server can run: its ``/object_info``, parsed into typed node classes.

Two input shapes are in the wild and both are read: the legacy combo
``[["a.safetensors", ...], {...}]`` and the newer ``["COMBO", {"options": [...]}]``.
Model loaders list the files the server has as combo options, which is how we know
which models a server holds. Anything we cannot read in one class is skipped with a
warning, never fatal: one odd custom node must not hide a whole server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

COMBO = "COMBO"


@dataclass(frozen=True, slots=True)
class InputSpec:
    name: str
    type: str  # "INT", "FLOAT", "STRING", "BOOLEAN", "COMBO", or a link type like "MODEL"
    required: bool
    options: tuple[str, ...] | None = None  # for COMBO inputs
    default: Any = None
    min: float | None = None
    max: float | None = None
    # The spec's whole option object (``forceInput``, ``control_after_generate``,
    # ``image_upload``, ``dynamicPrompts``...): the editor's widgets depend on it.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def option(self, key: str, default: Any = None) -> Any:
        """One entry of the spec's option object, e.g. ``option("forceInput", False)``."""
        return self.extra.get(key, default)

    @property
    def is_combo(self) -> bool:
        return self.type == COMBO

    @property
    def is_widget(self) -> bool:
        """A value typed in the node (not a link from another node's output)."""
        return self.type in (COMBO, "INT", "FLOAT", "STRING", "BOOLEAN")


@dataclass(frozen=True, slots=True)
class NodeClass:
    name: str
    inputs: Mapping[str, InputSpec]
    outputs: tuple[str, ...]
    output_names: tuple[str, ...]
    output_node: bool
    category: str = ""
    display_name: str = ""
    input_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObjectInfo:
    classes: Mapping[str, NodeClass] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()  # classes we could not read

    def __contains__(self, class_type: object) -> bool:
        return class_type in self.classes

    def __len__(self) -> int:
        return len(self.classes)

    def __iter__(self) -> Iterator[str]:
        return iter(self.classes)

    def get(self, class_type: str) -> NodeClass | None:
        return self.classes.get(class_type)

    def combo_options(self, class_type: str, input_name: str) -> tuple[str, ...] | None:
        node = self.classes.get(class_type)
        if node is None:
            return None
        spec = node.inputs.get(input_name)
        return spec.options if spec is not None else None

    @classmethod
    def parse(cls, raw: object) -> ObjectInfo:
        if not isinstance(raw, Mapping):
            raise ValueError("object_info is not a JSON object")
        classes: dict[str, NodeClass] = {}
        skipped: list[str] = []
        for name, body in raw.items():
            try:
                classes[str(name)] = _parse_class(str(name), body)
            except (TypeError, ValueError, KeyError) as exc:
                skipped.append(str(name))
                log.warning("object_info: skipping node class %s: %s", name, exc)
        return cls(classes, tuple(skipped))


def _parse_class(name: str, body: object) -> NodeClass:
    if not isinstance(body, Mapping):
        raise TypeError("class entry is not an object")
    inputs: dict[str, InputSpec] = {}
    raw_inputs = body.get("input") or {}
    if not isinstance(raw_inputs, Mapping):
        raise TypeError("'input' is not an object")
    for section, required in (("required", True), ("optional", False)):
        entries = raw_inputs.get(section) or {}
        if not isinstance(entries, Mapping):
            raise TypeError(f"'input.{section}' is not an object")
        for input_name, spec in entries.items():
            inputs[str(input_name)] = _parse_input(str(input_name), spec, required)
    order_raw = body.get("input_order") or {}
    order: list[str] = []
    if isinstance(order_raw, Mapping):
        for section in ("required", "optional"):
            names = order_raw.get(section) or []
            if isinstance(names, list):
                order.extend(str(n) for n in names)
    outputs = body.get("output") or []
    output_names = body.get("output_name") or outputs
    if not isinstance(outputs, list) or not isinstance(output_names, list):
        raise TypeError("'output' is not a list")
    return NodeClass(
        name=name,
        inputs=inputs,
        outputs=tuple(str(o) if not isinstance(o, list) else COMBO for o in outputs),
        output_names=tuple(str(o) for o in output_names),
        output_node=bool(body.get("output_node", False)),
        category=str(body.get("category") or ""),
        display_name=str(body.get("display_name") or name),
        input_order=tuple(order) or tuple(inputs),
    )


def _parse_input(name: str, spec: object, required: bool) -> InputSpec:
    if not isinstance(spec, list | tuple) or not spec:
        raise TypeError(f"input {name!r} has no type")
    head = spec[0]
    extra: dict[str, Any] = dict(spec[1]) if len(spec) > 1 and isinstance(spec[1], Mapping) else {}
    if isinstance(head, list | tuple):
        options = tuple(str(o) for o in head)
        return InputSpec(name, COMBO, required, options, extra.get("default"), extra=extra)
    kind = str(head)
    if kind == COMBO:
        raw_options = extra.get("options")
        opts = tuple(str(o) for o in raw_options) if isinstance(raw_options, list) else ()
        return InputSpec(name, COMBO, required, opts, extra.get("default"), extra=extra)
    return InputSpec(
        name,
        kind,
        required,
        None,
        extra.get("default"),
        _num(extra.get("min")),
        _num(extra.get("max")),
        extra=extra,
    )


def _num(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
