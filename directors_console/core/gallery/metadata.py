"""Searchable metadata of one media file: prompt, negative, seed, model, LoRAs, sampler...

Reads only the container, never pixels:

- PNG: text chunks before the first IDAT (``prompt``, ``workflow``, A1111's
  ``parameters`` and our shot-metadata iTXt). The ``workflow`` chunk is skipped, not
  parsed; a chunk larger than :data:`MAX_TEXT_BYTES` is skipped with a problem noted.
- JPEG: the EXIF APP1 segment with ComfyUI's ``"prompt:" + json`` convention
  (tag 0x0110, ``workflow:`` in 0x010F); image size from the SOF segment.
- WebP: through :mod:`directors_console.core.comfy.webpmeta`.
- MP4/MOV: container tags (``moov``/``udta``/``meta`` with ``keys`` + ``ilst``, ``©cmt``)
  parsed from the atom structure, see :mod:`directors_console.core.comfy.mp4meta`.

:func:`read_metadata` never raises: anything odd (truncated file, bad JSON, unreadable
file) lands in :attr:`MediaMetadata.problems` and the rest is still returned.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from directors_console.core.comfy import mp4meta, webpmeta
from directors_console.core.comfy.pngmeta import Chunk, decode_text_chunk
from directors_console.core.comfy.shotmeta import MAX_TEXT_BYTES, SHOT_KEY

from .promptgraph import GenerationInfo, analyse

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt", b"comf")
_SKIPPED_KEYS = ("workflow",)
_MAX_WHOLE_FILE = 64 * 1024 * 1024
_A1111_KV = re.compile(r"\s*([A-Za-z][\w /]*):\s*([^,]*)")


@dataclass(slots=True)
class MediaMetadata:
    """What the gallery indexes about one file."""

    format: str  # "png" | "jpeg" | "webp" | "mp4" | "other"
    info: GenerationInfo = field(default_factory=GenerationInfo)
    shot: dict[str, Any] | None = None
    has_prompt: bool = False
    has_workflow: bool = False
    width: int | None = None
    height: int | None = None
    problems: list[str] = field(default_factory=list)


def read_metadata(path: Path | str) -> MediaMetadata:
    """Metadata of the file at ``path``; never raises."""
    try:
        with open(path, "rb", buffering=65536) as fh:
            head = fh.read(16)
            fh.seek(0)
            meta = _dispatch(fh, head)
    except OSError as exc:
        return MediaMetadata("other", problems=[f"cannot read: {exc.strerror or exc}"])
    except (ValueError, struct.error, zlib.error, RecursionError, MemoryError) as exc:
        return MediaMetadata("other", problems=[f"unreadable: {exc}"])
    if meta.info.width is None:
        meta.info.width, meta.info.height = meta.width, meta.height
    return meta


def _dispatch(fh: BinaryIO, head: bytes) -> MediaMetadata:
    if head.startswith(PNG_SIGNATURE):
        return _read_png(fh)
    if head.startswith(b"\xff\xd8"):
        return _read_jpeg(fh)
    if webpmeta.is_webp(head + b"\0" * 12):
        return _read_webp(fh)
    if head[4:8] == b"ftyp":
        meta = MediaMetadata("mp4")
        texts = mp4meta.read_mp4_tags(fh, meta.problems)
        _interpret(texts, meta)
        return meta
    return MediaMetadata("other")


def _read_png(fh: BinaryIO) -> MediaMetadata:
    meta = MediaMetadata("png")
    texts: dict[str, str] = {}
    pos = 8
    fh.seek(pos)
    while True:
        header = fh.read(8)
        if len(header) < 8:
            meta.problems.append(f"PNG is truncated at byte {pos}")
            break
        length, ctype = struct.unpack(">I4s", header)
        if ctype in (b"IDAT", b"IEND"):
            break
        if ctype == b"IHDR" and length >= 8:
            meta.width, meta.height = struct.unpack(">II", fh.read(8))
            fh.seek(pos + 12 + length)
        elif ctype in _PNG_TEXT:
            _png_text(fh, ctype, length, pos, texts, meta)
        else:
            fh.seek(pos + 12 + length)
        pos += 12 + length
    _interpret(texts, meta)
    return meta


def _png_text(
    fh: BinaryIO, ctype: bytes, length: int, pos: int, texts: dict[str, str], meta: MediaMetadata
) -> None:
    name = ctype.decode("latin-1")
    head = fh.read(min(length, 80))
    keyword = head.partition(b"\0")[0].decode("latin-1", "replace")
    if keyword in _SKIPPED_KEYS:
        meta.has_workflow = True
        fh.seek(pos + 12 + length)
        return
    if length > MAX_TEXT_BYTES:
        meta.problems.append(f"{name} {keyword!r} at byte {pos} is {length} bytes; skipped")
        fh.seek(pos + 12 + length)
        return
    body = head + fh.read(length - len(head))
    crc = fh.read(4)
    if len(body) < length or len(crc) < 4:
        meta.problems.append(f"{name} chunk at byte {pos} is cut off")
        return
    if struct.unpack(">I", crc)[0] != zlib.crc32(body, zlib.crc32(ctype)) & 0xFFFFFFFF:
        meta.problems.append(f"{name} {keyword!r} at byte {pos}: CRC mismatch; skipped")
        return
    try:
        key, text = decode_text_chunk(Chunk(ctype, body, pos, True))
    except (ValueError, zlib.error) as exc:
        meta.problems.append(f"{name} at byte {pos}: {exc}")
        return
    texts.setdefault(key, text)


def _read_jpeg(fh: BinaryIO) -> MediaMetadata:
    meta = MediaMetadata("jpeg")
    texts: dict[str, str] = {}
    fh.seek(2)
    while True:
        marker = fh.read(4)
        if len(marker) < 4 or marker[0] != 0xFF:
            if len(marker) < 4:
                meta.problems.append("JPEG is truncated")
            break
        kind = marker[1]
        (length,) = struct.unpack(">H", marker[2:])
        if kind == 0xDA or kind == 0xD9:  # start of scan / end of image
            break
        body = fh.read(max(0, length - 2))
        if len(body) < length - 2:
            meta.problems.append("JPEG segment is cut off")
            break
        if kind == 0xE1 and body.startswith(b"Exif\0\0"):
            _exif_texts(body, texts, meta)
        elif 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC) and len(body) >= 5:
            meta.height, meta.width = struct.unpack(">HH", body[1:5])
    _interpret(texts, meta)
    return meta


def _exif_texts(exif: bytes, texts: dict[str, str], meta: MediaMetadata) -> None:
    try:
        tags = webpmeta._tiff_ascii_tags(exif)
    except ValueError as exc:
        meta.problems.append(f"EXIF: {exc}")
        return
    for tag in sorted(tags, reverse=True):  # 0x0110 prompt first, as ComfyUI writes it
        match = webpmeta._KEY_JSON.match(tags[tag])
        if match:
            texts.setdefault(match.group(1), match.group(2))


def _read_webp(fh: BinaryIO) -> MediaMetadata:
    meta = MediaMetadata("webp")
    data = fh.read(_MAX_WHOLE_FILE)
    texts, problems = webpmeta.read_webp_texts(data)
    meta.problems.extend(f"{p.where}: {p.reason}" for p in problems)
    size = _webp_size(data)
    if size:
        meta.width, meta.height = size
    _interpret(texts, meta)
    return meta


def _webp_size(data: bytes) -> tuple[int, int] | None:
    fourcc, body = data[12:16], data[20:30]
    if fourcc == b"VP8X" and len(body) >= 10:
        w = int.from_bytes(body[4:7], "little") + 1
        h = int.from_bytes(body[7:10], "little") + 1
        return w, h
    if fourcc == b"VP8 " and len(body) >= 10:
        w, h = struct.unpack("<HH", body[6:10])
        return w & 0x3FFF, h & 0x3FFF
    if fourcc == b"VP8L" and len(body) >= 5:
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _json_dict(key: str, text: str, meta: MediaMetadata) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        meta.problems.append(f"{key}: not valid JSON ({exc})")
        return None
    if not isinstance(value, dict):
        meta.problems.append(f"{key}: JSON is a {type(value).__name__}, not an object")
        return None
    return value


def _interpret(texts: dict[str, str], meta: MediaMetadata) -> None:
    """Turn raw keyword -> text pairs into :class:`GenerationInfo` and shot metadata."""
    meta.has_workflow = meta.has_workflow or "workflow" in texts
    comment = texts.get("comment")
    if "prompt" not in texts and comment and comment.lstrip().startswith("{"):
        # VideoHelperSuite style: one JSON comment holding prompt and workflow.
        wrapped = _json_dict("comment", comment, meta)
        if wrapped and isinstance(wrapped.get("prompt"), dict | str):
            inner = wrapped["prompt"]
            texts["prompt"] = inner if isinstance(inner, str) else json.dumps(inner)
            meta.has_workflow = meta.has_workflow or "workflow" in wrapped
    if "prompt" in texts:
        graph = _json_dict("prompt", texts["prompt"], meta)
        if graph is not None:
            meta.has_prompt = True
            try:
                meta.info = analyse(graph)
            except (TypeError, AttributeError, KeyError, ValueError) as exc:
                meta.problems.append(f"prompt: unexpected graph shape ({exc})")
    elif "parameters" in texts:
        meta.has_prompt = True
        meta.info = parse_a1111(texts["parameters"])
    if SHOT_KEY in texts:
        meta.shot = _json_dict(SHOT_KEY, texts[SHOT_KEY], meta)
        if meta.shot and meta.info.seed is None and isinstance(meta.shot.get("seed"), int):
            meta.info.seed = meta.shot["seed"]


def parse_a1111(text: str) -> GenerationInfo:
    """AUTOMATIC1111 / Forge ``parameters`` text: prompt, negative, then ``Key: value, ...``."""
    info = GenerationInfo()
    body, _, settings = text.rpartition("\nSteps:")
    if not _:
        body, settings = text, ""
    else:
        settings = "Steps:" + settings
    positive, sep, negative = body.partition("\nNegative prompt:")
    info.positive = positive.strip() or None
    info.negative = negative.strip() or None if sep else None
    values = {k.strip().lower(): v.strip() for k, v in _A1111_KV.findall(settings)}
    info.seed = int(values["seed"]) if values.get("seed", "").isdigit() else None
    info.steps = int(values["steps"]) if values.get("steps", "").isdigit() else None
    try:
        info.cfg = float(values["cfg scale"]) if "cfg scale" in values else None
    except ValueError:
        info.cfg = None
    info.sampler = values.get("sampler")
    info.scheduler = values.get("schedule type")
    info.model = values.get("model")
    info.loras = re.findall(r"<lora:([^:>]+)", info.positive or "")
    return info
