"""Output files of a finished prompt, and what kind of media each one is.

``extract_outputs`` reads the ``outputs`` of a history entry (or the ``output`` of an
``executed`` message): every list of ``{filename, subfolder, type}`` dicts under any key
(``images``, ``gifs``, ``videos``, ... — ComfyUI itself reports videos and animations
under ``images`` with ``"animated": [true]``) becomes an :class:`OutputFile`.

``detect_media_type`` decides PNG/APNG/JPEG/WebP/animated WebP/GIF/MP4/MOV/WebM/MKV from
the magic bytes when we have them, falling back to the file extension.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

log = logging.getLogger(__name__)

#: How many leading bytes ``sniff_media_type`` needs to be sure (APNG's acTL, MP4 brand).
SNIFF_BYTES = 4096


class MediaType(StrEnum):
    PNG = "png"
    APNG = "apng"
    JPEG = "jpeg"
    WEBP = "webp"
    WEBP_ANIMATED = "webp_animated"
    GIF = "gif"
    MP4 = "mp4"
    MOV = "mov"
    WEBM = "webm"
    MKV = "mkv"
    UNKNOWN = "unknown"

    @property
    def is_video(self) -> bool:
        return self in _VIDEO

    @property
    def is_animated(self) -> bool:
        return self in _VIDEO or self in (MediaType.APNG, MediaType.WEBP_ANIMATED, MediaType.GIF)

    @property
    def is_still(self) -> bool:
        return self in (MediaType.PNG, MediaType.JPEG, MediaType.WEBP)


_VIDEO = frozenset({MediaType.MP4, MediaType.MOV, MediaType.WEBM, MediaType.MKV})

_EXTENSIONS: dict[str, MediaType] = {
    ".png": MediaType.PNG,
    ".apng": MediaType.APNG,
    ".jpg": MediaType.JPEG,
    ".jpeg": MediaType.JPEG,
    ".webp": MediaType.WEBP,
    ".gif": MediaType.GIF,
    ".mp4": MediaType.MP4,
    ".m4v": MediaType.MP4,
    ".mov": MediaType.MOV,
    ".webm": MediaType.WEBM,
    ".mkv": MediaType.MKV,
}


def media_type_from_name(filename: str) -> MediaType:
    return _EXTENSIONS.get(PurePosixPath(filename).suffix.lower(), MediaType.UNKNOWN)


def _png_is_animated(head: bytes) -> bool:
    pos = 8
    while pos + 8 <= len(head):
        length, ctype = struct.unpack_from(">I4s", head, pos)
        if ctype == b"acTL":
            return True
        if ctype == b"IDAT":
            return False
        pos += 12 + length
    return False


def _webp_is_animated(head: bytes) -> bool:
    if head[12:16] == b"VP8X" and len(head) > 20:
        return bool(head[20] & 0x02)
    return False


def sniff_media_type(head: bytes) -> MediaType:
    """The media type from the first bytes of a file (``SNIFF_BYTES`` are plenty)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.APNG if _png_is_animated(head) else MediaType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType.WEBP_ANIMATED if _webp_is_animated(head) else MediaType.WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaType.GIF
    if head[4:8] == b"ftyp":
        return MediaType.MOV if head[8:12] == b"qt  " else MediaType.MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MediaType.WEBM if b"webm" in head[:64] else MediaType.MKV
    return MediaType.UNKNOWN


def detect_media_type(
    filename: str, head: bytes | None = None, *, animated: bool = False
) -> MediaType:
    """Magic bytes first, then the extension; ``animated`` (ComfyUI's flag) upgrades stills.

    ComfyUI writes single-frame "animations" without acTL/ANIM (all frames equal), so a
    still-looking PNG/WebP that the server called animated is reported as animated.
    """
    media = sniff_media_type(head) if head else MediaType.UNKNOWN
    if media is MediaType.UNKNOWN:
        media = media_type_from_name(filename)
    if animated and media is MediaType.PNG:
        return MediaType.APNG
    if animated and media is MediaType.WEBP:
        return MediaType.WEBP_ANIMATED
    return media


@dataclass(frozen=True)
class OutputFile:
    """One file a node wrote, as ``/view`` addresses it."""

    node_id: str
    filename: str
    subfolder: str
    type: str  # "output" | "temp" | "input"
    kind: str = "images"  # the key it was listed under
    animated: bool = False
    media: MediaType = MediaType.UNKNOWN
    format: str | None = None  # e.g. "video/h264-mp4" from VideoHelperSuite
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_temp(self) -> bool:
        return self.type == "temp"

    def view_params(self) -> dict[str, str]:
        return {"filename": self.filename, "subfolder": self.subfolder, "type": self.type}


def _node_sort_key(node_id: str) -> tuple[int, int | str]:
    return (0, int(node_id)) if node_id.isdigit() else (1, node_id)


def _flag(value: object) -> bool:
    if isinstance(value, list | tuple):
        return any(v is True for v in value)
    return value is True


def outputs_of_node(node_id: str, output: Mapping[str, Any]) -> list[OutputFile]:
    """Files listed in one node's output dict."""
    animated = _flag(output.get("animated"))
    files: list[OutputFile] = []
    for kind, items in output.items():
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, dict) or "filename" not in item:
                continue
            name = item.get("filename")
            if not isinstance(name, str) or not name:
                log.debug("node %s: output without a usable filename: %r", node_id, item)
                continue
            sub, ftype, fmt = item.get("subfolder"), item.get("type"), item.get("format")
            media = detect_media_type(name, animated=animated)
            if fmt and isinstance(fmt, str) and fmt.startswith("video/") and not media.is_video:
                media = MediaType.MP4 if "mp4" in fmt else media
            rest = {k: v for k, v in item.items() if k not in ("filename", "subfolder", "type")}
            files.append(
                OutputFile(
                    node_id=node_id,
                    filename=name,
                    subfolder=sub if isinstance(sub, str) else "",
                    type=ftype if isinstance(ftype, str) else "output",
                    kind=kind,
                    animated=animated or media.is_animated,
                    media=media,
                    format=fmt if isinstance(fmt, str) else None,
                    extra=rest,
                )
            )
    return files


def extract_outputs(outputs: Mapping[str, Any]) -> tuple[OutputFile, ...]:
    """All files of a history entry's ``outputs``, ordered by node id, then as listed."""
    files: list[OutputFile] = []
    for node_id in sorted(outputs, key=_node_sort_key):
        output = outputs[node_id]
        if isinstance(output, Mapping):
            files.extend(outputs_of_node(node_id, output))
    return tuple(files)


def saved_outputs(files: Iterable[OutputFile]) -> tuple[OutputFile, ...]:
    """Only files in the output folder (drops PreviewImage's temp files)."""
    return tuple(f for f in files if f.type == "output")
