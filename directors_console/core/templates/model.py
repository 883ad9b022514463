"""The workflow template format: one YAML/JSON file per template, validated by pydantic.

A template is an API-format ComfyUI workflow (inline, or a sibling ``.json`` file) plus
what the program may change in it: exposed parameters, the prompt inputs, the LoadImage
inputs by role, where a LoRA chain goes, and the output nodes whose filename prefix we
set. :func:`parse_template` checks the shape (pydantic) and then that every reference
points at a node and input that exist; each problem is a :class:`TemplateIssue` with the
field and the reason, so a bad file can be reported precisely and the rest still load.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from directors_console.core.farm.seeds import MAX_SEED


class Category(StrEnum):
    TEXT_TO_IMAGE = "text_to_image"
    IMAGE_TO_IMAGE = "image_to_image"
    IMAGE_EDITING = "image_editing"
    UPSCALING = "upscaling"
    INPAINT = "inpaint"
    VIDEO = "video"


class ParamType(StrEnum):
    INT = "int"
    FLOAT = "float"
    STRING = "string"
    BOOL = "bool"
    CHOICE = "choice"
    SEED = "seed"
    PROMPT = "prompt"
    IMAGE = "image"


class ImageRole(StrEnum):
    REFERENCE = "reference"
    FIRST_FRAME = "first_frame"
    LAST_FRAME = "last_frame"
    INIT = "init"
    MASK = "mask"


class TemplateIssue(BaseModel):
    """One thing wrong with a template file: which field, and why."""

    model_config = ConfigDict(frozen=True)
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field or '<file>'}: {self.reason}"


class TemplateInvalid(ValueError):
    def __init__(self, issues: list[TemplateIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _node_id(value: object) -> object:
    # YAML reads `node: 3` as an int; API prompts key nodes by strings.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class InputRef(_Strict):
    """One input of one node of the workflow."""

    node: str
    input: str

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        return {**data, "node": _node_id(data.get("node"))} if isinstance(data, dict) else data


class OutputRef(_Strict):
    """One output slot of one node (e.g. a checkpoint loader's MODEL is slot 0)."""

    node: str
    output: int = Field(0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        return {**data, "node": _node_id(data.get("node"))} if isinstance(data, dict) else data


def check_value(param: Parameter, value: Any) -> Any:
    """``value`` made right for ``param`` (ints stay ints), or ValueError with the reason."""
    kind = param.type
    if kind in (ParamType.INT, ParamType.SEED):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
    elif kind == ParamType.FLOAT:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        value = float(value)
    elif kind == ParamType.BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
    elif kind == ParamType.CHOICE:
        if value not in (param.choices or ()):
            raise ValueError(f"{value!r} is not one of {list(param.choices or ())}")
    elif not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    elif kind == ParamType.IMAGE and not value.strip():
        raise ValueError("an image name is empty")
    if kind == ParamType.SEED and not 0 <= value <= MAX_SEED:
        raise ValueError(f"a seed is between 0 and {MAX_SEED}, got {value}")
    if kind in (ParamType.INT, ParamType.FLOAT):
        if param.min is not None and value < param.min:
            raise ValueError(f"{value} is below the minimum {param.min:g}")
        if param.max is not None and value > param.max:
            raise ValueError(f"{value} is above the maximum {param.max:g}")
        if param.step:
            base = param.min if param.min is not None else 0.0
            steps = (value - base) / param.step
            if abs(steps - round(steps)) > 1e-6:
                raise ValueError(f"{value} is not a multiple of the step {param.step:g}")
    return value


class Parameter(_Strict):
    """A value the user may set; written to every input in ``targets``."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    label: str = ""
    type: ParamType
    default: Any = None
    min: float | None = None
    max: float | None = None
    step: float | None = Field(None, gt=0)
    choices: tuple[str | int | float, ...] | None = None
    description: str = ""
    targets: tuple[InputRef, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _single_target(cls, data: Any) -> Any:
        if isinstance(data, dict) and "target" in data:
            data = dict(data)
            if "targets" in data:
                raise ValueError("give either 'target' or 'targets', not both")
            data["targets"] = [data.pop("target")]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if self.type == ParamType.CHOICE and not self.choices:
            raise ValueError("a choice parameter needs 'choices'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if self.default is not None:
            try:
                check_value(self, self.default)
            except ValueError as exc:
                raise ValueError(f"default: {exc}") from None
        return self

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class LoraSlot(_Strict):
    """Where a LoRA chain goes: after the ``model`` (and ``clip``) sources, before their
    consumers (all of them, or only the listed node ids). Without ``clip`` the chain is
    built from LoraLoaderModelOnly."""

    name: str = "main"
    model: OutputRef
    clip: OutputRef | None = None
    consumers: tuple[str, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("consumers"), list):
            data = {**data, "consumers": [_node_id(c) for c in data["consumers"]]}
        return data


class PromptTargets(_Strict):
    positive: tuple[InputRef, ...] = ()
    negative: tuple[InputRef, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _single(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {k: [v] if isinstance(v, dict) else v for k, v in data.items()}


class ImageInput(_Strict):
    """A LoadImage (or LoadImageMask) input the caller fills with an uploaded file."""

    role: ImageRole
    node: str
    input: str = "image"
    label: str = ""
    required: bool = True

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        return {**data, "node": _node_id(data.get("node"))} if isinstance(data, dict) else data


class OutputTarget(_Strict):
    """An output node; ``prefix_input`` (if any) receives the filename prefix."""

    node: str
    prefix_input: str | None = "filename_prefix"

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        return {**data, "node": _node_id(data.get("node"))} if isinstance(data, dict) else data


class Template(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str = Field(min_length=1)
    category: Category
    model_family: str = Field(min_length=1)
    description: str = ""
    preview: str | None = None
    workflow: dict[str, dict[str, Any]] = Field(min_length=1)
    parameters: tuple[Parameter, ...] = ()
    lora_slots: tuple[LoraSlot, ...] = ()
    prompts: PromptTargets = PromptTargets()
    images: tuple[ImageInput, ...] = ()
    outputs: tuple[OutputTarget, ...] = Field(min_length=1)

    _path: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _nodes_shaped(self) -> Template:
        for node_id, node in self.workflow.items():
            if not isinstance(node.get("class_type"), str):
                raise ValueError(f"workflow node {node_id!r} has no class_type")
            if not isinstance(node.get("inputs", {}), dict):
                raise ValueError(f"workflow node {node_id!r}: 'inputs' is not an object")
        return self

    @property
    def path(self) -> Path | None:
        """The file this template was read from (None when built in memory)."""
        return self._path

    @property
    def preview_path(self) -> Path | None:
        if self.preview is None or self._path is None:
            return None
        return self._path.parent / self.preview

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def image_roles(self) -> set[ImageRole]:
        return {i.role for i in self.images}


def reference_issues(t: Template) -> list[TemplateIssue]:
    """Every reference in ``t`` that names a node or input its workflow lacks."""
    issues: list[TemplateIssue] = []

    def need(field: str, node: str, input_name: str | None = None) -> None:
        body = t.workflow.get(node)
        if body is None:
            issues.append(TemplateIssue(field=field, reason=f"no node {node!r} in the workflow"))
            return
        inputs = body.get("inputs", {})
        if input_name is not None and input_name not in inputs:
            reason = f"node {node!r} ({body['class_type']}) has no input {input_name!r}"
            issues.append(TemplateIssue(field=field, reason=reason))
        elif input_name is not None and _is_link(inputs[input_name]):
            reason = f"{node}.{input_name} is a link, not a value we can set"
            issues.append(TemplateIssue(field=field, reason=reason))

    names: set[str] = set()
    for i, p in enumerate(t.parameters):
        if p.name in names:
            issues.append(TemplateIssue(field=f"parameters.{i}.name", reason="duplicate name"))
        names.add(p.name)
        for j, ref in enumerate(p.targets):
            need(f"parameters.{i}.targets.{j}", ref.node, ref.input)
    for side in ("positive", "negative"):
        for j, ref in enumerate(getattr(t.prompts, side)):
            need(f"prompts.{side}.{j}", ref.node, ref.input)
    for i, img in enumerate(t.images):
        need(f"images.{i}", img.node, img.input)
    slots: set[str] = set()
    for i, slot in enumerate(t.lora_slots):
        if slot.name in slots:
            issues.append(TemplateIssue(field=f"lora_slots.{i}.name", reason="duplicate name"))
        slots.add(slot.name)
        need(f"lora_slots.{i}.model", slot.model.node)
        if slot.clip is not None:
            need(f"lora_slots.{i}.clip", slot.clip.node)
        for j, consumer in enumerate(slot.consumers or ()):
            need(f"lora_slots.{i}.consumers.{j}", consumer)
    for i, out in enumerate(t.outputs):
        need(f"outputs.{i}", out.node, out.prefix_input)
    return issues


def _is_link(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    )


def parse_template(data: Mapping[str, Any], path: Path | None = None) -> Template:
    """A checked :class:`Template` from raw file data, or :class:`TemplateInvalid`."""
    try:
        template = Template.model_validate(dict(data))
    except ValidationError as exc:
        raise TemplateInvalid([_issue(e) for e in exc.errors()]) from None
    issues = reference_issues(template)
    if issues:
        raise TemplateInvalid(issues)
    template._path = path
    return template


def _issue(error: Mapping[str, Any]) -> TemplateIssue:
    loc = ".".join(str(p) for p in error.get("loc", ()))
    msg = str(error.get("msg", "invalid"))
    return TemplateIssue(field=loc, reason=re.sub(r"^(Value|Assertion) error, ", "", msg))
