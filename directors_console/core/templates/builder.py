"""Turns a template plus the user's choices into an API prompt ready to queue.

:class:`WorkflowBuilder` works on a deep copy of the template's workflow: it writes the
parameter values (type and range checked), the positive/negative prompts (camera-angle
tokens appended to the positive one), the uploaded images by role, the filename prefix
and the seed (fixed, random, or base + run index), and splices a LoRA chain into a LoRA
slot: the first loader takes the slot's model/clip sources, each next one the previous
loader's outputs, and every consumer of the old sources is re-pointed to the last
loader. Nothing else is removed or renamed; new node ids never collide with old ones.
Every problem found is gathered into one :class:`BuildError`.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.farm.seeds import MAX_SEED, seed_inputs

from .angles import Angle
from .model import LoraSlot, ParamType, Template, check_value
from .validate import graph_problems, is_link, prompt_problems

LORA_STRENGTH_LIMIT = 100.0  # what LoraLoader accepts


class SeedMode(StrEnum):
    FIXED = "fixed"
    RANDOM = "random"
    INCREMENT = "increment"


class BuildError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class HasReference(Protocol):
    @property
    def reference(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Lora:
    name: str
    strength_model: float = 1.0
    strength_clip: float = 1.0


@dataclass(frozen=True, slots=True)
class Prompts:
    positive: str | None = None
    negative: str | None = None


LoraLike = Lora | tuple[str, float, float] | tuple[str, float] | str
ImageValue = str | HasReference


@dataclass(frozen=True)
class BuiltWorkflow:
    prompt: dict[str, Any]
    seed: int | None
    lora_nodes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())


class WorkflowBuilder:
    """Builds API prompts from one template; optionally checked against a server."""

    def __init__(
        self,
        template: Template,
        object_info: ObjectInfo | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.template = template
        self.object_info = object_info
        self._rng = rng or random.SystemRandom()

    def build(
        self,
        values: Mapping[str, Any] | None = None,
        prompts: Prompts | Mapping[str, str | None] | None = None,
        *,
        loras: Sequence[LoraLike] | Mapping[str, Sequence[LoraLike]] = (),
        remove_loras: Sequence[str] = (),
        images: Mapping[str, ImageValue] | None = None,
        angle: Angle | None = None,
        filename_prefix: str | None = None,
        seed_mode: SeedMode | str = SeedMode.FIXED,
        run_index: int = 0,
    ) -> dict[str, Any]:
        """The API prompt (see :meth:`build_result` for the seed used and warnings)."""
        return self.build_result(
            values,
            prompts,
            loras=loras,
            remove_loras=remove_loras,
            images=images,
            angle=angle,
            filename_prefix=filename_prefix,
            seed_mode=seed_mode,
            run_index=run_index,
        ).prompt

    def build_result(
        self,
        values: Mapping[str, Any] | None = None,
        prompts: Prompts | Mapping[str, str | None] | None = None,
        *,
        loras: Sequence[LoraLike] | Mapping[str, Sequence[LoraLike]] = (),
        remove_loras: Sequence[str] = (),
        images: Mapping[str, ImageValue] | None = None,
        angle: Angle | None = None,
        filename_prefix: str | None = None,
        seed_mode: SeedMode | str = SeedMode.FIXED,
        run_index: int = 0,
    ) -> BuiltWorkflow:
        prompt: dict[str, Any] = copy.deepcopy(self.template.workflow)
        problems: list[str] = []
        warnings: list[str] = []
        for node_id in remove_loras:
            try:
                remove_lora(prompt, node_id)
            except ValueError as exc:
                problems.append(str(exc))
        self._apply_values(prompt, values or {}, problems)
        self._apply_prompts(prompt, _as_prompts(prompts), angle, problems, warnings)
        self._apply_images(prompt, images or {}, problems)
        self._apply_prefix(prompt, filename_prefix, problems)
        seed = self._apply_seed(prompt, values or {}, seed_mode, run_index, problems)
        lora_nodes = self._apply_loras(prompt, loras, problems)
        if problems:
            raise BuildError(problems)
        check = graph_problems(prompt)
        if self.object_info is not None and not check:
            check = prompt_problems(prompt, self.object_info)
        if check:
            raise BuildError([f"the built workflow is invalid: {p}" for p in check])
        return BuiltWorkflow(prompt, seed, tuple(lora_nodes), tuple(warnings))

    # --- parts ---------------------------------------------------------------------------

    def _apply_values(
        self, prompt: dict[str, Any], values: Mapping[str, Any], problems: list[str]
    ) -> None:
        for name in values:
            if self.template.parameter(name) is None:
                known = ", ".join(p.name for p in self.template.parameters) or "none"
                problems.append(f"unknown parameter {name!r} (known: {known})")
        for param in self.template.parameters:
            if param.type == ParamType.SEED:
                continue  # _apply_seed
            value = values.get(param.name, param.default)
            if value is None:
                continue
            try:
                value = check_value(param, value)
            except ValueError as exc:
                problems.append(f"{param.display_label} ({param.name}): {exc}")
                continue
            for ref in param.targets:
                prompt[ref.node]["inputs"][ref.input] = value

    def _apply_prompts(
        self,
        prompt: dict[str, Any],
        prompts: Prompts,
        angle: Angle | None,
        problems: list[str],
        warnings: list[str],
    ) -> None:
        targets = self.template.prompts
        if angle is not None or prompts.positive is not None:
            if not targets.positive:
                problems.append(f"template {self.template.id} takes no positive prompt")
            for ref in targets.positive:
                inputs = prompt[ref.node]["inputs"]
                text = prompts.positive if prompts.positive is not None else inputs[ref.input]
                inputs[ref.input] = join_prompt(str(text), angle.prompt if angle else "")
        if prompts.negative is not None:
            if not targets.negative and prompts.negative.strip():
                warnings.append(f"template {self.template.id} has no negative prompt; ignored")
            for ref in targets.negative:
                prompt[ref.node]["inputs"][ref.input] = prompts.negative

    def _apply_images(
        self, prompt: dict[str, Any], images: Mapping[str, ImageValue], problems: list[str]
    ) -> None:
        roles = {str(i.role) for i in self.template.images}
        for role in images:
            if str(role) not in roles:
                known = ", ".join(sorted(roles)) or "none"
                problems.append(f"template {self.template.id} has no {role} image (has: {known})")
        for target in self.template.images:
            given = images.get(str(target.role))
            if given is None:
                if target.required:
                    problems.append(f"an image is needed for the role {target.role}")
                continue
            name = given if isinstance(given, str) else given.reference
            if not name.strip():
                problems.append(f"the {target.role} image name is empty")
                continue
            prompt[target.node]["inputs"][target.input] = name

    def _apply_prefix(
        self, prompt: dict[str, Any], prefix: str | None, problems: list[str]
    ) -> None:
        if prefix is None:
            return
        parts = prefix.replace("\\", "/").split("/")
        if not prefix.strip() or prefix.startswith(("/", "\\")) or ".." in parts:
            problems.append(f"filename prefix {prefix!r} must be a relative name without '..'")
            return
        for out in self.template.outputs:
            if out.prefix_input is not None:
                prompt[out.node]["inputs"][out.prefix_input] = prefix

    def _apply_seed(
        self,
        prompt: dict[str, Any],
        values: Mapping[str, Any],
        mode: SeedMode | str,
        run_index: int,
        problems: list[str],
    ) -> int | None:
        try:
            mode = SeedMode(mode)
        except ValueError:
            problems.append(f"seed mode {mode!r} is not one of {[m.value for m in SeedMode]}")
            return None
        params = [p for p in self.template.parameters if p.type == ParamType.SEED]
        targets = [(r.node, r.input) for p in params for r in p.targets]
        if not params:
            targets = seed_inputs(prompt)
        if not targets:
            return None
        base: Any = next((values[p.name] for p in params if p.name in values), None)
        if base is None:
            base = next((p.default for p in params if p.default is not None), None)
        if base is None:
            node, name = targets[0]
            base = prompt[node]["inputs"][name]
        if params:
            try:
                base = check_value(params[0], base)
            except ValueError as exc:
                problems.append(f"{params[0].display_label} ({params[0].name}): {exc}")
                return None
        if mode == SeedMode.RANDOM:
            seed = self._rng.randint(0, MAX_SEED)
        elif mode == SeedMode.INCREMENT:
            seed = (int(base) + run_index) % (MAX_SEED + 1)
        else:
            seed = int(base)
        for node, name in targets:
            prompt[node]["inputs"][name] = seed
        return seed

    def _apply_loras(
        self,
        prompt: dict[str, Any],
        loras: Sequence[LoraLike] | Mapping[str, Sequence[LoraLike]],
        problems: list[str],
    ) -> list[str]:
        slots = {s.name: s for s in self.template.lora_slots}
        if isinstance(loras, Mapping):
            wanted = {str(k): list(v) for k, v in loras.items() if v}
        else:
            wanted = {self.template.lora_slots[0].name: list(loras)} if slots and loras else {}
            if loras and not slots:
                problems.append(f"template {self.template.id} has no LoRA slot")
        new_ids = NodeIds(prompt)
        added: list[str] = []
        for slot_name, chain in wanted.items():
            slot = slots.get(slot_name)
            if slot is None:
                problems.append(f"template {self.template.id} has no LoRA slot {slot_name!r}")
                continue
            parsed = [_as_lora(item, problems) for item in chain]
            if any(p is None for p in parsed) or problems:
                continue
            added += insert_lora_chain(prompt, slot, [p for p in parsed if p], new_ids)
        return added


class NodeIds:
    """Hands out node ids not used in ``prompt``: numbers above the largest numeric id."""

    def __init__(self, prompt: Mapping[str, Any]) -> None:
        self._prompt = prompt
        numeric = [int(k) for k in prompt if str(k).isdigit()]
        self._next = max(numeric, default=0) + 1

    def take(self) -> str:
        while str(self._next) in self._prompt:
            self._next += 1
        self._next += 1
        return str(self._next - 1)


def insert_lora_chain(
    prompt: dict[str, Any], slot: LoraSlot, chain: Sequence[Lora], ids: NodeIds
) -> list[str]:
    """Splice ``chain`` after the slot's sources; return the new node ids in order."""
    if not chain:
        return []
    model_src = [slot.model.node, slot.model.output]
    clip_src = [slot.clip.node, slot.clip.output] if slot.clip is not None else None
    consumers = [
        (node_id, name, value)
        for node_id, node in prompt.items()
        if slot.consumers is None or node_id in slot.consumers
        for name, value in node.get("inputs", {}).items()
        if is_link(value) and value in (model_src, clip_src)
    ]
    added: list[str] = []
    model_in: list[Any] = model_src
    clip_in: list[Any] | None = clip_src
    for i, lora in enumerate(chain, start=1):
        node_id = ids.take()
        inputs: dict[str, Any] = {
            "model": model_in,
            "lora_name": lora.name,
            "strength_model": lora.strength_model,
        }
        if clip_in is not None:
            inputs |= {"clip": clip_in, "strength_clip": lora.strength_clip}
        prompt[node_id] = {
            "class_type": "LoraLoader" if clip_in is not None else "LoraLoaderModelOnly",
            "inputs": inputs,
            "_meta": {"title": f"LoRA {i}: {lora.name}"},
        }
        model_in = [node_id, 0]
        clip_in = [node_id, 1] if clip_in is not None else None
        added.append(node_id)
    for node_id, name, value in consumers:
        prompt[node_id]["inputs"][name] = list(model_in if value == model_src else clip_in or [])
    return added


