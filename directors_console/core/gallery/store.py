"""The project's gallery state in ``{project}/.gallery/gallery.json``.

Ratings (0-5), tag definitions with colours, tags on files, saved views and trash
entries, keyed by project-relative POSIX paths. Every entry carries its own
modification time ``t`` (nanoseconds); a removal is kept as a tombstone. :meth:`save`
takes the lock file, reads what is on disk, merges entry by entry (the later ``t``
wins) and writes atomically, so two programs or machines editing the same project
lose no rating or tag: the last writer wins per entry, not per file.

Paths that are not valid UTF-8 are stored as ``"b64:" + base64(fsencode(path))``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from directors_console.core.storage import (
    CorruptFileError,
    JsonSchema,
    LockedError,
    file_lock,
    read_json,
    write_json,
)

GALLERY_FILE = "gallery.json"
GALLERY_SCHEMA = JsonSchema("gallery", 1)
SECTIONS = ("ratings", "tags", "file_tags", "views", "trash")
#: Tombstones older than this are dropped when saving.
TOMBSTONE_TTL_NS = 90 * 24 * 3600 * 10**9
EMPTY_LOCK_AGE = 1.0
SAVE_TIMEOUT = 30.0
STALE_TEMP_AGE = 600.0

Entry = dict[str, Any]
Section = dict[str, Entry]


def path_key(rel: str) -> str:
    """The JSON key of a project-relative path (base64 for names that are not UTF-8)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return "b64:" + base64.urlsafe_b64encode(os.fsencode(rel)).decode("ascii")
    return rel


def key_path(key: str) -> str:
    if key.startswith("b64:"):
        try:
            return os.fsdecode(base64.urlsafe_b64decode(key[4:]))
        except ValueError:
            return key
    return key


class _Clock:
    """Strictly increasing nanosecond stamps, so two edits in one tick keep their order."""

    def __init__(self) -> None:
        self._last = 0

    def now(self) -> int:
        stamp = max(time.time_ns(), self._last + 1)
        self._last = stamp
        return stamp


def _empty() -> dict[str, Section]:
    return {name: {} for name in SECTIONS}


def _entry_t(entry: Any) -> int:
    value = entry.get("t", 0) if isinstance(entry, Mapping) else 0
    return value if isinstance(value, int) else 0


def merge(ours: Mapping[str, Section], theirs: Mapping[str, Section]) -> dict[str, Section]:
    """Entry-wise union; where both have an entry the one with the later ``t`` wins."""
    out = _empty()
    for name in SECTIONS:
        a, b = ours.get(name, {}), theirs.get(name, {})
        merged = dict(b)
        for key, entry in a.items():
            if key not in merged or _entry_t(entry) >= _entry_t(merged[key]):
                merged[key] = entry
        out[name] = merged
    return out


def _clean(doc: Mapping[str, Any]) -> dict[str, Section]:
    out = _empty()
    for name in SECTIONS:
        section = doc.get(name)
        if isinstance(section, Mapping):
            out[name] = {str(k): dict(v) for k, v in section.items() if isinstance(v, Mapping)}
    return out


