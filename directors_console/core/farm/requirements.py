"""What a job needs from a server, and whether a server has it.

A job's requirements are read from its API prompt: every node class it uses and
every model file it names (any string input ending in a model extension, e.g.
``ckpt_name: "flux1-dev.safetensors"``). A server's capabilities are its
object_info (node classes; loaders list the model files present as combo options)
plus, where a loader lists nothing, its ``/models/<folder>`` lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from directors_console.core.comfy.object_info import ObjectInfo

MODEL_EXTENSIONS = (
    ".safetensors",
    ".ckpt",
    ".pt",
    ".pth",
    ".bin",
    ".gguf",
    ".sft",
    ".onnx",
    ".pkl",
)

# Which model folder a loader input reads from, for servers whose combo lists are empty
# or remote (the file must then be in /models/<folder>).
INPUT_FOLDERS: Mapping[str, str] = {
    "ckpt_name": "checkpoints",
    "lora_name": "loras",
    "vae_name": "vae",
    "unet_name": "diffusion_models",
    "clip_name": "text_encoders",
    "clip_name1": "text_encoders",
    "clip_name2": "text_encoders",
    "clip_name3": "text_encoders",
    "control_net_name": "controlnet",
    "model_name": "upscale_models",
    "style_model_name": "style_models",
    "clip_vision_name": "clip_vision",
}


@dataclass(frozen=True, slots=True, order=True)
class ModelNeed:
    file: str
    class_type: str
    input_name: str

    def describe(self) -> str:
        return f"{self.file} ({self.class_type}.{self.input_name})"


@dataclass(frozen=True)
class Requirements:
    class_types: frozenset[str] = frozenset()
    models: frozenset[ModelNeed] = frozenset()

    @property
    def model_files(self) -> frozenset[str]:
        return frozenset(m.file for m in self.models)


def is_model_file(value: str) -> bool:
    return value.lower().endswith(MODEL_EXTENSIONS)


def requirements_of(prompt: Mapping[str, Any]) -> Requirements:
    """Read the node classes and model files an API-format prompt needs."""
    classes: set[str] = set()
    models: set[ModelNeed] = set()
    for node in prompt.values():
        if not isinstance(node, Mapping):
            continue
        class_type = node.get("class_type")
        if not isinstance(class_type, str):
            continue
        classes.add(class_type)
        inputs = node.get("inputs")
        if not isinstance(inputs, Mapping):
            continue
        for name, value in inputs.items():
            if isinstance(value, str) and is_model_file(value):
                models.add(ModelNeed(value, class_type, str(name)))
    return Requirements(frozenset(classes), frozenset(models))


@dataclass(frozen=True)
class Capabilities:
    """What one server can run."""

    object_info: ObjectInfo = field(default_factory=ObjectInfo)
    models: Mapping[str, frozenset[str]] = field(default_factory=dict)  # folder -> files

    def has_model(self, need: ModelNeed) -> bool:
        options = self.object_info.combo_options(need.class_type, need.input_name)
        if options and need.file in options:
            return True
        folder = INPUT_FOLDERS.get(need.input_name)
        if folder is not None and need.file in self.models.get(folder, frozenset()):
            return True
        # Last resort: the file is in any folder the server listed.
        return any(need.file in files for files in self.models.values())

    def missing(self, req: Requirements) -> list[str]:
        """Human-readable list of what this server lacks for ``req`` (empty: capable)."""
        lacks = [f"node {c}" for c in sorted(req.class_types) if c not in self.object_info]
        lacks += [m.describe() for m in sorted(req.models) if not self.has_model(m)]
        return lacks

    def can_run(self, req: Requirements) -> bool:
        if not req.class_types <= self.object_info.classes.keys():
            return False
        return all(self.has_model(m) for m in req.models)


def explain_unrunnable(req: Requirements, servers: Iterable[tuple[str, Capabilities]]) -> str:
    """Say exactly what is missing where, e.g. for a job no server can take."""
    servers = list(servers)
    if not servers:
        return "no render node is online"
    parts: list[str] = []
    files = sorted(req.model_files)
    for file in files:
        needs = [m for m in req.models if m.file == file]
        if not any(all(c.has_model(m) for m in needs) for _, c in servers):
            parts.append(f"no online node has {file}")
    for name, caps in servers:
        lacking = [c for c in sorted(req.class_types) if c not in caps.object_info]
        if lacking:
            parts.append(f"node {name} lacks {', '.join(lacking)}")
    if not parts:
        for name, caps in servers:
            missing = caps.missing(req)
            if missing:
                parts.append(f"node {name} lacks {', '.join(missing)}")
    return "; ".join(parts) if parts else "every online node can run it"
