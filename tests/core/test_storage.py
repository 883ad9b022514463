"""Atomic, versioned JSON storage: corrupt files kept aside, newer refused, locks."""

from __future__ import annotations

import errno
import json
import os
import socket
import time
from pathlib import Path

import pytest

from directors_console.core import storage
from directors_console.core.storage import (
    CorruptFileError,
    JsonSchema,
    LockedError,
    NewerVersionError,
    StorageError,
    atomic_write_text,
    file_lock,
    read_json,
    write_json,
)

SCHEMA = JsonSchema("thing", 2, {1: lambda d: {**d, "added_in_2": True}})


def test_round_trip_stamps_version(tmp_path: Path) -> None:
    path = tmp_path / "thing.json"
    write_json(path, SCHEMA, {"name": "Nightfall", "schema_version": 99})
    raw = json.loads(path.read_text())
    assert raw["schema_version"] == 2
    assert read_json(path, SCHEMA) == {"schema_version": 2, "name": "Nightfall"}
    assert [p.name for p in tmp_path.iterdir()] == ["thing.json"], "no temp files left"


def test_older_version_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "thing.json"
    path.write_text(json.dumps({"schema_version": 1, "name": "old"}))
    doc = read_json(path, SCHEMA)
    assert doc == {"schema_version": 2, "name": "old", "added_in_2": True}


def test_newer_version_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "thing.json"
    original = json.dumps({"schema_version": 7, "name": "future"})
    path.write_text(original)
    with pytest.raises(NewerVersionError) as info:
        read_json(path, SCHEMA)
    assert "newer" in str(info.value)
    assert info.value.found == 7
    assert path.read_text() == original


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"schema_version": 2, "name": ', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2, 3]", "not an object"),
        (b'{"name": "no version"}', "schema_version"),
        (b"", "not valid JSON"),
    ],
)
def test_corrupt_file_is_kept_aside(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "thing.json"
    path.write_bytes(content)
    with pytest.raises(CorruptFileError) as info:
        read_json(path, SCHEMA)
    err = info.value
    assert reason in str(err)
    assert not path.exists()
    assert err.kept_as is not None
    assert err.kept_as.name.startswith("thing.json.corrupt-")
    assert err.kept_as.read_bytes() == content
    assert err.kept_as.name in str(err)


def test_keep_aside_never_overwrites(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    first.write_text("1")
    kept1 = storage.keep_aside(first)
    first.write_text("2")
    kept2 = storage.keep_aside(first)
    assert kept1 != kept2
    assert kept1.read_text() == "1"
    assert kept2.read_text() == "2"


def test_full_disk_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "thing.json"
    atomic_write_text(path, "old content")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "fsync", no_space)
    with pytest.raises(StorageError) as info:
        atomic_write_text(path, "new content that does not fit")
    assert "No space left" in str(info.value)
    assert "intact" in str(info.value)
    assert path.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["thing.json"]


def test_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "thing.json"
    with pytest.raises(StorageError, match="Cannot write in"):
        atomic_write_text(missing, "x")


def test_write_keeps_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "thing.json"
    path.write_text("{}")
    path.chmod(0o600)
    atomic_write_text(path, "{}")
    assert path.stat().st_mode & 0o777 == 0o600


def test_lock_blocks_second_writer(tmp_path: Path) -> None:
    target = tmp_path / "project.json"
    with file_lock(target) as lock:
        assert lock.exists()
        info = json.loads(lock.read_text())
        assert info["pid"] == os.getpid()
        with pytest.raises(LockedError, match="being written by"), file_lock(target, timeout=0.1):
            pass
    assert not lock.exists()


def test_lock_of_dead_process_is_broken(tmp_path: Path) -> None:
    target = tmp_path / "project.json"
    lock = tmp_path / "project.json.lock"
    dead_pid = 2**22 + 12345  # above pid_max on typical systems
    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": dead_pid, "created": 0}))
    with file_lock(target, timeout=0.5):
        assert json.loads(lock.read_text())["pid"] == os.getpid()


def test_lock_from_other_host_respected_until_stale(tmp_path: Path) -> None:
    target = tmp_path / "project.json"
    lock = tmp_path / "project.json.lock"
    lock.write_text(json.dumps({"host": "render-box", "pid": 1, "created": time.time()}))
    with pytest.raises(LockedError, match="render-box"), file_lock(target, timeout=0.1):
        pass
    lock.write_text(json.dumps({"host": "render-box", "pid": 1, "created": time.time() - 999}))
    with file_lock(target, timeout=0.5, stale_after=120):
        pass


def test_lock_file_never_appears_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "gallery.json"
    seen: list[str] = []
    real_link = os.link

    def spying_link(src, dst):  # type: ignore[no-untyped-def]
        real_link(src, dst)
        seen.append(Path(dst).read_text())  # at the moment the lock name exists

    monkeypatch.setattr(storage.os, "link", spying_link)
    with file_lock(target):
        pass
    assert seen and json.loads(seen[0])["pid"] == os.getpid()
    assert list(tmp_path.iterdir()) == [], "no temp or lock file left behind"


def test_lock_without_hard_links_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(errno.EPERM, "hard links not supported here")

    monkeypatch.setattr(storage.os, "link", no_links)
    target = tmp_path / "project.json"
    with file_lock(target) as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        with pytest.raises(LockedError), file_lock(target, timeout=0.1):
            pass
    assert list(tmp_path.iterdir()) == []
