"""Two-phase browsing of a project folder: the folder tree first, a folder's files on demand.

- :func:`scan_tree` walks directories only (``os.scandir``, no file stats), skipping
  ``.gallery`` and hidden folders. Directory symlinks are followed once; a loop, a
  broken link or an unreadable folder becomes a :class:`FolderNode` with ``problem``
  set, never an exception.
- :func:`list_folder` lists one folder's files (name, size, mtime, kind). The kind comes
  from the extension; only files without a known extension have their first bytes read.
- :func:`walk_files` lists every file below a folder, for the indexer.

Everything is synchronous and blocking: the UI runs it in a worker thread and passes a
:class:`CancelToken`, checked per directory and per batch of files.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

GALLERY_DIR = ".gallery"

MediaKind = Literal["image", "video", "other"]

IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif", ".heic"}
)
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".gifv"})

_MAGIC: tuple[tuple[bytes, int, MediaKind], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image"),
    (b"\xff\xd8\xff", 0, "image"),
    (b"GIF8", 0, "image"),
    (b"BM", 0, "image"),
    (b"ftyp", 4, "video"),
    (b"\x1aE\xdf\xa3", 0, "video"),  # Matroska / WebM
)

_BATCH = 512
_EUID = os.geteuid() if hasattr(os, "geteuid") else -1
_GROUPS = frozenset(os.getgroups()) | {os.getegid()} if hasattr(os, "getegid") else frozenset()


class Cancelled(Exception):
    """The caller cancelled the operation through its :class:`CancelToken`."""


class CancelToken:
    """Thread-safe cancel flag checked by long-running gallery operations."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def _check(token: CancelToken | None) -> None:
    if token is not None:
        token.check()


@dataclass(slots=True)
class FolderNode:
    """One folder of the tree; ``problem`` says why it could not be (fully) read."""

    path: Path
    name: str
    children: list[FolderNode] = field(default_factory=list)
    problem: str | None = None
    is_link: bool = False

    def walk(self) -> Iterator[FolderNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def count(self) -> int:
        return sum(1 for _ in self.walk())


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file in a folder listing; ``problem`` is set for names or files we cannot use.

    ``path`` is a plain string (building 100,000 ``Path`` objects costs a second).
    """

    path: str
    name: str
    size: int
    mtime: float
    kind: MediaKind
    problem: str | None = None


@dataclass(slots=True)
class FolderListing:
    folder: Path
    files: list[FileEntry]
    problem: str | None = None


def _hidden(name: str) -> bool:
    return name.startswith(".")


def name_problem(name: str) -> str | None:
    """A marker for names that are not valid UTF-8 (shown with a warning in the UI)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8"
    return None


def kind_from_name(name: str) -> MediaKind | None:
    stem, dot, tail = name.rpartition(".")
    if not (dot and stem.strip(".")):
        return None
    ext = "." + tail.lower()
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in VIDEO_EXTENSIONS:
        return "video"
    return None


def sniff_kind(path: Path | str) -> MediaKind:
    """The kind of a file from its first bytes ("other" if unreadable or unknown)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return "other"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video"
    for magic, offset, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind
    return "other"


def kind_of(name: str, path: Path | str, size: int) -> MediaKind:
    """Extension first; the magic bytes only for files without a known extension."""
    kind = kind_from_name(name)
    if kind is not None:
        return kind
    if "." not in name.lstrip(".") and size > 0:
        return sniff_kind(path)
    return "other"


def scan_tree(root: Path, cancel: CancelToken | None = None) -> FolderNode:
    """The folder tree below ``root`` (directories only); problems are marked, not raised."""
    root = Path(root)
    top = FolderNode(root, root.name or str(root))
    seen: set[tuple[int, int]] = set()
    try:
        st = root.stat()
        seen.add((st.st_dev, st.st_ino))
    except OSError as exc:
        top.problem = f"cannot open: {exc.strerror or exc}"
        return top
    stack = [top]
    while stack:
        _check(cancel)
        node = stack.pop()
        try:
            with os.scandir(node.path) as it:
                entries = [e for e in it if not _hidden(e.name)]
        except OSError as exc:
            node.problem = f"cannot read: {exc.strerror or exc}"
            continue
        for entry in sorted(entries, key=lambda e: e.name.lower()):
            try:
                if not entry.is_dir(follow_symlinks=True):
                    continue
            except OSError:
                continue
            child = FolderNode(Path(entry.path), entry.name)
            child.problem = name_problem(entry.name)
            node.children.append(child)
            try:
                child.is_link = entry.is_symlink()
                st = entry.stat(follow_symlinks=True) if child.is_link else entry.stat()
            except OSError as exc:
                child.problem = f"cannot open: {exc.strerror or exc}"
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                child.problem = "symlink loop: this folder is already shown above"
                continue
            seen.add(key)
            stack.append(child)
    return top


def list_folder(folder: Path, cancel: CancelToken | None = None) -> FolderListing:
    """The files directly in ``folder`` (not sub-folders), sorted by name."""
    folder = Path(folder)
    files: list[FileEntry] = []
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError as exc:
        return FolderListing(folder, [], f"cannot read: {exc.strerror or exc}")
    for i, entry in enumerate(entries):
        if i % _BATCH == 0:
            _check(cancel)
        item = _file_entry(entry, check_access=True)
        if item is not None:
            files.append(item)
    files.sort(key=lambda f: f.name.lower())
    return FolderListing(folder, files)


def _readable(st: os.stat_result) -> bool:
    """Read permission from the mode bits (no extra system call; ACLs are not seen)."""
    uid = _EUID
    if uid == 0:
        return True
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IRUSR)
    if st.st_gid in _GROUPS:
        return bool(st.st_mode & stat.S_IRGRP)
    return bool(st.st_mode & stat.S_IROTH)


def _file_entry(entry: os.DirEntry[str], check_access: bool = False) -> FileEntry | None:
    name = entry.name
    if _hidden(name):
        return None
    path = entry.path
    try:
        st = entry.stat()
    except OSError as exc:
        # A broken symlink or a file that vanished: still listed, with a marker.
        return FileEntry(path, name, 0, 0.0, kind_from_name(name) or "other", str(exc.strerror))
    if not stat.S_ISREG(st.st_mode):
        return None
    problem = name_problem(name)
    if check_access and problem is None and not _readable(st):
        problem = "not readable"
    kind = kind_of(name, path, st.st_size)
    return FileEntry(path, name, st.st_size, st.st_mtime, kind, problem)


def walk_files(
    root: Path, cancel: CancelToken | None = None, *, include_hidden: bool = False
) -> Iterator[FileEntry]:
    """Every regular file below ``root`` (``.gallery`` and hidden folders skipped)."""
    root = Path(root)
    seen: set[tuple[int, int]] = set()
    try:
        st = root.stat()
        seen.add((st.st_dev, st.st_ino))
    except OSError:
        return
    stack = [str(root)]
    while stack:
        _check(cancel)
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError:
            continue
        for i, entry in enumerate(entries):
            if i and i % _BATCH == 0:
                _check(cancel)
            if _hidden(entry.name) and not include_hidden:
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                try:
                    st = entry.stat()
                except OSError:
                    continue
                key = (st.st_dev, st.st_ino)
                if key not in seen:
                    seen.add(key)
                    stack.append(entry.path)
                continue
            item = _file_entry(entry)
            if item is not None:
                yield item
