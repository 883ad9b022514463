"""What an API prompt uses and where its settings live, read once into typed results.

:func:`inspect_prompt` lists the model files by kind (LoRAs with their strengths), the node
classes and which of them are not part of ComfyUI itself, the output nodes, the samplers in
the order the server runs them (for phase progress), the loaded images and the prompt
texts that reach each sampler's positive and negative inputs, followed back through the
conditioning nodes between them. With the server's ``object_info`` the answers are exact;
without it they are read from class and input names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.farm.requirements import is_model_file

CORE_MODULES = ("nodes", "comfy_extras", "comfy_api_nodes")
KNOWN_SAMPLERS = frozenset(
    {"KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced"}
)
# Sampler inputs whose values live on the node they link to (the custom-sampling nodes).
SAMPLER_LINKS = ("noise", "guider", "sampler", "sigmas")
SAMPLER_SETTINGS = ("seed", "noise_seed", "steps", "cfg", "sampler_name", "scheduler", "denoise")
TEXT_INPUTS = frozenset(
    {"text", "prompt", "text_g", "text_l", "clip_l", "t5xxl", "positive", "negative"}
)
CONDITIONING_INPUTS = frozenset(
    {"conditioning", "conditioning_1", "conditioning_2", "conditioning_to",
     "conditioning_from", "cond", "positive", "negative"}
)  # fmt: skip
FILE_LOADERS: Mapping[str, str] = {
    "LoadImage": "image",
    "LoadImageMask": "image",
    "LoadImageOutput": "image",
    "LoadVideo": "file",
    "VHS_LoadVideo": "video",
    "LoadAudio": "audio",
}
UPLOAD_OPTIONS = ("image_upload", "video_upload", "audio_upload")
NO_TEXT = frozenset({"ConditioningZeroOut"})  # conditioning made empty: no prompt behind it
OUTPUT_GUESSES = frozenset({"VHS_VideoCombine"})

Side = Literal["positive", "negative"]
Origin = Literal["core", "custom", "missing", "unknown"]
SIDES: Mapping[str, Side] = {"positive": "positive", "negative": "negative"}
DIRECT_PROMPTS: Mapping[str, Side] = {"prompt": "positive", "negative_prompt": "negative"}


class ModelKind(StrEnum):
    CHECKPOINT = "checkpoint"
    UNET = "unet"
    VAE = "vae"
    CLIP = "clip"
    LORA = "lora"
    CONTROLNET = "controlnet"
    UPSCALER = "upscaler"
    CLIP_VISION = "clip_vision"
    STYLE_MODEL = "style_model"
    OTHER = "other"


_KIND_BY_INPUT: Mapping[str, ModelKind] = {
    "ckpt_name": ModelKind.CHECKPOINT,
    "unet_name": ModelKind.UNET,
    "vae_name": ModelKind.VAE,
    "clip_name": ModelKind.CLIP,
    "clip_name1": ModelKind.CLIP,
    "clip_name2": ModelKind.CLIP,
    "clip_name3": ModelKind.CLIP,
    "clip_name4": ModelKind.CLIP,
    "lora_name": ModelKind.LORA,
    "control_net_name": ModelKind.CONTROLNET,
    "clip_vision_name": ModelKind.CLIP_VISION,
    "style_model_name": ModelKind.STYLE_MODEL,
}


@dataclass(frozen=True, slots=True)
class ValueRef:
    """One plain (not linked) input value of one node."""

    node: str
    class_type: str
    input: str
    value: Any


@dataclass(frozen=True, slots=True)
class ModelFile:
    kind: ModelKind
    file: str
    node: str
    class_type: str
    input: str
    strength_model: float | None = None  # LoRAs only
    strength_clip: float | None = None


@dataclass(frozen=True, slots=True)
class NodeClassUse:
    class_type: str
    nodes: tuple[str, ...]
    origin: Origin  # unknown: no object_info to tell; missing: the server lacks it
    module: str | None = None

    @property
    def is_core(self) -> bool:
        return self.origin == "core"


@dataclass(frozen=True, slots=True)
class OutputNode:
    node: str
    class_type: str
    prefix: ValueRef | None = None  # its filename_prefix, when it has one


@dataclass(frozen=True, slots=True)
class SamplerNode:
    node: str
    class_type: str
    settings: Mapping[str, ValueRef]  # seed, steps, cfg... wherever each one is set


@dataclass(frozen=True, slots=True)
class LoadedFile:
    node: str
    class_type: str
    input: str
    file: str
    # (consumer node id, consumer class, input name) of every input the file feeds
    feeds: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PromptText:
    side: Side
    sampler: str  # the sampler it reaches (or the node that takes the text itself)
    ref: ValueRef


@dataclass(frozen=True)
class PromptInspection:
    node_classes: tuple[NodeClassUse, ...]
    models: tuple[ModelFile, ...]
    outputs: tuple[OutputNode, ...]
    samplers: tuple[SamplerNode, ...]  # in execution order
    loaded_files: tuple[LoadedFile, ...]
    prompts: tuple[PromptText, ...]
    exact: bool  # read with an object_info

    @property
    def not_core(self) -> tuple[NodeClassUse, ...]:
        """Classes not shipped with ComfyUI, or that cannot be told apart without a server."""
        return tuple(c for c in self.node_classes if not c.is_core)

    def models_of(self, kind: ModelKind) -> tuple[ModelFile, ...]:
        return tuple(m for m in self.models if m.kind == kind)

    @property
    def loras(self) -> tuple[ModelFile, ...]:
        return self.models_of(ModelKind.LORA)

    def prompts_of(self, side: Side) -> tuple[PromptText, ...]:
        return tuple(p for p in self.prompts if p.side == side)


def python_modules(raw_object_info: Mapping[str, Any]) -> dict[str, str]:
    """Class name -> ``python_module`` of a raw ``/object_info`` document."""
    out: dict[str, str] = {}
    for name, body in raw_object_info.items():
        if isinstance(body, Mapping) and isinstance(body.get("python_module"), str):
            out[str(name)] = body["python_module"]
    return out


def is_link(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str | int)
        and isinstance(value[1], int)
    )


def inspect_prompt(
    prompt: Mapping[str, Any],
    object_info: ObjectInfo | Mapping[str, Any] | None = None,
    modules: Mapping[str, str] | None = None,
) -> PromptInspection:
    """Read ``prompt`` (API format). ``object_info`` may be parsed or the raw document;
    ``modules`` (see :func:`python_modules`) tells core classes from custom ones when only
    a parsed ObjectInfo is given."""
    if object_info is not None and not isinstance(object_info, ObjectInfo):
        modules = {**python_modules(object_info), **(modules or {})}
        object_info = ObjectInfo.parse(object_info)
    return _Inspector(prompt, object_info, modules or {}).run()


class _Inspector:
    def __init__(
        self, prompt: Mapping[str, Any], info: ObjectInfo | None, modules: Mapping[str, str]
    ) -> None:
        self.info = info
        self.modules = modules
        self.nodes: dict[str, tuple[str, Mapping[str, Any]]] = {}
        for node_id, body in prompt.items():
            if isinstance(body, Mapping) and isinstance(body.get("class_type"), str):
                inputs = body.get("inputs")
                self.nodes[str(node_id)] = (
                    body["class_type"],
                    inputs if isinstance(inputs, Mapping) else {},
                )

    def run(self) -> PromptInspection:
        outputs = tuple(self._outputs())
        order = self._execution_order({o.node for o in outputs})
        samplers = tuple(self._sampler(n) for n in order if self._is_sampler(n))
        prompts: dict[tuple[Side, str, str], PromptText] = {}
        for sampler in samplers:
            for text in self._prompts_of(sampler.node):
                prompts.setdefault((text.side, text.ref.node, text.ref.input), text)
        for text in self._direct_prompts(order):
            prompts.setdefault((text.side, text.ref.node, text.ref.input), text)
        return PromptInspection(
            node_classes=self._classes(),
            models=tuple(self._models()),
            outputs=outputs,
            samplers=samplers,
            loaded_files=tuple(self._loaded_files()),
            prompts=tuple(prompts.values()),
            exact=self.info is not None,
        )

    # --- classes and models -----------------------------------------------------------

    def _classes(self) -> tuple[NodeClassUse, ...]:
        by_class: dict[str, list[str]] = {}
        for node_id, (class_type, _) in self.nodes.items():
            by_class.setdefault(class_type, []).append(node_id)
        uses = []
        for class_type, ids in sorted(by_class.items()):
            module = self.modules.get(class_type)
            origin: Origin
            if self.info is not None and class_type not in self.info:
                origin = "missing"
            elif module is not None:
                core = module.split(".")[0] in CORE_MODULES
                origin = "core" if core else "custom"
            else:
                origin = "unknown"
            uses.append(NodeClassUse(class_type, tuple(sorted(ids, key=_id_key)), origin, module))
        return tuple(uses)

    def _models(self) -> Iterator[ModelFile]:
        for node_id, (class_type, inputs) in sorted(self.nodes.items(), key=_item_key):
            for name, value in inputs.items():
                if not isinstance(value, str) or not is_model_file(value):
                    continue
                kind = _KIND_BY_INPUT.get(name, ModelKind.OTHER)
                if name == "model_name" and "Upscale" in class_type:
                    kind = ModelKind.UPSCALER
                elif kind is ModelKind.CLIP and "CLIPVision" in class_type:
                    kind = ModelKind.CLIP_VISION
                if kind is ModelKind.LORA:
                    yield ModelFile(
                        kind, value, node_id, class_type, name,
                        _number(inputs.get("strength_model")),
                        _number(inputs.get("strength_clip")),
                    )  # fmt: skip
                else:
                    yield ModelFile(kind, value, node_id, class_type, name)

    # --- outputs and execution order --------------------------------------------------

    def _outputs(self) -> Iterator[OutputNode]:
        for node_id, (class_type, inputs) in sorted(self.nodes.items(), key=_item_key):
            node_class = self.info.get(class_type) if self.info is not None else None
            if node_class is not None:
                is_output = node_class.output_node
            else:
                is_output = class_type.startswith(("Save", "Preview")) or (
                    class_type in OUTPUT_GUESSES
                )
            if not is_output:
                continue
            prefix = inputs.get("filename_prefix")
            ref = (
                ValueRef(node_id, class_type, "filename_prefix", prefix)
                if isinstance(prefix, str)
                else None
            )
            yield OutputNode(node_id, class_type, ref)

    def _links(self, node_id: str) -> Iterator[tuple[str, str, int]]:
        """(input name, source node, source slot) of every link into ``node_id``."""
        _, inputs = self.nodes[node_id]
        for name, value in inputs.items():
            if is_link(value) and str(value[0]) in self.nodes:
                yield name, str(value[0]), int(value[1])

    def _execution_order(self, outputs: set[str]) -> list[str]:
        """Nodes the outputs need, dependencies first, ties by node id (as ComfyUI does
        closely enough for phase progress). Without outputs: every node."""
        wanted = set(outputs) if outputs else set(self.nodes)
        stack = list(wanted)
        while stack:
            for _, source, _ in self._links(stack.pop()):
                if source not in wanted:
                    wanted.add(source)
                    stack.append(source)
        order: list[str] = []
        done: set[str] = set()
        for start in sorted(wanted, key=_id_key):
            self._visit(start, done, order)
        return order

    def _visit(self, start: str, done: set[str], order: list[str]) -> None:
        # Depth-first, dependencies first, without recursion; a cycle is cut where it closes.
        stack: list[tuple[str, Iterator[str]]] = []
        on_path: set[str] = set()

        def push(node: str) -> None:
            sources = sorted({s for _, s, _ in self._links(node)}, key=_id_key)
            stack.append((node, iter(sources)))
            on_path.add(node)

        if start in done:
            return
        push(start)
        while stack:
            node, sources = stack[-1]
            nxt = next((s for s in sources if s not in done and s not in on_path), None)
            if nxt is not None:
                push(nxt)
                continue
            stack.pop()
            on_path.discard(node)
            done.add(node)
            order.append(node)

    # --- samplers and prompts ---------------------------------------------------------

    def _is_sampler(self, node_id: str) -> bool:
        class_type, _ = self.nodes[node_id]
        if class_type in KNOWN_SAMPLERS:
            return True
        if "Sampler" not in class_type or class_type.endswith("Select"):
            return False
        node_class = self.info.get(class_type) if self.info is not None else None
        if node_class is not None:
            return "LATENT" in node_class.outputs
        return not class_type.startswith("Sampler")  # SamplerEulerAncestral & co make SAMPLERs

    def _sampler(self, node_id: str) -> SamplerNode:
        class_type, inputs = self.nodes[node_id]
        settings: dict[str, ValueRef] = {}
        sources = [(node_id, class_type, inputs)]
        for name, source, _ in self._links(node_id):
            if name in SAMPLER_LINKS:
                sources.append((source, *self.nodes[source]))
        for source_id, source_class, source_inputs in sources:
            for key in SAMPLER_SETTINGS:
                value = source_inputs.get(key)
                if key not in settings and _is_plain(value):
                    settings[key] = ValueRef(source_id, source_class, key, value)
        return SamplerNode(node_id, class_type, settings)

    def _prompts_of(self, sampler: str) -> Iterator[PromptText]:
        starts: list[tuple[Side, str, int]] = []
        for name, source, slot in self._links(sampler):
            side = SIDES.get(name)
            if side is not None:
                starts.append((side, source, slot))
            elif name == "guider":
                for gname, gsource, gslot in self._links(source):
                    gside = SIDES.get(gname)
                    if gside is not None:
                        starts.append((gside, gsource, gslot))
                    elif gname in ("conditioning", "cond"):
                        starts.append(("positive", gsource, gslot))
        for side, source, slot in starts:
            for ref in self._texts_from(source, slot, set()):
                yield PromptText(side, sampler, ref)

    def _texts_from(self, node_id: str, slot: int, seen: set[str]) -> Iterator[ValueRef]:
        if node_id in seen:
            return
        seen.add(node_id)
        class_type, inputs = self.nodes[node_id]
        if class_type in NO_TEXT:
            return
        texts = [(k, v) for k, v in inputs.items() if k in TEXT_INPUTS and not _is_cond(k, v)]
        if "Encode" in class_type and texts:
            for name, value in texts:
                if isinstance(value, str):
                    yield ValueRef(node_id, class_type, name, value)
                elif is_link(value) and str(value[0]) in self.nodes:
                    yield from self._text_source(str(value[0]))
            return
        follow = self._conditioning_inputs(node_id, slot)
        for name, source, source_slot in self._links(node_id):
            if name in follow:
                yield from self._texts_from(source, source_slot, seen)

    def _direct_prompts(self, order: list[str]) -> Iterator[PromptText]:
        """Prompts typed into generating nodes themselves (API nodes, video models)."""
        for node_id in order:
            class_type, inputs = self.nodes[node_id]
            if "Encode" in class_type or "Primitive" in class_type or "String" in class_type:
                continue
            for name, side in DIRECT_PROMPTS.items():
                if isinstance(inputs.get(name), str):
                    yield PromptText(
                        side, node_id, ValueRef(node_id, class_type, name, inputs[name])
                    )

    def _text_source(self, node_id: str) -> Iterator[ValueRef]:
        # A text typed in a primitive/string node and linked into the encoder.
        class_type, inputs = self.nodes[node_id]
        for name in ("value", "string", "text", "prompt"):
            if isinstance(inputs.get(name), str):
                yield ValueRef(node_id, class_type, name, inputs[name])
                return

    def _conditioning_inputs(self, node_id: str, slot: int) -> set[str]:
        """The inputs of ``node_id`` that its output ``slot`` carries conditioning from."""
        class_type, inputs = self.nodes[node_id]
        node_class = self.info.get(class_type) if self.info is not None else None
        if node_class is not None:
            names = node_class.output_names
            out_name = names[slot].lower() if slot < len(names) else ""
            if out_name in ("positive", "negative") and out_name in inputs:
                return {out_name}
            return {n for n, spec in node_class.inputs.items() if spec.type == "CONDITIONING"}
        if "positive" in inputs and "negative" in inputs:
            return {"positive"} if slot == 0 else {"negative"} if slot == 1 else set()
        return set(CONDITIONING_INPUTS)

    # --- loaded files -----------------------------------------------------------------

    def _loaded_files(self) -> Iterator[LoadedFile]:
        for node_id, (class_type, inputs) in sorted(self.nodes.items(), key=_item_key):
            name = self._file_input(class_type)
            if name is None or not isinstance(inputs.get(name), str):
                continue
            yield LoadedFile(node_id, class_type, name, inputs[name], tuple(self._feeds(node_id)))

    def _file_input(self, class_type: str) -> str | None:
        if class_type in FILE_LOADERS:
            return FILE_LOADERS[class_type]
        node_class = self.info.get(class_type) if self.info is not None else None
        if node_class is None:
            return None
        for name, spec in node_class.inputs.items():
            if any(spec.option(o, False) for o in UPLOAD_OPTIONS):
                return name
        return None

    def _feeds(self, source: str) -> Iterator[tuple[str, str, str]]:
        for node_id in sorted(self.nodes, key=_id_key):
            for name, link_source, _ in self._links(node_id):
                if link_source == source:
                    yield node_id, self.nodes[node_id][0], name


def _is_cond(name: str, value: object) -> bool:
    # positive/negative are texts on some encoders and conditioning links on others
    return name in ("positive", "negative") and not isinstance(value, str) and is_link(value)


def _is_plain(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _id_key(node_id: str) -> tuple[int, ...]:
    parts = node_id.split(":")
    return tuple(int(p) if p.isdigit() else -1 for p in parts)


def _item_key(item: tuple[str, Any]) -> tuple[tuple[int, ...], str]:
    return _id_key(item[0]), item[0]
