"""Two-phase browsing of a project folder: the folder tree first, a folder's files on demand.

- :func:`scan_tree` walks directories only (``os.scandir``, no file stats), skipping
  ``.gallery`` and hidden folders. Directory symlinks are followed once; a loop, a
  broken link or an unreadable folder becomes a :class:`FolderNode` with ``problem``
  set, never an exception.
- :func:`list_folder` lists one folder's files (name, size, mtime, kind). The kind comes
  from the extension; only files without a known extension have their first bytes read.
- :func:`walk_files` lists every file below a folder, for the indexer.
- :class:`FolderState` keeps a listed folder up to date cheaply (new names are
  stat'ed, not every file) when the folder changes on disk.

Everything is synchronous and blocking: the UI runs it in a worker thread and passes a
:class:`CancelToken`, checked per directory and per batch of files.
"""

from __future__ import annotations

import itertools
import os
import stat
import threading
import time
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
_SLICE = 4096  # names read and compared per step by FolderState.refresh
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
    return _stat_entry(path, name, st, check_access)


def _named_entry(folder: str, name: str) -> FileEntry | None:
    """Like :func:`_file_entry` for a name from ``os.listdir``."""
    if _hidden(name):
        return None
    path = os.path.join(folder, name)  # noqa: PTH118 (like DirEntry.path, a str)
    try:
        st = os.stat(path)  # noqa: PTH116 (a str path: no Path object per file)
    except OSError as exc:
        return FileEntry(path, name, 0, 0.0, kind_from_name(name) or "other", str(exc.strerror))
    return _stat_entry(path, name, st, True)


def _stat_entry(path: str, name: str, st: os.stat_result, check_access: bool) -> FileEntry | None:
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


#: Seconds after its last change during which a file may still be being written: it is
#: stat'ed again by :meth:`FolderState.refresh` until it settles.
SETTLE_SECONDS = 3.0


@dataclass(slots=True)
class FolderChanges:
    """What changed in a folder since it was last listed (see :class:`FolderState`)."""

    added: list[FileEntry] = field(default_factory=list)
    changed: list[FileEntry] = field(default_factory=list)  # new versions of known files
    removed: list[str] = field(default_factory=list)  # paths of files gone
    problem: str | None = None

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


class FolderState:
    """The files of one folder as last listed, brought up to date cheaply.

    :meth:`refresh` reads the folder's names (one ``os.scandir``, no ``stat``) and stats
    only the names it does not know yet, plus files that changed in the last
    :data:`SETTLE_SECONDS` (a render still being written grows without the folder
    changing). Removed files are the known names no longer there. Not thread-safe: use
    it from one thread at a time.
    """

    def __init__(self, listing: FolderListing, now: float | None = None) -> None:
        self.folder = listing.folder
        self.by_name: dict[str, FileEntry] = {e.name: e for e in listing.files}
        self.ignored: set[str] = set()  # names that are not files to list (seen once)
        stamp = time.time() if now is None else now
        self.young: set[str] = {e.name for e in listing.files if stamp - e.mtime < SETTLE_SECONDS}

    def refresh(self, cancel: CancelToken | None = None) -> FolderChanges:
        """The changes since the last call (or the listing), remembered for the next.

        The names are read and compared in slices, so the worker thread lets go of the
        GIL often (a 100k folder in one C call holds it for ~40 ms: a UI stall).
        """
        changes = FolderChanges()
        folder = str(self.folder)
        known = self.by_name
        names: list[str] = []
        fresh: set[str] = set()
        try:
            with os.scandir(folder) as it:
                while chunk := [e.name for e in itertools.islice(it, _SLICE)]:
                    _check(cancel)
                    names.extend(chunk)
                    fresh.update(set(chunk).difference(known))  # O(len(chunk))
        except OSError as exc:
            changes.problem = f"cannot read: {exc.strerror or exc}"
            return changes
        if len(names) - len(fresh) != len(known):  # some known names are gone
            changes.removed = [known[name].path for name in known.keys() - set(names)]
        self.ignored &= fresh
        for i, name in enumerate(sorted(fresh - self.ignored)):
            if i % _BATCH == 0:
                _check(cancel)
            item = _named_entry(folder, name)
            if item is None:
                self.ignored.add(name)  # hidden, a folder, a pipe…: not asked again
            else:
                changes.added.append(item)
        self._recheck(changes)
        self._remember(changes)
        return changes

    def recheck(self) -> FolderChanges:
        """Only the files still settling stat'ed again (no listing of the folder)."""
        changes = FolderChanges()
        for name in list(self.young):
            old = self.by_name.get(name)
            if old is None:
                self.young.discard(name)
                continue
            try:
                st = os.stat(old.path)  # noqa: PTH116
            except FileNotFoundError:
                changes.removed.append(old.path)
                continue
            except OSError:
                continue
            self._compare(old, st, changes)
        self._remember(changes)
        return changes

    @property
    def settling(self) -> bool:
        """True while some file may still be being written."""
        return bool(self.young)

    def _recheck(self, changes: FolderChanges) -> None:
        gone = {p.rpartition(os.sep)[2] for p in changes.removed}
        for name in self.young - gone:
            old = self.by_name.get(name)
            if old is None:
                continue
            try:
                st = os.stat(old.path)  # noqa: PTH116
            except OSError:
                continue
            self._compare(old, st, changes)

    def _compare(self, old: FileEntry, st: os.stat_result, changes: FolderChanges) -> None:
        if st.st_size != old.size or st.st_mtime != old.mtime:
            kind = kind_of(old.name, old.path, st.st_size)
            changes.changed.append(
                FileEntry(old.path, old.name, st.st_size, st.st_mtime, kind, old.problem)
            )

    def _remember(self, changes: FolderChanges) -> None:
        now = time.time()
        for path in changes.removed:
            name = path.rpartition(os.sep)[2]
            self.by_name.pop(name, None)
            self.young.discard(name)
        for entry in (*changes.added, *changes.changed):
            self.by_name[entry.name] = entry
        self.young = {
            n for n in (*self.young, *(e.name for e in changes.added))
            if (e := self.by_name.get(n)) is not None and now - e.mtime < SETTLE_SECONDS
        }  # fmt: skip
