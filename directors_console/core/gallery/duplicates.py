"""Duplicate finder: exact copies by content hash, near copies by perceptual hash.

Exact: files are grouped by size first (a unique size cannot have a copy), then by a
BLAKE2b hash of the first 64 KB, and only what still collides is hashed in full.

Near: a 64-bit difference hash (dHash) of each image, computed with Pillow on a 9x8
grey thumbnail (JPEGs are decoded at reduced size via ``draft``); two images are near
duplicates when the Hamming distance of their hashes is at most ``threshold``.
Candidates come from splitting the hash into ``threshold + 1`` bands: by the
pigeonhole principle two hashes that close agree exactly on at least one band, so
only files sharing a band are compared. Groups are the connected components.

Image decoding releases the GIL, so hashing runs in a thread pool.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .scanner import CancelToken, FileEntry, walk_files

_HEAD = 64 * 1024
_CHUNK = 1024 * 1024

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DuplicateGroup:
    """Files (project-relative paths) that are copies of each other."""

    paths: tuple[str, ...]
    size: int
    distance: int = 0  # largest Hamming distance to the first file; 0 for exact copies


def _hash(path: str, limit: int | None = None) -> bytes | None:
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as fh:
            if limit is not None:
                digest.update(fh.read(limit))
            else:
                while chunk := fh.read(_CHUNK):
                    digest.update(chunk)
    except OSError:
        return None
    return digest.digest()


def _rel(root: str, path: str) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _entries(
    root: Path, files: Iterable[FileEntry] | None, cancel: CancelToken | None
) -> list[FileEntry]:
    return list(files if files is not None else walk_files(root, cancel))


def exact_duplicates(
    root: Path,
    files: Iterable[FileEntry] | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> list[DuplicateGroup]:
    """Groups of byte-identical files below ``root`` (largest files first)."""
    by_size: dict[int, list[str]] = defaultdict(list)
    for entry in _entries(root, files, cancel):
        if entry.size > 0 and entry.problem is None:
            by_size[entry.size].append(entry.path)
    candidates = [(size, paths) for size, paths in by_size.items() if len(paths) > 1]
    total = sum(len(p) for _, p in candidates)
    done = 0
    groups: list[DuplicateGroup] = []
    for size, paths in sorted(candidates, reverse=True):
        if cancel is not None:
            cancel.check()
        heads: dict[bytes, list[str]] = defaultdict(list)
        for path in paths:
            key = _hash(path, _HEAD)
            if key is not None:
                heads[key].append(path)
        for same_head in heads.values():
            if len(same_head) < 2:
                continue
            full: dict[bytes, list[str]] = defaultdict(list)
            for path in same_head:
                key = _hash(path) if size > _HEAD else _hash(path, _HEAD)
                if key is not None:
                    full[key].append(path)
            for same in full.values():
                if len(same) > 1:
                    rels = tuple(sorted(_rel(str(root), p) for p in same))
                    groups.append(DuplicateGroup(rels, size))
        done += len(paths)
        if progress is not None:
            progress(done, total)
    return groups


def dhash(path: str | Path, size: int = 8) -> int | None:
    """The 64-bit difference hash of an image, or None if it cannot be decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.draft("L", (size * 8, size * 8))
            small = img.convert("L").resize((size + 1, size), Image.Resampling.BILINEAR)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    pixels = small.tobytes()  # mode "L": one byte per pixel
    bits = 0
    for row in range(size):
        line = pixels[row * (size + 1) : (row + 1) * (size + 1)]
        for col in range(size):
            bits = (bits << 1) | (line[col] > line[col + 1])
    return bits


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _bands(value: int, count: int) -> list[tuple[int, int]]:
    width = -(-64 // count)
    mask = (1 << width) - 1
    return [(i, (value >> (i * width)) & mask) for i in range(count)]


def group_near(hashes: Sequence[tuple[str, int]], threshold: int) -> list[list[int]]:
    """Connected components of items whose hashes are within ``threshold`` bits."""
    parent = list(range(len(hashes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (_, value) in enumerate(hashes):
        for band in _bands(value, threshold + 1):
            buckets[band].append(i)
    for members in buckets.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if find(i) != find(j) and hamming(hashes[i][1], hashes[j][1]) <= threshold:
                    parent[find(i)] = find(j)
    comps: dict[int, list[int]] = defaultdict(list)
    for i in range(len(hashes)):
        comps[find(i)].append(i)
    return [c for c in comps.values() if len(c) > 1]


def near_duplicates(
    root: Path,
    files: Iterable[FileEntry] | None = None,
    threshold: int = 6,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[DuplicateGroup]:
    """Groups of images that look alike (exact copies included)."""
    images = [e for e in _entries(root, files, cancel) if e.kind == "image" and e.problem is None]
    hashes: list[tuple[str, int]] = []
    sizes = {e.path: e.size for e in images}
    pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2)
    try:
        values = pool.map(dhash, [e.path for e in images])
        for n, (entry, value) in enumerate(zip(images, values, strict=True)):
            if n % 64 == 0:
                if cancel is not None:
                    cancel.check()
                if progress is not None:
                    progress(n, len(images))
            if value is not None:
                hashes.append((entry.path, value))
    finally:
        pool.shutdown(cancel_futures=True)
    groups = []
    for comp in group_near(hashes, threshold):
        first = hashes[comp[0]][1]
        paths = tuple(_rel(str(root), hashes[i][0]) for i in comp)
        worst = max(hamming(first, hashes[i][1]) for i in comp)
        groups.append(DuplicateGroup(paths, sizes.get(hashes[comp[0]][0], 0), worst))
    return sorted(groups, key=lambda g: (-len(g.paths), g.paths))
