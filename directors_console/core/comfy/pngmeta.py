"""PNG metadata: read ComfyUI's ``prompt``/``workflow`` text, write our shot metadata.

Works on the chunk level, never decoding pixels: reading walks the chunks (tEXt, zTXt,
iTXt and ComfyUI's private ``comf`` chunk of SaveAnimatedPNG) checking CRCs; writing
inserts one iTXt chunk (keyword :data:`~.shotmeta.SHOT_KEY`, JSON text) before the first
IDAT/fcTL — beside ComfyUI's chunks, image data byte-for-byte untouched — and replaces a
previous one of ours. The file is rewritten atomically.

``read_image_metadata`` / ``write_shot_metadata`` dispatch to PNG or WebP by magic bytes.
They do blocking file I/O: call them from a worker thread.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..storage import StorageError, atomic_write_bytes
from . import webpmeta
from .shotmeta import (
    MAX_TEXT_BYTES,
    SHOT_KEY,
    ImageMetadata,
    MetadataError,
    MetadataProblem,
    ShotMetadata,
    coerce_shot,
    interpret_texts,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt", b"comf")


@dataclass(frozen=True)
class Chunk:
    type: bytes
    data: bytes
    offset: int  # of the length field in the file
    crc_ok: bool

    def encode(self) -> bytes:
        return encode_chunk(self.type, self.data)


def encode_chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(ctype)) & 0xFFFFFFFF
    return struct.pack(">I4s", len(data), ctype) + data + struct.pack(">I", crc)


def iter_chunks(data: bytes, problems: list[MetadataProblem]) -> Iterator[Chunk]:
    """Chunks up to IEND; a truncated tail is noted in ``problems`` and ends the walk."""
    if not data.startswith(PNG_SIGNATURE):
        raise MetadataError("not a PNG file")
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            problems.append(MetadataProblem("file", f"truncated at byte {pos}"))
            return
        length, ctype = struct.unpack_from(">I4s", data, pos)
        end = pos + 8 + length
        if end + 4 > len(data):
            name = ctype.decode("latin-1", "replace")
            problems.append(MetadataProblem(name, f"chunk at byte {pos} is cut off"))
            return
        body = data[pos + 8 : end]
        (crc,) = struct.unpack_from(">I", data, end)
        ok = crc == zlib.crc32(body, zlib.crc32(ctype)) & 0xFFFFFFFF
        yield Chunk(ctype, body, pos, ok)
        pos = end + 4
        if ctype == b"IEND":
            return
    problems.append(MetadataProblem("file", "no IEND chunk"))


def _inflate(raw: bytes) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(raw, MAX_TEXT_BYTES)
    if d.unconsumed_tail:
        raise ValueError(f"text larger than {MAX_TEXT_BYTES} bytes when inflated")
    return out


def decode_text_chunk(chunk: Chunk) -> tuple[str, str]:
    """``(keyword, text)`` of a tEXt/zTXt/iTXt/comf chunk; raises ValueError if malformed."""
    keyword, sep, rest = chunk.data.partition(b"\0")
    if not sep or not keyword or len(keyword) > 79:
        raise ValueError("no keyword")
    key = keyword.decode("latin-1")
    if chunk.type in (b"tEXt", b"comf"):
        # ComfyUI writes its JSON as UTF-8 in tEXt against the spec's Latin-1; follow it.
        try:
            return key, rest.decode("utf-8")
        except UnicodeDecodeError:
            return key, rest.decode("latin-1")
    if chunk.type == b"zTXt":
        if not rest or rest[0] != 0:
            raise ValueError("unknown compression method")
        return key, _inflate(rest[1:]).decode("latin-1")
    if len(rest) < 2:
        raise ValueError("iTXt header is cut off")
    compressed, method = rest[0], rest[1]
    _lang, sep1, rest = rest[2:].partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2):
        raise ValueError("iTXt header is cut off")
    if compressed:
        if method != 0:
            raise ValueError("unknown compression method")
        text = _inflate(text)
    return key, text.decode("utf-8")


def read_png_texts(data: bytes) -> tuple[dict[str, str], list[MetadataProblem]]:
    problems: list[MetadataProblem] = []
    texts: dict[str, str] = {}
    for chunk in iter_chunks(data, problems):
        if chunk.type not in _TEXT_CHUNKS:
            continue
        name = chunk.type.decode("latin-1")
        if not chunk.crc_ok:
            problems.append(MetadataProblem(name, f"CRC mismatch at byte {chunk.offset}; skipped"))
            continue
        try:
            key, text = decode_text_chunk(chunk)
        except (ValueError, zlib.error) as exc:
            problems.append(MetadataProblem(name, f"unreadable at byte {chunk.offset}: {exc}"))
            continue
        texts.setdefault(key, text)
    return texts, problems


def read_png_metadata(data: bytes) -> ImageMetadata:
    texts, problems = read_png_texts(data)
    return interpret_texts("png", texts, problems)


def encode_itxt(keyword: str, text: str) -> bytes:
    payload = keyword.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8")
    return encode_chunk(b"iTXt", payload)


def _is_ours(chunk: Chunk) -> bool:
    return chunk.type in _TEXT_CHUNKS and chunk.data.startswith(SHOT_KEY.encode() + b"\0")


def with_shot_metadata_png(data: bytes, shot: ShotMetadata) -> bytes:
    """The PNG bytes with our iTXt chunk added (or replaced); refuses damaged files."""
    problems: list[MetadataProblem] = []
    chunks = list(iter_chunks(data, problems))
    if problems or not chunks or chunks[-1].type != b"IEND":
        raise MetadataError("the PNG is damaged; it was not changed")
    if any(not c.crc_ok for c in chunks if c.type in (b"IHDR", b"IDAT", b"IEND")):
        raise MetadataError("the PNG has CRC errors; it was not changed")
    ours = encode_itxt(SHOT_KEY, shot.to_json())
    out = [PNG_SIGNATURE]
    placed = False
    for chunk in chunks:
        raw = data[chunk.offset : chunk.offset + 12 + len(chunk.data)]
        if _is_ours(chunk):
            if not placed:
                out.append(ours)
                placed = True
            continue
        if not placed and chunk.type in (b"IDAT", b"fcTL"):
            out.append(ours)
            placed = True
        out.append(raw)
    if not placed:
        raise MetadataError("the PNG has no image data")
    return b"".join(out)


# --- dispatch by file type ------------------------------------------------------------------


def read_image_metadata(source: Path | bytes) -> ImageMetadata:
    """Metadata of a PNG or WebP file (path or bytes). Raises MetadataError if neither."""
    data = _read(source)
    if data.startswith(PNG_SIGNATURE):
        return read_png_metadata(data)
    if webpmeta.is_webp(data):
        return webpmeta.read_webp_metadata(data)
    raise MetadataError("not a PNG or WebP file")


def with_shot_metadata(data: bytes, shot: ShotMetadata | Mapping[str, Any]) -> bytes:
    model = coerce_shot(shot)
    if data.startswith(PNG_SIGNATURE):
        return with_shot_metadata_png(data, model)
    if webpmeta.is_webp(data):
        return webpmeta.with_shot_metadata_webp(data, model)
    raise MetadataError("shot metadata can only be written into PNG or WebP files")


def write_shot_metadata(path: Path, shot: ShotMetadata | Mapping[str, Any]) -> None:
    """Add our shot metadata to the file at ``path``, atomically (temp + fsync + replace)."""
    new = with_shot_metadata(_read(path), shot)
    try:
        atomic_write_bytes(path, new)
    except StorageError as exc:
        raise MetadataError(str(exc)) from exc


def _read(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except OSError as exc:
        raise MetadataError(f"cannot read {source.name}: {exc.strerror or exc}") from exc
