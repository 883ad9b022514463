"""Searchable generation settings from a ComfyUI API prompt graph.

A graph is ``{node_id: {"class_type": ..., "inputs": {...}}}`` where a linked input is
``[source_id, output_index]``. We find the sampler nodes (KSampler, KSamplerAdvanced,
SamplerCustom, SamplerCustomAdvanced and anything else that samples), pick the base
pass, and follow links backwards through whatever sits in between:

- ``model`` through LoRA loaders, ModelSampling*, reroutes... to the checkpoint/UNET
  loader, collecting LoRAs on the way;
- ``positive``/``negative`` conditioning through ConditioningCombine, ControlNetApply,
  guiders... to the text-encode nodes (whose text may itself be a link to a string node);
- seed, steps, cfg, sampler and scheduler, which may be links to primitive nodes or,
  for SamplerCustomAdvanced, live in RandomNoise / KSamplerSelect / BasicScheduler /
  CFGGuider nodes.

Unknown shapes give ``None`` fields, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_MAX_DEPTH = 64
_LOADER_KEYS = ("ckpt_name", "unet_name", "model_name", "model_path")
_TEXT_KEYS = ("text", "text_g", "text_l", "clip_l", "t5xxl", "prompt", "string", "value")
_SEED_KEYS = ("seed", "noise_seed", "value", "int", "number")
#: Inputs that never carry conditioning text; not followed when looking for prompts.
_NOT_CONDITIONING = frozenset(
    {
        "clip", "model", "vae", "image", "images", "pixels", "mask", "control_net",
        "latent", "latent_image", "samples", "upscale_model", "clip_vision", "style_model",
        "clip_vision_output", "noise", "sampler", "sigmas", "unet",
    }
)  # fmt: skip


@dataclass(slots=True)
class GenerationInfo:
    positive: str | None = None
    negative: str | None = None
    seed: int | None = None
    model: str | None = None
    loras: list[str] = field(default_factory=list)
    sampler: str | None = None
    scheduler: str | None = None
    steps: int | None = None
    cfg: float | None = None
    width: int | None = None
    height: int | None = None


Graph = Mapping[str, Any]


def _node(graph: Graph, ref: Any) -> tuple[str, Mapping[str, Any]] | None:
    if isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], str | int):
        node = graph.get(str(ref[0]))
        if isinstance(node, dict) and isinstance(node.get("inputs"), dict):
            return str(ref[0]), node
    return None


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int)


def _inputs(node: Mapping[str, Any]) -> Mapping[str, Any]:
    inputs = node.get("inputs")
    return inputs if isinstance(inputs, dict) else {}


def _ctype(node: Mapping[str, Any]) -> str:
    value = node.get("class_type")
    return value if isinstance(value, str) else ""


def resolve(graph: Graph, value: Any, keys: tuple[str, ...], depth: int = 0) -> Any:
    """A scalar input's value, following links to primitive/utility nodes."""
    if not _is_link(value):
        return value
    if depth > _MAX_DEPTH:
        return None
    found = _node(graph, value)
    if found is None:
        return None
    inputs = _inputs(found[1])
    for key in keys:
        if key in inputs:
            return resolve(graph, inputs[key], keys, depth + 1)
    scalars = [v for v in inputs.values() if not isinstance(v, list | dict)]
    return scalars[0] if len(scalars) == 1 else None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def is_sampler(node: Mapping[str, Any]) -> bool:
    ctype = _ctype(node).lower()
    if "sampler" not in ctype or ctype.endswith("select"):
        return False
    inputs = node.get("inputs")
    if not isinstance(inputs, dict):
        return False
    return any(k in inputs for k in ("positive", "guider", "conditioning", "latent_image"))


def find_samplers(graph: Graph) -> list[str]:
    """Sampler node ids, base pass first (full denoise, then lowest numeric id)."""
    ids = [nid for nid, node in graph.items() if isinstance(node, dict) and is_sampler(node)]

    def order(nid: str) -> tuple[int, int, str]:
        denoise = _as_float(_inputs(graph[nid]).get("denoise"))
        partial = 1 if denoise is not None and denoise < 1.0 else 0
        number = _as_int(nid)
        return (partial, number if number is not None else 1 << 62, nid)

    return sorted(ids, key=order)


def _trace_model(graph: Graph, ref: Any, info: GenerationInfo) -> None:
    seen: set[str] = set()
    frontier = [ref]
    while frontier and len(seen) < _MAX_DEPTH * 4:
        found = _node(graph, frontier.pop())
        if found is None or found[0] in seen:
            continue
        nid, node = found
        seen.add(nid)
        inputs = _inputs(node)
        lora = inputs.get("lora_name")
        if isinstance(lora, str) and lora not in info.loras:
            info.loras.append(lora)
        for value in inputs.values():  # Power Lora Loader style {"on":..,"lora":..}
            if (
                isinstance(value, dict)
                and isinstance(value.get("lora"), str)
                and value.get("on", True)
                and value["lora"] not in info.loras
            ):
                info.loras.append(value["lora"])
        for key in _LOADER_KEYS:
            if key not in inputs:
                continue
            name = _as_str(resolve(graph, inputs[key], (key, "value")))
            if name and "upscale" not in _ctype(node).lower():
                info.model = info.model or name
                return
        if "model" in inputs:
            frontier.append(inputs["model"])
        else:
            frontier.extend(v for v in inputs.values() if _is_link(v))


