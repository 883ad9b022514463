"""Node behaviours of the fake ComfyUI server.

Values travelling between nodes are cheap stand-ins: IMAGE is a list of Pillow images (the
batch), MASK a list of "L" images, LATENT a dict with the pixel size, VIDEO a dict of frames
and fps; models and conditioning are opaque dicts. Known classes get a faithful-enough
behaviour (savers write real files, SlowCounter and samplers report per-step progress with
previews, FailAlways raises); any other class found in object_info gets a generic behaviour
derived from its declared outputs.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import string
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter, ImageOps

from tests.fakes import comfy_media

ImageBatch = list[Image.Image]


class Interrupted(Exception):
    """The running prompt was interrupted (POST /interrupt)."""


@dataclass
class Dirs:
    output: Path
    input: Path
    temp: Path

    def by_type(self, kind: str) -> Path | None:
        return {"output": self.output, "input": self.input, "temp": self.temp}.get(kind)

    def annotated(self, name: str, default: str = "input") -> Path:
        """``"sub/name.png [input]"`` -> path inside the right folder."""
        kind = default
        for tag in ("input", "output", "temp"):
            if name.endswith(f" [{tag}]"):
                name, kind = name[: -len(tag) - 3], tag
        root = self.by_type(kind) or self.input
        return root / name


@dataclass
class NodeResult:
    outputs: tuple[Any, ...] = ()
    ui: dict[str, Any] | None = None


@dataclass
class NodeContext:
    """What a node behaviour may use; the executor supplies the callbacks."""

    node_id: str
    class_type: str
    info: dict[str, Any]
    inputs: dict[str, Any]
    prompt: dict[str, Any]
    extra_data: dict[str, Any]
    dirs: Dirs
    step_delay: float
    steps_override: int | None
    default_steps: int
    sampler_previews: bool
    progress: Callable[[int, int, Image.Image | None, str], Awaitable[None]]
    sleep: Callable[[float], Awaitable[None]]

    def steps(self) -> int:
        if self.steps_override is not None:
            return self.steps_override
        value = self.inputs.get("steps")
        return value if isinstance(value, int) and value > 0 else self.default_steps

    async def run_steps(self, preview: Image.Image | None, fmt: str = "JPEG") -> None:
        total = self.steps()
        for step in range(1, total + 1):
            await self.sleep(self.step_delay)
            await self.progress(step, total, preview, fmt)


NodeFn = Callable[[NodeContext], Awaitable[NodeResult]]


def _rgb(color: int) -> tuple[int, int, int]:
    return (color >> 16) & 255, (color >> 8) & 255, color & 255


def _seed_color(*parts: Any) -> tuple[int, int, int]:
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return digest[0], digest[1], digest[2]


def _images(value: Any) -> ImageBatch:
    if isinstance(value, list) and all(isinstance(i, Image.Image) for i in value):
        return value
    if isinstance(value, dict) and "frames" in value:
        return list(value["frames"])
    return [Image.new("RGB", (64, 64), (128, 128, 128))]


async def _thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


async def empty_image(ctx: NodeContext) -> NodeResult:
    i = ctx.inputs
    color = _rgb(int(i.get("color", 0)))
    size = (int(i.get("width", 512)), int(i.get("height", 512)))
    batch = [Image.new("RGB", size, color) for _ in range(int(i.get("batch_size", 1)))]
    return NodeResult((batch,))


async def image_invert(ctx: NodeContext) -> NodeResult:
    return NodeResult(([ImageOps.invert(im) for im in _images(ctx.inputs.get("image"))],))


async def image_blur(ctx: NodeContext) -> NodeResult:
    radius = int(ctx.inputs.get("blur_radius", 1))
    blurred = [im.filter(ImageFilter.GaussianBlur(radius)) for im in _images(ctx.inputs["image"])]
    return NodeResult((blurred,))


async def image_scale(ctx: NodeContext) -> NodeResult:
    images = _images(ctx.inputs.get("image"))
    out = []
    for im in images:
        if "scale_by" in ctx.inputs:
            factor = float(ctx.inputs["scale_by"])
            size = (max(1, round(im.width * factor)), max(1, round(im.height * factor)))
        else:
            width, height = int(ctx.inputs.get("width", 0)), int(ctx.inputs.get("height", 0))
            if width == 0 and height == 0:
                size = im.size
            elif width == 0:
                size = (max(1, round(im.width * height / im.height)), height)
            elif height == 0:
                size = (width, max(1, round(im.height * width / im.width)))
            else:
                size = (width, height)
        out.append(im.resize(size))
    return NodeResult((out,))


async def image_batch(ctx: NodeContext) -> NodeResult:
    first = _images(ctx.inputs.get("image1"))
    second = [im.resize(first[0].size) for im in _images(ctx.inputs.get("image2"))]
    return NodeResult((first + second,))


async def repeat_image_batch(ctx: NodeContext) -> NodeResult:
    return NodeResult((_images(ctx.inputs.get("image")) * int(ctx.inputs.get("amount", 1)),))


async def load_image(ctx: NodeContext) -> NodeResult:
    path = ctx.dirs.annotated(str(ctx.inputs["image"]))
    image, mask = await _thread(comfy_media.load_image, path)
    return NodeResult(([image], [mask]))


async def empty_latent(ctx: NodeContext) -> NodeResult:
    i = ctx.inputs
    latent = {
        "width": int(i.get("width", 512)),
        "height": int(i.get("height", 512)),
        "batch_size": int(i.get("batch_size", 1)),
        "seed": 0,
    }
    return NodeResult((latent,))


async def checkpoint_loader(ctx: NodeContext) -> NodeResult:
    name = ctx.inputs.get("ckpt_name")
    return NodeResult(tuple({"kind": kind, "name": name} for kind in ("MODEL", "CLIP", "VAE")))


async def sampler(ctx: NodeContext) -> NodeResult:
    latent = dict(ctx.inputs.get("latent_image") or {"width": 512, "height": 512, "batch_size": 1})
    latent["seed"] = ctx.inputs.get("seed", ctx.inputs.get("noise_seed", 0))
    preview = None
    if ctx.sampler_previews:
        color = _seed_color(latent["seed"], ctx.node_id)
        preview = Image.new("RGB", (int(latent["width"]), int(latent["height"])), color)
    await ctx.run_steps(preview)
    return NodeResult((latent,))


async def vae_decode(ctx: NodeContext) -> NodeResult:
    latent = ctx.inputs.get("samples") or {}
    size = (int(latent.get("width", 512)), int(latent.get("height", 512)))
    color = _seed_color(latent.get("seed", 0))
    batch = [Image.new("RGB", size, color) for _ in range(int(latent.get("batch_size", 1)))]
    return NodeResult((batch,))


async def vae_encode(ctx: NodeContext) -> NodeResult:
    images = _images(ctx.inputs.get("pixels"))
    width, height = images[0].size
    return NodeResult(({"width": width, "height": height, "batch_size": len(images), "seed": 0},))


async def slow_counter(ctx: NodeContext) -> NodeResult:
    images = _images(ctx.inputs.get("image"))
    await ctx.run_steps(images[0])
    return NodeResult((images,))


async def fail_always(ctx: NodeContext) -> NodeResult:
    raise RuntimeError("boom from FailAlways")


def _meta(ctx: NodeContext) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    return ctx.prompt, ctx.extra_data.get("extra_pnginfo")


async def save_image(ctx: NodeContext) -> NodeResult:
    prompt, extra = _meta(ctx)
    prefix = str(ctx.inputs.get("filename_prefix", "ComfyUI"))
    images = _images(ctx.inputs.get("images"))
    saved = await _thread(
        comfy_media.save_pngs, ctx.dirs.output, prefix, images, prompt, extra, "output"
    )
    return NodeResult((), {"images": saved})


async def preview_image(ctx: NodeContext) -> NodeResult:
    prompt, extra = _meta(ctx)
    suffix = "".join(random.choices(string.ascii_lowercase, k=5))
    images = _images(ctx.inputs.get("images"))
    saved = await _thread(
        comfy_media.save_pngs,
        ctx.dirs.temp,
        f"ComfyUI_temp_{suffix}",
        images,
        prompt,
        extra,
        "temp",
    )
    return NodeResult((), {"images": saved})


async def save_image_websocket(ctx: NodeContext) -> NodeResult:
    images = _images(ctx.inputs.get("images"))
    for index, image in enumerate(images):
        await ctx.progress(index, len(images), image, "PNG")
    return NodeResult((), None)


async def save_animated(ctx: NodeContext) -> NodeResult:
    fmt = "WEBP" if ctx.class_type == "SaveAnimatedWEBP" else "PNG"
    prompt, extra = _meta(ctx)
    saved = await _thread(
        comfy_media.save_animated,
        ctx.dirs.output,
        str(ctx.inputs.get("filename_prefix", "ComfyUI")),
        _images(ctx.inputs.get("images")),
        float(ctx.inputs.get("fps", 6.0)),
        fmt,
        prompt,
        extra,
    )
    return NodeResult((), {"images": saved, "animated": [True]})


async def save_video(ctx: NodeContext) -> NodeResult:
    extension = ".webm" if ctx.class_type == "SaveWEBM" else ".mp4"
    prefix = str(ctx.inputs.get("filename_prefix", "ComfyUI"))
    saved = await _thread(comfy_media.save_video_stub, ctx.dirs.output, prefix, extension)
    return NodeResult((), {"images": saved, "animated": [True]})


async def create_video(ctx: NodeContext) -> NodeResult:
    frames = _images(ctx.inputs.get("images"))
    return NodeResult(({"frames": frames, "fps": float(ctx.inputs.get("fps", 30.0))},))


async def load_video(ctx: NodeContext) -> NodeResult:
    path = ctx.dirs.annotated(str(ctx.inputs.get("file", "")))
    frames = [Image.new("RGB", (64, 64), _seed_color(path.name))]
    return NodeResult(({"frames": frames, "fps": 24.0, "path": str(path)},))


async def video_components(ctx: NodeContext) -> NodeResult:
    video = ctx.inputs.get("video") or {}
    return NodeResult((_images(video), None, float(video.get("fps", 24.0))))


def _placeholder(kind: Any, ctx: NodeContext) -> Any:
    if kind == "IMAGE":
        for value in ctx.inputs.values():
            if isinstance(value, list) and value and isinstance(value[0], Image.Image):
                return value
        return [Image.new("RGB", (64, 64), _seed_color(ctx.class_type, ctx.node_id))]
    if kind == "MASK":
        return [Image.new("L", (64, 64), 0)]
    if kind == "LATENT":
        return {"width": 64, "height": 64, "batch_size": 1, "seed": 0}
    for value in ctx.inputs.values():
        if isinstance(value, dict) and value.get("kind") == kind:
            return value
    defaults = {"INT": 0, "FLOAT": 0.0, "STRING": "", "BOOLEAN": False}
    if kind in defaults:
        same = [v for v in ctx.inputs.values() if type(v) is type(defaults[kind])]
        return same[0] if same else defaults[kind]
    return {"kind": kind, "node": ctx.node_id}


async def generic_node(ctx: NodeContext) -> NodeResult:
    """Any class without a dedicated behaviour: typed placeholders, progress if it has steps."""
    outputs = tuple(_placeholder(kind, ctx) for kind in ctx.info.get("output", []))
    if "steps" in ctx.inputs:
        preview = None
        if ctx.sampler_previews:
            preview = Image.new("RGB", (64, 64), _seed_color(ctx.class_type, ctx.node_id))
        await ctx.run_steps(preview)
    if ctx.info.get("output_node") and "images" in ctx.inputs:
        if "filename_prefix" in ctx.inputs:
            return NodeResult(outputs, (await save_image(ctx)).ui)
        return NodeResult(outputs, (await preview_image(ctx)).ui)
    return NodeResult(outputs, None)


NODES: dict[str, NodeFn] = {
    "EmptyImage": empty_image,
    "ImageInvert": image_invert,
    "ImageBlur": image_blur,
    "ImageScale": image_scale,
    "ImageScaleBy": image_scale,
    "ImageBatch": image_batch,
    "RepeatImageBatch": repeat_image_batch,
    "LoadImage": load_image,
    "EmptyLatentImage": empty_latent,
    "CheckpointLoaderSimple": checkpoint_loader,
    "KSampler": sampler,
    "KSamplerAdvanced": sampler,
    "VAEDecode": vae_decode,
    "VAEEncode": vae_encode,
    "SlowCounter": slow_counter,
    "FailAlways": fail_always,
    "SaveImage": save_image,
    "PreviewImage": preview_image,
    "SaveImageWebsocket": save_image_websocket,
    "SaveAnimatedWEBP": save_animated,
    "SaveAnimatedPNG": save_animated,
    "SaveWEBM": save_video,
    "SaveVideo": save_video,
    "CreateVideo": create_video,
    "LoadVideo": load_video,
    "GetVideoComponents": video_components,
}


def behaviour(class_type: str) -> NodeFn:
    return NODES.get(class_type, generic_node)


def change_marker(class_type: str, inputs: dict[str, Any], dirs: Dirs) -> Any:
    """Extra cache-key material, like a node's IS_CHANGED: file state, or 'always rerun'."""
    if class_type == "SaveImageWebsocket":
        return time.monotonic_ns()
    if class_type in ("LoadImage", "LoadImageMask", "LoadVideo"):
        name = inputs.get("image", inputs.get("file"))
        if isinstance(name, str):
            path = dirs.annotated(name)
            try:
                stat = path.stat()
            except OSError:
                return None
            return [stat.st_size, stat.st_mtime_ns]
    return None