def join_prompt(text: str, extra: str) -> str:
    """``text`` with ``extra`` appended as one more comma-separated phrase."""
    text, extra = text.strip(), extra.strip()
    if not extra:
        return text
    if not text:
        return extra
    return f"{text.rstrip(',. ')}, {extra}"


def _as_prompts(prompts: Prompts | Mapping[str, str | None] | None) -> Prompts:
    if prompts is None:
        return Prompts()
    if isinstance(prompts, Prompts):
        return prompts
    return Prompts(prompts.get("positive"), prompts.get("negative"))


def _as_lora(item: LoraLike, problems: list[str]) -> Lora | None:
    if isinstance(item, str):
        item = Lora(item)
    elif isinstance(item, tuple):
        item = Lora(*item)
    if not item.name.strip():
        problems.append("a LoRA has no file name")
        return None
    for label, value in (("model", item.strength_model), ("clip", item.strength_clip)):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or abs(value) > LORA_STRENGTH_LIMIT:
            problems.append(f"LoRA {item.name}: {label} strength {value!r} is not in ±100")
            return None
    return item


LORA_LOADERS = {"LoraLoader": ("model", "clip"), "LoraLoaderModelOnly": ("model",)}


def remove_lora(prompt: dict[str, Any], node_id: str) -> None:
    """Take a LoRA loader out of a workflow: whatever read its MODEL (and CLIP) output
    reads the loader's own model (and clip) source instead; then the node goes."""
    node = prompt.get(node_id)
    if not isinstance(node, dict) or node.get("class_type") not in LORA_LOADERS:
        raise ValueError(f"node {node_id!r} is not a LoRA loader in this workflow")
    sources: dict[int, Any] = {}
    for slot, name in enumerate(LORA_LOADERS[node["class_type"]]):
        link = node.get("inputs", {}).get(name)
        if not (isinstance(link, list) and len(link) == 2):
            raise ValueError(f"LoRA loader {node_id!r} has no {name} input to pass through")
        sources[slot] = list(link)
    for other_id, other in prompt.items():
        if other_id == node_id or not isinstance(other, dict):
            continue
        for key, value in other.get("inputs", {}).items():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) == node_id:
                if value[1] not in sources:
                    raise ValueError(f"node {other_id!r} reads output {value[1]} of {node_id!r}")
                other["inputs"][key] = list(sources[value[1]])
    del prompt[node_id]
