"""WebP metadata: ComfyUI's EXIF convention, and our own shot-metadata chunk.

ComfyUI's SaveAnimatedWEBP stores ``"prompt:" + json`` in EXIF tag 0x0110 (Model) and
``"workflow:" + json`` in 0x010F (Make), counting down for further keys; we read every
ASCII tag of IFD0 that looks like ``key:{json}``. Our shot metadata goes in a private
RIFF chunk ``DCSM`` (JSON, UTF-8) at the end of the file: readers skip unknown chunks. A
simple (VP8/VP8L only) file is first turned into the extended format (a VP8X header with
the canvas size), as the WebP container spec requires for extra chunks. Pixels are never
decoded or re-encoded.
"""

from __future__ import annotations

import re
import struct

from .shotmeta import (
    SHOT_KEY,
    ImageMetadata,
    MetadataError,
    MetadataProblem,
    ShotMetadata,
    interpret_texts,
)

SHOT_CHUNK = b"DCSM"
_KEY_JSON = re.compile(r"^([A-Za-z_][\w-]{0,63}):\s*([\[{].*)$", re.S)
_ALPHA_FLAG = 0x10


def is_webp(data: bytes) -> bool:
    return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def iter_riff_chunks(data: bytes, problems: list[MetadataProblem]) -> list[tuple[bytes, int, int]]:
    """``(fourcc, payload_start, payload_end)`` of every chunk; damage goes to ``problems``."""
    if not is_webp(data):
        raise MetadataError("not a WebP file")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = min(len(data), 8 + riff_size)
    if 8 + riff_size > len(data):
        problems.append(MetadataProblem("RIFF", "file is shorter than its header says"))
    chunks: list[tuple[bytes, int, int]] = []
    pos = 12
    while pos + 8 <= end:
        fourcc = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        start = pos + 8
        if start + size > end:
            problems.append(MetadataProblem(fourcc.decode("latin-1"), "chunk is cut off"))
            break
        chunks.append((fourcc, start, start + size))
        pos = start + size + (size & 1)
    return chunks


def _tiff_ascii_tags(exif: bytes) -> dict[int, str]:
    """ASCII tags of IFD0 in a TIFF/EXIF block; raises ValueError if malformed."""
    if exif.startswith(b"Exif\0\0"):
        exif = exif[6:]
    if exif[:4] == b"II*\0":
        order = "<"
    elif exif[:4] == b"MM\0*":
        order = ">"
    else:
        raise ValueError("no TIFF header")
    try:
        (ifd,) = struct.unpack_from(order + "I", exif, 4)
        (count,) = struct.unpack_from(order + "H", exif, ifd)
        tags: dict[int, str] = {}
        for i in range(count):
            tag, kind, n, value = struct.unpack_from(order + "HHI4s", exif, ifd + 2 + 12 * i)
            if kind != 2:  # ASCII
                continue
            if n <= 4:
                raw = value[:n]
            else:
                (off,) = struct.unpack(order + "I", value)
                if off + n > len(exif):
                    raise ValueError(f"tag 0x{tag:04x} points outside the block")
                raw = exif[off : off + n]
            tags[tag] = raw.rstrip(b"\0").decode("utf-8", "replace")
    except struct.error as exc:
        raise ValueError(f"EXIF is cut off: {exc}") from exc
    return tags


def read_webp_texts(data: bytes) -> tuple[dict[str, str], list[MetadataProblem]]:
    problems: list[MetadataProblem] = []
    texts: dict[str, str] = {}
    for fourcc, start, end in iter_riff_chunks(data, problems):
        if fourcc == b"EXIF":
            try:
                tags = _tiff_ascii_tags(data[start:end])
            except ValueError as exc:
                problems.append(MetadataProblem("EXIF", str(exc)))
                continue
            for tag in sorted(tags, reverse=True):  # 0x0110 prompt first, as ComfyUI writes
                m = _KEY_JSON.match(tags[tag])
                if m:
                    texts.setdefault(m.group(1), m.group(2))
        elif fourcc == SHOT_CHUNK:
            try:
                texts[SHOT_KEY] = data[start:end].decode("utf-8")
            except UnicodeDecodeError:
                problems.append(MetadataProblem(SHOT_KEY, "chunk is not UTF-8"))
    return texts, problems


def read_webp_metadata(data: bytes) -> ImageMetadata:
    texts, problems = read_webp_texts(data)
    return interpret_texts("webp", texts, problems)


def _encode(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")


def _canvas(fourcc: bytes, payload: bytes) -> tuple[int, int, bool]:
    """Width, height and alpha of a simple-format bitstream."""
    if fourcc == b"VP8 " and len(payload) >= 10 and payload[3:6] == b"\x9d\x01\x2a":
        w, h = struct.unpack_from("<HH", payload, 6)
        return w & 0x3FFF, h & 0x3FFF, False
    if fourcc == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
        (bits,) = struct.unpack_from("<I", payload, 1)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    raise MetadataError("the WebP bitstream header is not readable; the file was not changed")


def _vp8x(width: int, height: int, alpha: bool) -> bytes:
    flags = _ALPHA_FLAG if alpha else 0
    w, h = width - 1, height - 1
    payload = bytes([flags, 0, 0, 0]) + w.to_bytes(3, "little") + h.to_bytes(3, "little")
    return _encode(b"VP8X", payload)


def with_shot_metadata_webp(data: bytes, shot: ShotMetadata) -> bytes:
    """The WebP bytes with our chunk added (or replaced); refuses damaged files."""
    problems: list[MetadataProblem] = []
    chunks = iter_riff_chunks(data, problems)
    if problems or not chunks:
        raise MetadataError("the WebP file is damaged; it was not changed")
    parts: list[bytes] = []
    first = chunks[0][0]
    if first in (b"VP8 ", b"VP8L"):
        _, start, end = chunks[0]
        parts.append(_vp8x(*_canvas(first, data[start:end])))
    elif first != b"VP8X":
        raise MetadataError(f"unexpected first WebP chunk {first!r}; the file was not changed")
    for fourcc, start, end in chunks:
        if fourcc != SHOT_CHUNK:
            parts.append(_encode(fourcc, data[start:end]))
    parts.append(_encode(SHOT_CHUNK, shot.to_json().encode("utf-8")))
    body = b"WEBP" + b"".join(parts)
    return b"RIFF" + struct.pack("<I", len(body)) + body
