"""Atomic, schema-versioned JSON files.

Every file we own on disk (project.json, gallery.json, ...) goes through here:
- writes are atomic: a temp file in the same folder, fsync, ``os.replace``, fsync of
  the folder, so a crash or a full disk leaves the old file intact;
- each document carries ``schema_version``; older versions are migrated on read,
  newer ones are refused (we never overwrite what a newer program wrote);
- a corrupt file is moved aside as ``<name>.corrupt-<time>`` and reported, never
  silently replaced;
- writers take a lock file beside the target (``<name>.lock``) that works on
  network shares, where ``fcntl`` locks are unreliable.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA_KEY = "schema_version"

JsonDict = dict[str, Any]
Migration = Callable[[JsonDict], JsonDict]


class StorageError(Exception):
    """A file could not be read or written; ``str()`` is a message for the user."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


class CorruptFileError(StorageError):
    """The file is not a valid document; it has been moved to ``kept_as``."""

    def __init__(self, path: Path, reason: str, kept_as: Path | None) -> None:
        where = f" It was kept as {kept_as.name}." if kept_as else ""
        super().__init__(path, f"{path.name} is damaged ({reason}).{where}")
        self.reason = reason
        self.kept_as = kept_as


class NewerVersionError(StorageError):
    """The file was written by a newer program; it is left untouched."""

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            path,
            f"{path.name} was written by a newer Director's Console "
            f"(format {found}; this version reads up to {supported}). "
            "Update the program to open it; the file was not changed.",
        )
        self.found = found
        self.supported = supported


class LockedError(StorageError):
    """Another writer holds the lock file."""


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def keep_aside(path: Path, tag: str = "corrupt") -> Path:
    """Rename ``path`` to ``<name>.<tag>-<time>`` (never overwriting) and return it."""
    base = path.with_name(f"{path.name}.{tag}-{_timestamp()}")
    target = base
    n = 1
    while target.exists():
        target = base.with_name(f"{base.name}-{n}")
        n += 1
    path.replace(target)
    return target


def fsync_dir(folder: Path) -> None:
    # Directory fsync makes the rename durable; not every filesystem allows it.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    folder = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StorageError(path, f"Cannot write in {folder}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            if path.exists():
                tmp.chmod(path.stat().st_mode & 0o777)
            else:
                tmp.chmod(0o644)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StorageError(
            path, f"Could not save {path.name}: {exc.strerror or exc}. The previous file is intact."
        ) from exc
    fsync_dir(folder)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@dataclass(frozen=True)
class JsonSchema:
    """How one kind of document is versioned: its current version and upgrade steps.

    ``migrations[n]`` turns a version-``n`` document into version ``n + 1``.
    """

    name: str
    version: int
    migrations: Mapping[int, Migration] = field(default_factory=dict)

    def upgrade(self, path: Path, doc: JsonDict) -> JsonDict:
        found = doc.get(SCHEMA_KEY)
        if not isinstance(found, int) or isinstance(found, bool) or found < 1:
            raise ValueError(f"missing or invalid {SCHEMA_KEY!r}")
        if found > self.version:
            raise NewerVersionError(path, found, self.version)
        migrations = self.migrations
        while found < self.version:
            step = migrations.get(found)
            if step is None:
                raise ValueError(f"no upgrade from format {found}")
            doc = step(dict(doc))
            found += 1
            doc[SCHEMA_KEY] = found
        return doc


def read_json(path: Path, schema: JsonSchema) -> JsonDict:
    """Read a versioned document, upgrading old formats.

    Raises FileNotFoundError if it does not exist, CorruptFileError (after moving the
    file aside) if it cannot be parsed, NewerVersionError if it is too new.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StorageError(path, f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    try:
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("top level is not an object")
        return schema.upgrade(path, doc)
    except NewerVersionError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        reason = _short_reason(exc)
        kept = keep_aside(path)
        raise CorruptFileError(path, reason, kept) from exc


def _short_reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


def write_json(path: Path, schema: JsonSchema, doc: Mapping[str, Any]) -> None:
    """Write ``doc`` atomically with the schema's current version stamped in."""
    body = {SCHEMA_KEY: schema.version, **{k: v for k, v in doc.items() if k != SCHEMA_KEY}}
    text = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    atomic_write_text(path, text)


# --- lock files --------------------------------------------------------------------------


@dataclass(frozen=True)
class LockInfo:
    host: str
    pid: int
    created: float


def _read_lock(lock: Path) -> LockInfo | None:
    try:
        data = json.loads(lock.read_text("utf-8"))
        return LockInfo(str(data["host"]), int(data["pid"]), float(data["created"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(info: LockInfo | None, lock: Path, stale_after: float) -> bool:
    if info is None:
        # Unreadable lock: stale once it is older than the limit (a writer mid-create
        # is never that slow).
        try:
            age = time.time() - lock.stat().st_mtime
        except OSError:
            return True
        return age > stale_after
    if info.host == socket.gethostname():
        return not _pid_alive(info.pid)
    return time.time() - info.created > stale_after


def _create_lock(lock: Path, payload: str) -> bool:
    """Create ``lock`` holding ``payload`` atomically; False if it exists already.

    The payload is written to a temp file first and hard-linked to the lock name, so a
    writer killed half-way never leaves an empty, unexplained lock behind. Where hard
    links are not supported (some SMB shares), an O_EXCL create is the fallback.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{lock.name}.", suffix=".tmp", dir=lock.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        try:
            os.link(tmp, lock)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
        try:
            excl = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(excl, "w", encoding="utf-8") as fh:
            fh.write(payload)
        return True
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def file_lock(
    target: Path, *, timeout: float = 5.0, stale_after: float = 120.0, poll: float = 0.05
) -> Iterator[Path]:
    """Hold ``<target>.lock`` while writing ``target``.

    The lock file (created atomically with its content: works on local disks and on
    NFS/SMB) holds host, pid and time. A lock left by a dead process on this host, or
    older than ``stale_after`` from another host, is broken.
    """
    lock = target.with_name(target.name + ".lock")
    payload = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "created": time.time()})
    deadline = time.monotonic() + timeout
    while True:
        try:
            created = _create_lock(lock, payload)
        except OSError as exc:
            raise StorageError(target, f"Cannot lock {target.name}: {exc.strerror or exc}") from exc
        if created:
            break
        info = _read_lock(lock)
        if _is_stale(info, lock, stale_after):
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            continue
        if time.monotonic() >= deadline:
            who = f"{info.host} (process {info.pid})" if info else "another program"
            raise LockedError(
                target, f"{target.name} is being written by {who}; try again shortly."
            ) from None
        time.sleep(poll)
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def locked_write_json(path: Path, schema: JsonSchema, doc: Mapping[str, Any]) -> None:
    with file_lock(path):
        write_json(path, schema, doc)
