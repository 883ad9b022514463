"""Image and file helpers of the fake ComfyUI server (all blocking: call them in a thread).

Covers what the real server writes and serves: PNGs with ``prompt``/``workflow`` tEXt chunks,
``{prefix}_{counter:05}_.ext`` names continued from the files already on disk, animated WEBP
(metadata in EXIF like ComfyUI) and APNG, stand-in video files, preview JPEGs, ``/view``
re-encoding (``preview=webp;50``, ``channel=a``) and mask uploads.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps
from PIL.PngImagePlugin import PngInfo

from tests.fakes import recordings

# Byte-level stand-ins when the recorded videos are not available.
_MP4_STUB = bytes.fromhex(
    "0000001c667479706973736f6d0000020069736f6d69736f32617663310000000866726565"
)
_WEBM_STUB = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d42878104")

CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".json": "application/json",
    ".txt": "text/plain",
}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def inside(root: Path, candidate: Path) -> bool:
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def save_target(root: Path, prefix: str) -> tuple[Path, str, str, int]:
    """(folder, base name, subfolder, first free counter) for a ``filename_prefix``."""
    subfolder, _, base = prefix.replace("\\", "/").rpartition("/")
    folder = root / subfolder if subfolder else root
    if not inside(root, folder):
        raise ValueError("Saving image outside the output folder is not allowed.")
    folder.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(rf"^{re.escape(base)}_(\d+)_")
    counters = [int(m.group(1)) for p in folder.iterdir() if (m := pattern.match(p.name))]
    return folder, base, subfolder, max(counters, default=0) + 1


def _png_info(prompt: dict[str, Any] | None, extra_pnginfo: dict[str, Any] | None) -> PngInfo:
    info = PngInfo()
    if prompt is not None:
        info.add_text("prompt", json.dumps(prompt))
    for key, value in (extra_pnginfo or {}).items():
        info.add_text(key, json.dumps(value))
    return info


def save_pngs(
    root: Path,
    prefix: str,
    images: list[Image.Image],
    prompt: dict[str, Any] | None,
    extra_pnginfo: dict[str, Any] | None,
    kind: str,
) -> list[dict[str, str]]:
    folder, base, subfolder, counter = save_target(root, prefix)
    results = []
    for offset, image in enumerate(images):
        name = f"{base}_{counter + offset:05}_.png"
        image.save(folder / name, "PNG", pnginfo=_png_info(prompt, extra_pnginfo), compress_level=4)
        results.append({"filename": name, "subfolder": subfolder, "type": kind})
    return results


def save_animated(
    root: Path,
    prefix: str,
    images: list[Image.Image],
    fps: float,
    fmt: str,
    prompt: dict[str, Any] | None,
    extra_pnginfo: dict[str, Any] | None,
) -> list[dict[str, str]]:
    extension = {"WEBP": ".webp", "PNG": ".png"}[fmt]
    folder, base, subfolder, counter = save_target(root, prefix)
    name = f"{base}_{counter:05}_{extension}"
    duration = int(1000 / max(fps, 0.01))
    frames = images or [Image.new("RGB", (8, 8))]
    kwargs: dict[str, Any] = {"save_all": True, "append_images": frames[1:], "duration": duration}
    if fmt == "WEBP":
        exif = Image.Exif()
        if prompt is not None:
            exif[0x0110] = "prompt:" + json.dumps(prompt)
        for index, (key, value) in enumerate((extra_pnginfo or {}).items()):
            exif[0x010F - index] = f"{key}:{json.dumps(value)}"
        kwargs.update(exif=exif, quality=80, loop=0)
    else:
        kwargs.update(pnginfo=_png_info(prompt, extra_pnginfo), loop=0)
    frames[0].save(folder / name, fmt, **kwargs)
    return [{"filename": name, "subfolder": subfolder, "type": "output"}]


def save_video_stub(root: Path, prefix: str, extension: str) -> list[dict[str, str]]:
    """A real recorded clip when the fixtures are present, a minimal valid header otherwise."""
    folder, base, subfolder, counter = save_target(root, prefix)
    name = f"{base}_{counter:05}_{extension}"
    recorded = recordings.output_file(
        "s15_video_00001_.mp4" if extension == ".mp4" else "s15_webm_00001_.webm"
    )
    if recorded.exists():
        shutil.copyfile(recorded, folder / name)
    else:
        (folder / name).write_bytes(_MP4_STUB if extension == ".mp4" else _WEBM_STUB)
    return [{"filename": name, "subfolder": subfolder, "type": "output"}]


def encode_image(image: Image.Image, fmt: str, max_size: int | None = None) -> bytes:
    """PNG or JPEG bytes, scaled to fit ``max_size`` (up or down) when given."""
    if max_size:
        scale = max_size / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=95)
    else:
        image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def view_variant(path: Path, preview: str | None, channel: str | None) -> tuple[bytes, str] | None:
    """Re-encoded bytes for ``/view?preview=`` or ``channel=``; None to send the file as is."""
    if not preview and channel in (None, "", "rgba"):
        return None
    if content_type(path.name).split("/")[0] != "image":
        return None
    with Image.open(path) as opened:
        image = opened.copy()
    if preview:
        fmt, _, quality = preview.partition(";")
        fmt = fmt.lower() if fmt.lower() in ("webp", "jpeg") else "webp"
        buffer = io.BytesIO()
        target = image.convert("RGBA" if fmt == "webp" else "RGB")
        target.save(buffer, fmt.upper(), quality=int(quality) if quality.isdigit() else 90)
        return buffer.getvalue(), f"image/{fmt}"
    if channel == "a":
        alpha = (
            image.getchannel("A") if "A" in image.getbands() else Image.new("L", image.size, 255)
        )
        rgba = Image.new("RGBA", image.size)
        rgba.putalpha(alpha)
        return encode_image(rgba, "PNG"), "image/png"
    return encode_image(image.convert("RGB"), "PNG"), "image/png"


def apply_mask(original: Path, mask_bytes: bytes) -> bytes:
    """The original image with the uploaded mask's alpha channel, as PNG bytes."""
    with Image.open(original) as opened:
        image = opened.convert("RGBA")
    with Image.open(io.BytesIO(mask_bytes)) as mask:
        alpha = mask.getchannel("A") if "A" in mask.getbands() else mask.convert("L")
        alpha = alpha.resize(image.size)
    image.putalpha(alpha)
    return encode_image(image, "PNG")


def load_image(path: Path) -> tuple[Image.Image, Image.Image]:
    """(RGB image, mask) like LoadImage: the mask is the inverted alpha channel."""
    with Image.open(path) as opened:
        opened.load()
        rgb = opened.convert("RGB")
        if "A" in opened.getbands():
            mask = ImageOps.invert(opened.getchannel("A"))
        else:
            mask = Image.new("L", opened.size, 0)
    return rgb, mask


def store_upload(folder: Path, name: str, data: bytes, overwrite: bool) -> str:
    """Write an upload; without overwrite, identical bytes keep the name, others get " (n)"."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not overwrite:
        stem, suffix = Path(name).stem, Path(name).suffix
        counter = 1
        while path.exists():
            if path.read_bytes() == data:
                return path.name
            path = folder / f"{stem} ({counter}){suffix}"
            counter += 1
    path.write_bytes(data)
    return path.name