def trace_text(graph: Graph, ref: Any) -> str | None:
    """The prompt text behind a conditioning link, joined if several encoders feed it."""
    texts: list[str] = []
    seen: set[tuple[str, int]] = set()
    stack = [ref]
    while stack and len(seen) < _MAX_DEPTH * 8:
        link = stack.pop()
        found = _node(graph, link)
        if found is None:
            continue
        nid, node = found
        slot = _as_int(link[1]) or 0
        if (nid, slot) in seen:
            continue
        seen.add((nid, slot))
        inputs = _inputs(node)
        ctype = _ctype(node).lower()
        if "textencode" in ctype or "text_encode" in ctype or "cliptext" in ctype:
            for key in _TEXT_KEYS:
                if key not in inputs:
                    continue
                text = _as_str(resolve(graph, inputs[key], _TEXT_KEYS))
                if text and text not in texts:
                    texts.append(text)
            continue
        # A node with both positive and negative (ControlNetApplyAdvanced, guiders...)
        # passes output 0 on from positive and output 1 from negative.
        if "positive" in inputs and "negative" in inputs:
            stack.append(inputs["negative"] if slot == 1 else inputs["positive"])
            continue
        links = [v for k, v in inputs.items() if _is_link(v) and k.lower() not in _NOT_CONDITIONING]
        stack.extend(reversed(links))
    return " ".join(texts) if texts else None


def analyse(graph: Graph) -> GenerationInfo:
    """Everything we can tell about how this graph makes its image."""
    info = GenerationInfo()
    samplers = find_samplers(graph)
    if not samplers:
        return info
    base = _inputs(graph[samplers[0]])
    info.seed = _as_int(resolve(graph, base.get("seed", base.get("noise_seed")), _SEED_KEYS))
    info.steps = _as_int(resolve(graph, base.get("steps"), ("steps", "value", "int")))
    info.cfg = _as_float(resolve(graph, base.get("cfg"), ("cfg", "value", "float")))
    info.sampler = _as_str(resolve(graph, base.get("sampler_name"), ("sampler_name", "value")))
    info.scheduler = _as_str(resolve(graph, base.get("scheduler"), ("scheduler", "value")))
    positive, negative, model = base.get("positive"), base.get("negative"), base.get("model")
    _custom_parts(graph, base, info)
    guider = _node(graph, base.get("guider"))
    if guider is not None:
        g = _inputs(guider[1])
        positive = g.get("positive", g.get("conditioning"))
        negative = g.get("negative")
        model = g.get("model")
        if info.cfg is None:
            info.cfg = _as_float(resolve(graph, g.get("cfg"), ("cfg", "value")))
    if positive is None and "conditioning" in base:
        positive = base.get("conditioning")
    info.positive = trace_text(graph, positive)
    info.negative = trace_text(graph, negative)
    _trace_model(graph, model, info)
    latent = _node(graph, base.get("latent_image"))
    if latent is not None:
        li = _inputs(latent[1])
        info.width = _as_int(resolve(graph, li.get("width"), ("width", "value", "int")))
        info.height = _as_int(resolve(graph, li.get("height"), ("height", "value", "int")))
    return info


def _custom_parts(graph: Graph, base: Mapping[str, Any], info: GenerationInfo) -> None:
    """SamplerCustom(Advanced): settings live in noise / sampler / sigmas nodes."""
    noise = _node(graph, base.get("noise"))
    if noise is not None and info.seed is None:
        info.seed = _as_int(resolve(graph, _inputs(noise[1]).get("noise_seed"), _SEED_KEYS))
    sampler = _node(graph, base.get("sampler"))
    if sampler is not None and info.sampler is None:
        value = resolve(graph, _inputs(sampler[1]).get("sampler_name"), ("sampler_name", "value"))
        info.sampler = _as_str(value) or _ctype(sampler[1]) or None
    sigmas = _node(graph, base.get("sigmas"))
    if sigmas is not None:
        si = _inputs(sigmas[1])
        if info.scheduler is None:
            info.scheduler = _as_str(resolve(graph, si.get("scheduler"), ("scheduler", "value")))
            info.scheduler = info.scheduler or _ctype(sigmas[1]) or None
        if info.steps is None:
            info.steps = _as_int(resolve(graph, si.get("steps"), ("steps", "value", "int")))