class GalleryStore:
    """Ratings, tags, views and trash of one project; call :meth:`save` after edits."""

    def __init__(self, project: Path) -> None:
        self.project = Path(project)
        self.file = self.project / ".gallery" / GALLERY_FILE
        self._data = _empty()
        self._clock = _Clock()
        # Edits come from the UI thread while a save runs in a worker: every read and
        # write of ``_data`` holds this lock, and a save merges its result back into
        # ``_data`` instead of replacing it, so an edit made during a save is kept.
        self._lock = threading.RLock()
        self.problems: list[str] = []

    # --- persistence -----------------------------------------------------------------

    def _read_disk(self) -> dict[str, Section]:
        try:
            return _clean(read_json(self.file, GALLERY_SCHEMA))
        except FileNotFoundError:
            return _empty()
        except CorruptFileError as exc:
            self.problems.append(str(exc))
            return _empty()

    def load(self) -> GalleryStore:
        """Read the file (a damaged one is kept aside and reported in ``problems``)."""
        data = self._read_disk()
        with self._lock:
            self._data = data
        return self

    def _break_empty_lock(self) -> None:
        # A writer killed between creating the lock file and writing its pid leaves it
        # empty; storage.file_lock would wait 2 minutes for it. Writing the pid takes
        # microseconds, so an empty lock older than a second is dead.
        lock = self.file.with_name(self.file.name + ".lock")
        with contextlib.suppress(OSError):
            st = lock.stat()
            if st.st_size == 0 and time.time() - st.st_mtime > EMPTY_LOCK_AGE:
                lock.unlink()
        # Temp files of writers killed mid-write (storage.atomic_write_bytes names them).
        for tmp in self.file.parent.glob(f".{self.file.name}.*.tmp"):
            with contextlib.suppress(OSError):
                if time.time() - tmp.stat().st_mtime > STALE_TEMP_AGE:
                    tmp.unlink()

    def save(self) -> None:
        """Merge with what is on disk, under the lock, and write atomically."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + SAVE_TIMEOUT
        while True:
            self._break_empty_lock()
            try:
                with file_lock(self.file, timeout=0.5):
                    self._merge_and_write()
                return
            except LockedError:
                if time.monotonic() > deadline:
                    raise

    def _snapshot(self) -> dict[str, Section]:
        # Entries are replaced, never changed in place, so copying the sections is enough.
        with self._lock:
            return {name: dict(section) for name, section in self._data.items()}

    def _merge_and_write(self) -> None:
        merged = merge(self._snapshot(), self._read_disk())
        horizon = time.time_ns() - TOMBSTONE_TTL_NS
        for section in merged.values():
            for key in [k for k, e in section.items() if e.get("gone") and _entry_t(e) < horizon]:
                del section[key]
        write_json(self.file, GALLERY_SCHEMA, merged)
        with self._lock:  # edits made while writing are newer: merge keeps them
            self._data = merge(self._data, merged)

    def reload(self) -> None:
        """Take in what other programs saved, keeping our unsaved edits where newer."""
        disk = self._read_disk()
        with self._lock:
            self._data = merge(self._data, disk)

    def _live(self, section: str) -> list[tuple[str, Entry]]:
        with self._lock:
            return [(k, e) for k, e in self._data[section].items() if not e.get("gone")]

    def _put(self, section: str, key: str, entry: Entry) -> None:
        with self._lock:
            self._data[section][key] = {**entry, "t": self._clock.now()}

    def _remove(self, section: str, key: str) -> None:
        with self._lock:
            if key in self._data[section]:
                self._data[section][key] = {"gone": True, "t": self._clock.now()}

    # --- ratings ---------------------------------------------------------------------

    def rating(self, rel: str) -> int:
        with self._lock:
            entry = self._data["ratings"].get(path_key(rel))
        return int(entry.get("v", 0)) if entry and not entry.get("gone") else 0

    def set_rating(self, rel: str, stars: int) -> None:
        if not 0 <= stars <= 5:
            raise ValueError("a rating is 0 to 5 stars")
        key = path_key(rel)
        if stars == 0:
            self._remove("ratings", key)
        else:
            self._put("ratings", key, {"v": stars})

    def ratings(self) -> dict[str, int]:
        return {key_path(k): int(e.get("v", 0)) for k, e in self._live("ratings")}

    # --- tags ------------------------------------------------------------------------

    def define_tag(self, name: str, color: str = "#888888") -> None:
        if not name.strip():
            raise ValueError("a tag needs a name")
        self._put("tags", name, {"color": color})

    def delete_tag(self, name: str) -> None:
        self._remove("tags", name)
        for key, entry in self._live("file_tags"):
            if entry.get("tag") == name:
                self._remove("file_tags", key)

    def tags(self) -> dict[str, str]:
        return {k: str(e.get("color", "#888888")) for k, e in self._live("tags")}

    def rename_tag(self, old: str, new: str) -> None:
        """Rename a tag; its colour and every file carrying it follow.

        Into an existing tag, the two merge and the existing tag keeps its colour. Each
        change is an entry of its own, so a merge with another writer loses nothing.
        """
        if not new.strip():
            raise ValueError("a tag needs a name")
        tags = self.tags()
        if old not in tags:
            raise KeyError(f"there is no tag {old!r}")
        if new == old:
            return
        if new not in tags:
            self._put("tags", new, {"color": tags[old]})
        for key, entry in self._live("file_tags"):
            if entry.get("tag") == old:
                path = str(entry.get("path"))
                self._remove("file_tags", key)
                self._put("file_tags", path + "\0" + new, {"path": path, "tag": new})
        self._remove("tags", old)

    def tag_counts(self) -> dict[str, int]:
        """How many files carry each defined tag (0 for an unused one)."""
        counts = dict.fromkeys(self.tags(), 0)
        for _key, entry in self._live("file_tags"):
            tag = str(entry.get("tag"))
            if tag in counts:
                counts[tag] += 1
        return counts

    def tag_file(self, rel: str, tag: str, on: bool = True) -> None:
        if on and tag not in self.tags():
            self.define_tag(tag)
        key = path_key(rel) + "\0" + tag
        if on:
            self._put("file_tags", key, {"path": path_key(rel), "tag": tag})
        else:
            self._remove("file_tags", key)

    def file_tags(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for _key, entry in self._live("file_tags"):
            out.setdefault(key_path(str(entry.get("path"))), set()).add(str(entry.get("tag")))
        return out

    def tags_of(self, rel: str) -> set[str]:
        return self.file_tags().get(rel, set())

    # --- saved views -----------------------------------------------------------------

    def save_view(self, name: str, query: Mapping[str, Any]) -> None:
        self._put("views", name, {"query": dict(query)})

    def delete_view(self, name: str) -> None:
        self._remove("views", name)

    def views(self) -> dict[str, dict[str, Any]]:
        return {k: dict(e.get("query", {})) for k, e in self._live("views")}

    # --- trash -----------------------------------------------------------------------

    def add_trash(self, trash_id: str, original: str, stored: str) -> None:
        self._put("trash", trash_id, {"original": path_key(original), "stored": path_key(stored)})

    def remove_trash(self, trash_id: str) -> None:
        self._remove("trash", trash_id)

    def trash_entries(self) -> dict[str, tuple[str, str]]:
        """``trash_id -> (original path, path inside .gallery/.trash)``."""
        return {
            k: (key_path(str(e.get("original"))), key_path(str(e.get("stored"))))
            for k, e in self._live("trash")
        }

    # --- renames ---------------------------------------------------------------------

    def move_paths(self, moves: Iterable[tuple[str, str]]) -> None:
        """Ratings and tags follow files that were renamed or moved."""
        pairs = {path_key(old): path_key(new) for old, new in moves}
        if not pairs:
            return
        # All removals first, then all additions: a swap (a -> b, b -> a) keeps both.
        ratings = dict(self._live("ratings"))
        moved = {new: ratings[old]["v"] for old, new in pairs.items() if old in ratings}
        tagged = [
            (key, pairs[str(e.get("path"))], str(e.get("tag")))
            for key, e in self._live("file_tags")
            if str(e.get("path")) in pairs
        ]
        for old in pairs:
            self._remove("ratings", old)
        for key, _new, _tag in tagged:
            self._remove("file_tags", key)
        for new, stars in moved.items():
            self._put("ratings", new, {"v": stars})
        for _key, new, tag in tagged:
            self._put("file_tags", new + "\0" + tag, {"path": new, "tag": tag})


def open_store(project: Path) -> GalleryStore:
    """A loaded store; raises StorageError if the file is from a newer program."""
    return GalleryStore(project).load()
