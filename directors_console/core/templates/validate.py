"""Checks an API-format prompt against what a server can run (its ObjectInfo).

Every node's class must exist, every required input must be given, every link must
point at an existing node and output slot whose type fits the input, and literal values
must fit the input's range or options. Model-file and upload combos are not checked
against the server's lists: which server holds which file is the scheduler's business
(see farm.requirements), not the workflow's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from directors_console.core.comfy.object_info import COMBO, InputSpec, ObjectInfo
from directors_console.core.farm.requirements import is_model_file

ANY = "*"


def is_link(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    )


def types_match(output_type: str, input_type: str) -> bool:
    """ComfyUI's own rule: '*' fits anything; comma lists fit any member."""
    if ANY in (output_type, input_type):
        return True
    outs = {t.strip() for t in output_type.split(",")}
    ins = {t.strip() for t in input_type.split(",")}
    return bool(outs & ins)


def graph_problems(prompt: Mapping[str, Any]) -> list[str]:
    """Shape problems that need no ObjectInfo: bad nodes and dangling links."""
    problems: list[str] = []
    for node_id, node in prompt.items():
        if not isinstance(node, Mapping) or not isinstance(node.get("class_type"), str):
            problems.append(f"node {node_id}: no class_type")
            continue
        inputs = node.get("inputs", {})
        if not isinstance(inputs, Mapping):
            problems.append(f"node {node_id}: inputs is not an object")
            continue
        for name, value in inputs.items():
            if is_link(value) and value[0] not in prompt:
                problems.append(f"{node_id}.{name}: links to missing node {value[0]}")
    return problems


def prompt_problems(prompt: Mapping[str, Any], info: ObjectInfo) -> list[str]:
    """Everything ``info``'s server would reject in ``prompt`` (empty: valid)."""
    problems = graph_problems(prompt)
    if problems:
        return problems
    has_output = False
    for node_id, node in prompt.items():
        cls = info.get(node["class_type"])
        if cls is None:
            problems.append(f"node {node_id}: unknown class {node['class_type']}")
            continue
        has_output = has_output or cls.output_node
        inputs: Mapping[str, Any] = node.get("inputs", {})
        for spec in cls.inputs.values():
            if spec.required and spec.name not in inputs:
                problems.append(f"{node_id} ({cls.name}): required input {spec.name} is missing")
        for name, value in inputs.items():
            known = cls.inputs.get(name)
            if known is None:
                continue  # the server ignores inputs it does not know
            spec = known
            where = f"{node_id}.{name} ({cls.name})"
            if is_link(value):
                problems.extend(_link_problems(prompt, info, where, value, spec))
            else:
                problems.extend(_value_problems(where, value, spec))
    if not has_output and not problems:
        problems.append("the prompt has no output node")
    return problems


def _link_problems(
    prompt: Mapping[str, Any], info: ObjectInfo, where: str, link: list[Any], spec: InputSpec
) -> list[str]:
    source_id, slot = link
    source_cls = info.get(prompt[source_id]["class_type"])
    if source_cls is None:
        return []  # reported on the source node itself
    if not 0 <= slot < len(source_cls.outputs):
        return [f"{where}: {source_id} ({source_cls.name}) has no output slot {slot}"]
    out_type = source_cls.outputs[slot]
    if not types_match(out_type, spec.type):
        return [f"{where}: expects {spec.type} but {source_id}[{slot}] gives {out_type}"]
    return []


def _value_problems(where: str, value: object, spec: InputSpec) -> list[str]:
    kind = spec.type
    if kind == COMBO:
        if not isinstance(value, str | int | float):
            return [f"{where}: {value!r} is not a choice"]
        skip = not spec.options or spec.option("image_upload", False)
        skip = skip or (isinstance(value, str) and is_model_file(value))
        if not skip and value not in (spec.options or ()):
            return [f"{where}: {value!r} is not one of {list(spec.options or ())[:12]}"]
        return []
    if kind in ("INT", "FLOAT"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "INT" and isinstance(value, float) and not value.is_integer():
            ok = False
        if not ok:
            return [f"{where}: {value!r} is not {'an integer' if kind == 'INT' else 'a number'}"]
        assert isinstance(value, int | float)
        if spec.min is not None and value < spec.min:
            return [f"{where}: {value} is below {spec.min:g}"]
        if spec.max is not None and value > spec.max:
            return [f"{where}: {value} is above {spec.max:g}"]
        return []
    if kind == "STRING" and not isinstance(value, str):
        return [f"{where}: {value!r} is not text"]
    if kind == "BOOLEAN" and not isinstance(value, bool):
        return [f"{where}: {value!r} is not true/false"]
    if not spec.is_widget:
        return [f"{where}: expects a link of type {kind}, got the value {value!r}"]
    return []
