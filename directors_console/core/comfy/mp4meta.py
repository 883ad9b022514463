"""Container tags of MP4/MOV files (what ComfyUI's SaveVideo writes), read from the atoms.

ffmpeg with ``movflags=use_metadata_tags`` stores arbitrary keys in
``moov/udta/meta`` (or ``moov/meta``): a ``keys`` atom lists the names (``mdta``
namespace) and ``ilst`` holds one item per key, numbered from 1, each with a ``data``
atom. Classic iTunes-style items (``©cmt``, ``©nam``...) are read too. Only the
``moov`` atom is loaded; ``mdat`` is skipped with a seek, so large videos are cheap.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

_MAX_MOOV = 64 * 1024 * 1024
# What an MP4/MOV starts with (QuickTime files may open with wide/free/mdat/moov).
_FIRST_BOXES = {b"ftyp", b"moov", b"wide", b"free", b"mdat", b"skip", b"pnot"}
_CONTAINERS = {b"moov", b"udta", b"trak", b"meta"}
_ITUNES = {
    b"\xa9cmt": "comment",
    b"\xa9nam": "title",
    b"\xa9too": "encoder",
    b"desc": "description",
}


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """``(type, payload_start, payload_end)`` of the boxes in ``data[start:end]``."""
    out: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                break
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            break
        out.append((kind, pos + header, pos + size))
        pos += size
    return out


def _find_moov(fh: BinaryIO, problems: list[str]) -> bytes | None:
    fh.seek(0, os.SEEK_END)
    file_end = fh.tell()
    fh.seek(4)
    if fh.read(4) not in _FIRST_BOXES:
        problems.append("not an MP4/MOV file (it does not start with an ftyp box)")
        return None
    pos = 0
    while pos + 8 <= file_end:
        fh.seek(pos)
        header = fh.read(16)
        if len(header) < 8:
            break
        size, kind = struct.unpack_from(">I4s", header)
        head = 8
        if size == 1 and len(header) >= 16:
            (size,) = struct.unpack_from(">Q", header, 8)
            head = 16
        elif size == 0:
            size = file_end - pos
        if size < head:
            problems.append(f"MP4 atom at byte {pos} has a bad size")
            return None
        if kind == b"moov":
            if size > _MAX_MOOV:
                problems.append(f"moov atom is {size} bytes; skipped")
                return None
            fh.seek(pos)
            data = fh.read(size)
            if len(data) < size:
                problems.append("MP4 is truncated inside the moov atom")
                return None
            return data[head:]
        pos += size
    problems.append("no moov atom: the file is truncated or not finished writing")
    return None


def _meta_children(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    # ISO 'meta' is a full box (4 bytes version/flags); QuickTime's is not.
    if data[start + 4 : start + 8] in (b"hdlr", b"keys", b"ilst"):
        return _boxes(data, start, end)
    return _boxes(data, start + 4, end)


def _data_value(data: bytes, start: int, end: int) -> str | None:
    for kind, s, e in _boxes(data, start, end):
        if kind == b"data" and e - s >= 8:
            return data[s + 8 : e].decode("utf-8", "replace")
    return None


def _read_meta(data: bytes, start: int, end: int, tags: dict[str, str]) -> None:
    children = _meta_children(data, start, end)
    names: list[str] = []
    for kind, s, e in children:
        if kind == b"keys" and e - s >= 8:
            (count,) = struct.unpack_from(">I", data, s + 4)
            pos = s + 8
            for _ in range(count):
                if pos + 8 > e:
                    break
                (size,) = struct.unpack_from(">I", data, pos)
                if size < 8 or pos + size > e:
                    break
                names.append(data[pos + 8 : pos + size].decode("utf-8", "replace"))
                pos += size
    for kind, s, e in children:
        if kind != b"ilst":
            continue
        for item, si, ei in _boxes(data, s, e):
            value = _data_value(data, si, ei)
            if value is None:
                continue
            (index,) = struct.unpack(">I", item)
            if 1 <= index <= len(names):
                tags.setdefault(names[index - 1], value)
            elif item in _ITUNES:
                tags.setdefault(_ITUNES[item], value)


def read_mp4_tags(fh: BinaryIO, problems: list[str]) -> dict[str, str]:
    """Every text tag of the file's ``moov`` atom (``prompt``, ``workflow``, ``comment``...)."""
    moov = _find_moov(fh, problems)
    tags: dict[str, str] = {}
    if moov is None:
        return tags
    stack = [(0, len(moov))]
    while stack:
        start, end = stack.pop()
        for kind, s, e in _boxes(moov, start, end):
            if kind == b"meta":
                _read_meta(moov, s, e, tags)
            elif kind in _CONTAINERS:
                stack.append((s, e))
            elif kind in _ITUNES:  # QuickTime udta text: 2-byte size, 2-byte language
                tags.setdefault(_ITUNES[kind], moov[s + 4 : e].decode("utf-8", "replace"))
    return tags
