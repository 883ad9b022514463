"""Folder tree, folder listing and recursive walk, with odd folders and names."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from directors_console.core.gallery.scanner import (
    Cancelled,
    CancelToken,
    list_folder,
    scan_tree,
    sniff_kind,
    walk_files,
)


def test_tree_has_only_visible_folders(project: Path) -> None:
    (project / ".gallery" / "cache").mkdir(parents=True)
    (project / ".hidden").mkdir()
    tree = scan_tree(project)
    names = {node.name for node in tree.walk()}
    assert "Panel_01" in names and ".gallery" not in names and ".hidden" not in names
    assert all(node.problem is None for node in tree.walk())
    expected = {Path(d) for d, _, _ in os.walk(project) if "/." not in d[len(str(project)) :]}
    assert {node.path for node in tree.walk()} == expected


def test_symlink_loop_and_broken_link_are_marked(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "loop").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "a" / "twin").symlink_to(tmp_path / "a" / "b")
    tree = scan_tree(tmp_path)
    marked = {n.name: n.problem for n in tree.walk() if n.problem}
    assert "loop" in marked and "symlink loop" in str(marked["loop"])
    assert "twin" in marked  # the same folder twice is shown once in full
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path)
    walked = list(walk_files(tmp_path))
    assert [(f.name, bool(f.problem)) for f in walked] == [("dangling", True)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_marked(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.png").write_bytes(b"x")
    locked.chmod(0)
    try:
        tree = scan_tree(tmp_path)
        node = next(n for n in tree.walk() if n.name == "locked")
        assert node.problem and "cannot read" in node.problem
        assert list_folder(locked).problem
    finally:
        locked.chmod(0o755)


def test_listing_kinds_and_markers(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    (tmp_path / "a.png").write_bytes(png)
    (tmp_path / "b.JPG").write_bytes(b"\xff\xd8\xff" + b"\0" * 10)
    (tmp_path / "c.mp4").write_bytes(b"\0\0\0\x18ftypisom")
    (tmp_path / "noext").write_bytes(png)
    (tmp_path / "movie").write_bytes(b"\0\0\0\x18ftypisom" + b"\0" * 8)
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / ".hidden.png").write_bytes(png)
    (tmp_path / "sub").mkdir()
    (tmp_path / "broken.png").symlink_to(tmp_path / "gone.png")
    with open(os.path.join(os.fsencode(tmp_path), b"bad\xff.png"), "wb") as fh:
        fh.write(png)
    listing = list_folder(tmp_path)
    kinds: dict[str, Any] = {f.name: (f.kind, f.problem) for f in listing.files}
    assert kinds["a.png"] == ("image", None)
    assert kinds["b.JPG"] == ("image", None)
    assert kinds["c.mp4"] == ("video", None)
    assert kinds["noext"] == ("image", None)
    assert kinds["movie"] == ("video", None)
    assert kinds["notes.txt"] == ("other", None)
    assert kinds["broken.png"][1]  # listed, with a marker
    bad = next(f for f in listing.files if f.name.startswith("bad"))
    assert bad.problem == "name is not valid UTF-8" and bad.kind == "image"
    assert ".hidden.png" not in kinds and "sub" not in kinds
    assert sniff_kind(tmp_path / "missing") == "other"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_marked(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"x")
    (tmp_path / "x.png").chmod(0)
    assert list_folder(tmp_path).files[0].problem == "not readable"


def test_walk_matches_manifest(project: Path, manifest: dict[str, Any]) -> None:
    found = {Path(f.path).relative_to(project).as_posix() for f in walk_files(project)}
    expected = {i["path"].split("/", 1)[1] for i in manifest["files"]}
    assert found == expected


def test_cancel_stops_tree_listing_and_walk(project: Path) -> None:
    token = CancelToken()
    token.cancel()
    for run in (lambda: scan_tree(project, token), lambda: list(walk_files(project, token)),
                lambda: list_folder(project / "Panel_01", token)):  # fmt: skip
        with pytest.raises(Cancelled):
            run()


def test_cancel_from_another_thread(tmp_path: Path) -> None:
    for i in range(300):
        (tmp_path / f"d{i}").mkdir()
    token = CancelToken()
    seen = []

    def walk() -> None:
        try:
            for entry in walk_files(tmp_path, token):
                seen.append(entry)
        except Cancelled:
            seen.append("cancelled")

    token.cancel()
    worker = threading.Thread(target=walk)
    worker.start()
    worker.join(5)
    assert seen == ["cancelled"]
