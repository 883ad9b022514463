"""Read the text metadata tags of an MP4/MOV file by walking its atoms.

ComfyUI's SaveVideo writes ``prompt`` and ``workflow`` as QuickTime ``mdta`` keys
(``moov/udta/meta`` or ``moov/meta`` with ``keys`` + ``ilst``); VideoHelperSuite writes
one JSON object into the ``©cmt`` comment. :func:`read_mp4_tags` returns every text tag
it finds by name (``©cmt`` as ``comment``), seeking past the media data rather than
reading it; only the ``moov`` box is read into memory.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MAX_MOOV_BYTES = 256 << 20
CONTAINERS = (b"udta", b"meta")
ITUNES_NAMES = {b"\xa9cmt": "comment", b"\xa9nam": "title", b"desc": "description"}
TEXT_TYPES = (1, 4)  # UTF-8, UTF-16 (well-known types of the data box)


class Mp4TagError(ValueError):
    """The file is not an MP4/MOV we can read tags from."""


def read_mp4_tags(path: Path) -> dict[str, str]:
    """Every text tag of the file's ``moov`` metadata, by key (first one wins)."""
    with path.open("rb") as f:
        moov = _find_moov(f)
    tags: dict[str, str] = {}
    for meta_start, meta_end in _metas(moov, 0, len(moov)):
        for key, value in _meta_tags(moov, meta_start, meta_end):
            tags.setdefault(key, value)
    return tags


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, body start, body end) of the boxes in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return  # truncated or corrupt: stop, keep what was read
        yield kind, pos + header, pos + size
        pos += size


def _find_moov(f: BinaryIO) -> bytes:
    first = True
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise Mp4TagError("no moov box (not an MP4/MOV file, or a truncated one)")
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            header = 16
        if first and kind not in (b"ftyp", b"moov", b"wide", b"free", b"mdat", b"skip"):
            raise Mp4TagError("not an MP4/MOV file")
        first = False
        if kind == b"moov":
            length = (size - header) if size else MAX_MOOV_BYTES
            if length > MAX_MOOV_BYTES:
                raise Mp4TagError(f"the moov box is {length >> 20} MB, too large to read")
            return f.read(length)
        if size == 0:
            raise Mp4TagError("no moov box before the end of the file")
        if size < header:
            raise Mp4TagError("a box has an impossible size (corrupt file)")
        f.seek(size - header, 1)


def _metas(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    for kind, body, body_end in _boxes(data, start, end):
        if kind == b"meta":
            # ISO meta is a full box (4 bytes version/flags); QuickTime's is not.
            skip = 0 if data[body + 4 : body + 8] in (b"hdlr", b"keys", b"ilst") else 4
            yield body + skip, body_end
        elif kind == b"udta":
            yield from _metas(data, body, body_end)


def _meta_tags(data: bytes, start: int, end: int) -> Iterator[tuple[str, str]]:
    keys: list[str] = []
    ilst: tuple[int, int] | None = None
    for kind, body, body_end in _boxes(data, start, end):
        if kind == b"keys":
            keys = _keys(data, body, body_end)
        elif kind == b"ilst":
            ilst = (body, body_end)
    if ilst is None:
        return
    for kind, body, body_end in _boxes(data, *ilst):
        index = struct.unpack(">I", kind)[0]
        if 1 <= index <= len(keys):
            name = keys[index - 1]
        else:
            name = ITUNES_NAMES.get(kind, kind.decode("latin-1"))
        value = _data_text(data, body, body_end)
        if value is not None:
            yield name, value


def _keys(data: bytes, start: int, end: int) -> list[str]:
    if start + 8 > end:
        return []
    count = struct.unpack(">I", data[start + 4 : start + 8])[0]
    keys: list[str] = []
    pos = start + 8
    for _ in range(count):
        if pos + 8 > end:
            break
        size = struct.unpack(">I", data[pos : pos + 4])[0]
        if size < 8 or pos + size > end:
            break
        keys.append(data[pos + 8 : pos + size].decode("utf-8", "replace"))
        pos += size
    return keys


def _data_text(data: bytes, start: int, end: int) -> str | None:
    for kind, body, body_end in _boxes(data, start, end):
        if kind != b"data" or body + 8 > body_end:
            continue
        type_code = struct.unpack(">I", data[body : body + 4])[0] & 0xFFFFFF
        raw = data[body + 8 : body_end]
        if type_code == 4:
            return raw.decode("utf-16-be", "replace")
        if type_code in TEXT_TYPES or type_code == 0:
            return raw.decode("utf-8", "replace")
    return None
