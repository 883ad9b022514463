"""Prompt validation of the fake ComfyUI server.

Reproduces the error objects of a real ComfyUI 0.3.64 ``POST /prompt`` as recorded in
validation_errors.json: ``no_prompt``/``invalid_prompt``/``prompt_no_outputs`` answers,
``prompt_outputs_failed_validation`` with per-node errors, and partial acceptance when at
least one output node validates. Errors are attributed to nodes the way the real server does
it (an exception inside a linked node is reported on that node, with the caller's input).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# class_type -> (input names checked by a custom validator, validator returning True or a reason)
CustomValidator = tuple[tuple[str, ...], Callable[[dict[str, Any]], "bool | str"]]


@dataclass
class ValidationResult:
    ok: bool
    error: dict[str, Any] | None = None
    outputs: list[str] = field(default_factory=list)
    node_errors: dict[str, Any] = field(default_factory=dict)


def _error(kind: str, message: str, details: str = "", extra: dict[str, Any] | None = None) -> dict:
    return {"type": kind, "message": message, "details": details, "extra_info": extra or {}}


def no_prompt_error() -> dict[str, Any]:
    return _error("no_prompt", "No prompt provided", "No prompt provided")


def _exception_type(exc: BaseException) -> str:
    module = type(exc).__module__
    name = type(exc).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


def input_definitions(info: dict[str, Any]) -> list[tuple[str, list[Any], bool]]:
    """(name, definition, required) for every required and optional input, in UI order."""
    spec = info.get("input", {})
    order = info.get("input_order", {})
    result: list[tuple[str, list[Any], bool]] = []
    for section, required in (("required", True), ("optional", False)):
        defs = spec.get(section) or {}
        names = order.get(section) or list(defs)
        result.extend((name, defs[name], required) for name in names if name in defs)
    return result


def combo_options(definition: list[Any]) -> list[Any] | None:
    kind = definition[0] if definition else None
    if isinstance(kind, list):
        return kind
    if kind == "COMBO":
        extra = definition[1] if len(definition) > 1 and isinstance(definition[1], dict) else {}
        return list(extra.get("options", []))
    return None


def _types_match(received: Any, expected: Any) -> bool:
    if isinstance(expected, list) or expected == "COMBO":
        return isinstance(received, list) or received in ("COMBO", "*")
    if not isinstance(received, str) or not isinstance(expected, str):
        return received == expected
    if "*" in (received, expected) or received == expected:
        return True
    return bool(set(received.split(",")) & set(expected.split(",")))


class _Validator:
    def __init__(
        self,
        prompt: dict[str, Any],
        object_info: dict[str, Any],
        custom: dict[str, CustomValidator],
    ) -> None:
        self.prompt = prompt
        self.object_info = object_info
        self.custom = custom
        self.memo: dict[str, tuple[bool, list[dict[str, Any]]]] = {}
        self._active: set[str] = set()

    def node(self, node_id: str) -> tuple[bool, list[dict[str, Any]]]:
        if node_id in self.memo:
            return self.memo[node_id]
        if node_id in self._active:
            # The real validator recurses until Python gives up on a cycle.
            raise RecursionError("maximum recursion depth exceeded")
        self._active.add(node_id)
        try:
            return self._check(node_id)
        finally:
            self._active.discard(node_id)

    def _check(self, node_id: str) -> tuple[bool, list[dict[str, Any]]]:
        node = self.prompt[node_id]
        class_type = node["class_type"]
        info = self.object_info[class_type]
        inputs = node["inputs"]
        custom_names, custom_fn = self.custom.get(class_type, ((), None))
        errors: list[dict[str, Any]] = []
        valid = True
        for name, definition, required in input_definitions(info):
            if name not in inputs:
                if required:
                    errors.append(
                        _error(
                            "required_input_missing",
                            "Required input is missing",
                            name,
                            {"input_name": name},
                        )
                    )
                    valid = False
                continue
            value = inputs[name]
            if isinstance(value, list):
                ok = self._linked_input(name, definition, value, errors)
            else:
                ok = self._value_input(
                    name, definition, value, inputs, name in custom_names, errors
                )
            valid = valid and ok
        if custom_fn is not None and valid:
            values = {n: inputs[n] for n in custom_names if n in inputs}
            verdict = custom_fn(values)
            if verdict is not True:
                names = ", ".join(values)
                errors.append(
                    _error(
                        "custom_validation_failed",
                        "Custom validation failed for node",
                        f"{names} - {verdict}",
                        {"input_name": names},
                    )
                )
                valid = False
        result = (valid and not errors, errors)
        self.memo[node_id] = result
        return result

    def _linked_input(
        self, name: str, definition: list[Any], link: list[Any], errors: list[dict[str, Any]]
    ) -> bool:
        if len(link) != 2:
            errors.append(
                _error(
                    "bad_linked_input",
                    "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                    name,
                    {"input_name": name, "input_config": definition, "received_value": link},
                )
            )
            return False
        source_id = link[0]
        # A missing node or slot raises, like the real validator does (KeyError / IndexError).
        source_class = self.prompt[source_id]["class_type"]
        source_outputs = self.object_info[source_class].get("output", [])
        slot = link[1]
        if not isinstance(slot, int) or not 0 <= slot < len(source_outputs):
            raise IndexError("tuple index out of range")
        received = source_outputs[slot]
        expected = definition[0]
        if not _types_match(received, expected):
            shown = "COMBO" if isinstance(expected, list) else expected
            details = f"{name}, received_type({received}) mismatch input_type({shown})"
            errors.append(
                _error(
                    "return_type_mismatch",
                    "Return type mismatch between linked nodes",
                    details,
                    {
                        "input_name": name,
                        "input_config": definition,
                        "received_type": received,
                        "linked_node": link,
                    },
                )
            )
            return False
        try:
            ok, _ = self.node(source_id)
        except Exception as exc:
            reasons = [
                _error(
                    "exception_during_inner_validation",
                    "Exception when validating inner node",
                    str(exc),
                    {
                        "input_name": name,
                        "input_config": definition,
                        "exception_message": str(exc),
                        "exception_type": _exception_type(exc),
                        "traceback": traceback.format_tb(exc.__traceback__),
                        "linked_node": link,
                    },
                )
            ]
            self.memo[source_id] = (False, reasons)
            return False
        return ok

    def _value_input(
        self,
        name: str,
        definition: list[Any],
        value: Any,
        inputs: dict[str, Any],
        custom_checked: bool,
        errors: list[dict[str, Any]],
    ) -> bool:
        kind = definition[0]
        extra = definition[1] if len(definition) > 1 and isinstance(definition[1], dict) else {}
        converters: dict[str, Callable[[Any], Any]] = {
            "INT": int,
            "FLOAT": float,
            "STRING": str,
            "BOOLEAN": bool,
        }
        if isinstance(kind, str) and kind in converters:
            try:
                value = converters[kind](value)
            except (ValueError, TypeError, OverflowError) as exc:
                errors.append(
                    _error(
                        "invalid_input_type",
                        f"Failed to convert an input value to a {kind} value",
                        f"{name}, {value}, {exc}",
                        {
                            "input_name": name,
                            "input_config": definition,
                            "received_value": value,
                            "exception_message": str(exc),
                        },
                    )
                )
                return False
            # The real server stores the converted value back into the queued prompt.
            inputs[name] = value
        if custom_checked:
            return True
        if kind in ("INT", "FLOAT"):
            base = {"input_name": name, "input_config": definition, "received_value": value}
            if "min" in extra and value < extra["min"]:
                errors.append(
                    _error(
                        "value_smaller_than_min",
                        f"Value {value} smaller than min of {extra['min']}",
                        name,
                        base,
                    )
                )
                return False
            if "max" in extra and value > extra["max"]:
                errors.append(
                    _error(
                        "value_bigger_than_max",
                        f"Value {value} bigger than max of {extra['max']}",
                        name,
                        base,
                    )
                )
                return False
        options = combo_options(definition)
        if options is not None and not extra.get("multiselect") and value not in options:
            config: Any = definition
            shown = str(options)
            if len(options) > 20:
                shown = f"(list of length {len(options)})"
                config = None
            errors.append(
                _error(
                    "value_not_in_list",
                    "Value not in list",
                    f"{name}: '{value}' not in {shown}",
                    {"input_name": name, "input_config": config, "received_value": value},
                )
            )
            return False
        return True


def _invalid_prompt(message: str, node_id: str) -> ValidationResult:
    return ValidationResult(False, _error("invalid_prompt", message, f"Node ID '#{node_id}'"))


def validate_prompt(
    prompt: Any,
    object_info: dict[str, Any],
    partial_targets: Iterable[str] | None = None,
    custom: dict[str, CustomValidator] | None = None,
) -> ValidationResult:
    if not isinstance(prompt, dict):
        return ValidationResult(False, _error("invalid_prompt", "Prompt is not a JSON object"))
    targets = None if partial_targets is None else {str(t) for t in partial_targets}
    outputs: list[str] = []
    for node_id, node in prompt.items():
        if not isinstance(node, dict) or "class_type" not in node:
            return _invalid_prompt(
                "Cannot execute because a node is missing the class_type property.", node_id
            )
        info = object_info.get(node["class_type"])
        if info is None:
            return _invalid_prompt(
                f"Cannot execute because node {node['class_type']} does not exist.", node_id
            )
        if info.get("output_node") and (targets is None or node_id in targets):
            outputs.append(node_id)
    if not outputs:
        return ValidationResult(False, _error("prompt_no_outputs", "Prompt has no outputs"))

    checker = _Validator(prompt, object_info, custom or {})
    good: list[str] = []
    failed: list[tuple[str, list[dict[str, Any]]]] = []
    node_errors: dict[str, Any] = {}
    for output in outputs:
        try:
            valid, reasons = checker.node(output)
        except Exception as exc:
            valid = False
            reasons = [
                _error(
                    "exception_during_validation",
                    "Exception when validating node",
                    str(exc),
                    {
                        "exception_type": _exception_type(exc),
                        "traceback": traceback.format_tb(exc.__traceback__),
                    },
                )
            ]
            checker.memo[output] = (False, reasons)
        if valid:
            good.append(output)
            continue
        failed.append((output, reasons))
        # Like the real server: every failing node seen so far gets this output appended.
        for node_id, (node_ok, node_reasons) in checker.memo.items():
            if node_ok or not node_reasons:
                continue
            entry = node_errors.setdefault(
                node_id,
                {
                    "errors": node_reasons,
                    "dependent_outputs": [],
                    "class_type": prompt[node_id]["class_type"],
                },
            )
            entry["dependent_outputs"].append(output)
    if good:
        return ValidationResult(True, None, good, node_errors)
    details = "\n".join(f"{e['message']}: {e['details']}" for _, rs in failed for e in rs)
    error = _error("prompt_outputs_failed_validation", "Prompt outputs failed validation", details)
    return ValidationResult(False, error, [], node_errors)
