"""A template draft: what an imported workflow lets a template set, before it is saved.

:class:`TemplateDraft` holds the workflow (API format) and every
:class:`DetectedParameter` with its suggested label and whether it is exposed; it is
edited by returning changed copies (:meth:`~TemplateDraft.expose`, ``hide``, ``rename``)
and becomes a checked :class:`~.model.Template` with :meth:`~TemplateDraft.to_template`:
exposed settings become parameters, exposed prompts the prompt targets, exposed images
the image inputs by role; hidden ones keep their values in the workflow.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from .inspector import PromptInspection
from .model import (
    Category,
    ImageRole,
    LoraSlot,
    OutputTarget,
    ParamType,
    Template,
    parse_template,
)


class WorkflowImportError(ValueError):
    """A workflow that cannot become a template; the text says why and what to do."""


class DetectedKind(StrEnum):
    SETTING = "setting"
    SIZE = "size"
    MODEL = "model"
    LORA = "lora"
    PROMPT = "prompt"
    IMAGE = "image"
    FILE = "file"
    PREFIX = "prefix"


@dataclass(frozen=True)
class DetectedParameter:
    """Something of the workflow a template could let the user set."""

    name: str
    label: str
    kind: DetectedKind
    type: ParamType
    default: Any
    targets: tuple[tuple[str, str], ...]  # (node, input)
    exposed: bool
    choices: tuple[str | int | float, ...] | None = None
    min: float | None = None
    max: float | None = None
    image_role: ImageRole | None = None
    side: Literal["positive", "negative"] | None = None


@dataclass(frozen=True)
class TemplateDraft:
    id: str
    name: str
    category: Category
    model_family: str
    workflow: dict[str, dict[str, Any]]
    parameters: tuple[DetectedParameter, ...]
    lora_slots: tuple[LoraSlot, ...]
    outputs: tuple[OutputTarget, ...]
    inspection: PromptInspection
    description: str = ""
    notes: tuple[str, ...] = ()

    def parameter(self, name: str) -> DetectedParameter:
        found = next((p for p in self.parameters if p.name == name), None)
        if found is None:
            have = ", ".join(p.name for p in self.parameters) or "none"
            raise WorkflowImportError(f"no detected parameter {name!r} (detected: {have})")
        return found

    def _with(self, target: str, **changes: Any) -> TemplateDraft:
        self.parameter(target)
        params = tuple(
            dataclasses.replace(p, **changes) if p.name == target else p for p in self.parameters
        )
        return dataclasses.replace(self, parameters=params)

    def expose(self, *names: str) -> TemplateDraft:
        draft = self
        for name in names:
            draft = draft._with(name, exposed=True)
        return draft

    def hide(self, *names: str) -> TemplateDraft:
        draft = self
        for name in names:
            draft = draft._with(name, exposed=False)
        return draft

    def rename(
        self, name: str, *, label: str | None = None, new_name: str | None = None
    ) -> TemplateDraft:
        changes: dict[str, Any] = {}
        if label is not None:
            changes["label"] = label
        if new_name is not None and new_name != name:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", new_name):
                raise WorkflowImportError(
                    f"{new_name!r} is not a parameter name (letters, digits, _)"
                )
            if any(p.name == new_name for p in self.parameters):
                raise WorkflowImportError(f"a parameter is already named {new_name!r}")
            changes["name"] = new_name
        return self._with(name, **changes)

    def to_template(self) -> Template:
        """The template this draft saves as (checked); TemplateInvalid says what is wrong."""
        return parse_template(self._template_data(self.workflow))

    def _template_data(self, workflow: Any) -> dict[str, Any]:
        params: list[dict[str, Any]] = []
        prompts: dict[str, list[dict[str, str]]] = {}
        images: list[dict[str, Any]] = []
        for p in self.parameters:
            if not p.exposed:
                continue
            targets = [{"node": n, "input": i} for n, i in p.targets]
            if p.kind is DetectedKind.PROMPT and p.side is not None:
                prompts.setdefault(p.side, []).extend(targets)
            elif p.kind is DetectedKind.IMAGE and p.image_role is not None:
                node, input_name = p.targets[0]
                images.append(
                    {
                        "role": p.image_role.value,
                        "node": node,
                        "input": input_name,
                        "label": p.label,
                    }
                )
            else:
                param: dict[str, Any] = {"name": p.name, "label": p.label, "type": p.type.value}
                for key in ("default", "min", "max"):
                    if getattr(p, key) is not None:
                        param[key] = getattr(p, key)
                if p.choices is not None:
                    param["choices"] = list(p.choices)
                param["targets"] = targets
                params.append(param)
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "category": self.category.value,
            "model_family": self.model_family,
        }
        if self.description:
            data["description"] = self.description
        data["workflow"] = workflow
        data["parameters"] = params
        if prompts:
            data["prompts"] = prompts
        if images:
            data["images"] = images
        if self.lora_slots:
            data["lora_slots"] = [
                s.model_dump(mode="json", exclude_none=True) for s in self.lora_slots
            ]
        data["outputs"] = [o.model_dump(mode="json") for o in self.outputs]
        return data
