"""Configuration and request policies of the fake ComfyUI server.

``FakeComfyConfig`` says how an instance behaves (speed, capabilities, models, faults); the
helpers here decide per request whether the Origin check or a configured fault applies, and
supply the recorded defaults for routes that only echo static data.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakes import recordings

MAX_UPLOAD_SIZE = 104857600
FEATURES = {"supports_preview_metadata": True, "max_upload_size": MAX_UPLOAD_SIZE}
MODEL_FOLDERS = [
    "checkpoints", "configs", "loras", "vae", "text_encoders", "diffusion_models",
    "clip_vision", "style_models", "embeddings", "diffusers", "vae_approx", "controlnet",
    "gligen", "upscale_models", "custom_nodes", "hypernetworks", "photomaker", "classifiers",
    "model_patches", "audio_encoders",
]  # fmt: skip
# Loader inputs whose COMBO options are the files of a model folder.
MODEL_INPUTS = {
    "ckpt_name": "checkpoints",
    "lora_name": "loras",
    "vae_name": "vae",
    "control_net_name": "controlnet",
    "unet_name": "diffusion_models",
    "clip_name": "text_encoders",
    "clip_name1": "text_encoders",
    "clip_name2": "text_encoders",
    "clip_name3": "text_encoders",
    "clip_name4": "text_encoders",
    "style_model_name": "style_models",
    "gligen_name": "gligen",
    "hypernetwork_name": "hypernetworks",
    "config_name": "configs",
    "upscale_model_name": "upscale_models",
}
# Same, where the input name alone is too generic.
MODEL_CLASS_INPUTS = {("UpscaleModelLoader", "model_name"): "upscale_models"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
TEXT_500 = "500 Internal Server Error\n\nServer got itself in trouble"


@dataclass
class FakeComfyConfig:
    """How one fake server behaves. Fault fields may be changed while it runs."""

    latency: float = 0.0  # seconds added before every HTTP answer
    step_delay: float = 0.02  # seconds per progress step (SlowCounter, samplers)
    node_delay: float = 0.0  # seconds each executed node takes besides its steps
    default_steps: int = 20  # steps of a stepping node whose ``steps`` input is missing
    steps_override: int | None = None  # run every stepping node with this many steps
    sampler_previews: bool = True  # samplers send preview frames with their progress
    preview_size: int = 512  # JPEG previews are scaled to fit this (the real server: 512)
    object_info: dict[str, Any] | None = None  # default: the recorded object_info_core.json
    models: dict[str, list[str]] = field(default_factory=dict)  # folder -> file names
    system_stats: dict[str, Any] | None = None  # whole /system_stats answer
    devices: list[dict[str, Any]] | None = None  # only the ``devices`` part of it
    root_dir: Path | None = None  # holds output/, input/, temp/; default: a temp dir
    check_origin: bool = True
    # Faults
    drop_ws_after_messages: int | None = None  # abort each socket after N frames sent
    http_500_paths: set[str] = field(default_factory=set)  # "/prompt", "POST /prompt", globs
    hang_paths: set[str] = field(default_factory=set)  # accepted, never answered
    die_after_seconds: float | None = None  # crash (like kill()) this long after start
    die_on_prompt: int | None = None  # crash when the Nth prompt starts executing


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]


@dataclass
class UploadRecord:
    name: str
    subfolder: str
    type: str
    size: int
    mask: bool = False


def matches(patterns: set[str], method: str, path: str) -> bool:
    bare = path[4:] if path.startswith("/api/") else path
    for pattern in patterns:
        verb, _, target = pattern.partition(" ") if " " in pattern else ("", "", pattern)
        if verb and verb.upper() != method:
            continue
        if fnmatch.fnmatchcase(bare, target) or fnmatch.fnmatchcase(path, target):
            return True
    return False


def _host_port(netloc: str) -> tuple[str, int | None]:
    parsed = urlsplit("//" + netloc)
    return (parsed.hostname or "").lower(), parsed.port


def origin_rejected(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    host = request.headers.get("Host")
    if not origin or not host:
        return False
    origin_netloc = urlsplit(origin).netloc
    if not origin_netloc:  # "null" and friends
        return False
    origin_host, origin_port = _host_port(origin_netloc)
    host_host, host_port = _host_port(host)
    if origin_port is None or host_port is None:
        return origin_host != host_host
    return (origin_host, origin_port) != (host_host, host_port)


def _fixture_or(name: str, default: Any) -> Any:
    try:
        return recordings.load_json(name)
    except FileNotFoundError:
        return default


def default_system_stats() -> dict[str, Any]:
    return _fixture_or(
        "system_stats.json",
        {
            "system": {"os": "posix", "comfyui_version": "0.3.64", "argv": ["main.py"]},
            "devices": [
                {"name": "cpu", "type": "cpu", "index": None, "vram_total": 0, "vram_free": 0}
            ],
        },
    )


def default_extensions() -> list[str]:
    return _fixture_or("extensions.json", [])
