"""Renames, moves, trash, undo, path checks and crash recovery of batch renames."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from datetime import datetime
from pathlib import Path

import pytest

from directors_console.core.gallery import fileops as fileops_module
from directors_console.core.gallery.fileops import FileOpError, FileOps, PathEscapeError, inside
from directors_console.core.gallery.naming import (
    PlannedMove,
    TemplateError,
    plan_regex,
    plan_template,
)
from directors_console.core.gallery.store import GalleryStore


def _files(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)


def _info(rel: str) -> dict[str, object]:
    return {"seed": 42, "positive": "A knight, at dusk! (cinematic)", "rating": 3}


def test_template_tokens(tmp_path: Path) -> None:
    _files(tmp_path, ["p/a.png", "p/b.jpg"])
    os.utime(tmp_path / "p/a.png", (0, datetime(2025, 3, 1, 12).timestamp()))
    os.utime(tmp_path / "p/b.jpg", (0, datetime(2025, 3, 2, 12).timestamp()))
    mtime = lambda rel: (tmp_path / rel).stat().st_mtime  # noqa: E731
    plan = plan_template(["p/a.png", "p/b.jpg"], "{date}_{n:03}_{name}_{seed}_{prompt:9}",
                         mtime=mtime, info=_info, start=7)  # fmt: skip
    assert [p.new for p in plan] == ["p/2025-03-01_007_a_42_A_knight.png",
                                     "p/2025-03-02_008_b_42_A_knight.jpg"]  # fmt: skip
    plan = plan_template(["p/a.png"], "{rating}-{date:%Y%m%d}.{ext}x", mtime=mtime, info=_info)
    assert plan[0].new == "p/3-20250301.pngx"
    with pytest.raises(TemplateError, match="unknown token"):
        plan_template(["p/a.png"], "{nope}", mtime=mtime, info=_info)
    with pytest.raises(TemplateError):
        plan_template(["p/a.png"], "{n", mtime=mtime, info=_info)


def test_regex_and_preview_collisions(tmp_path: Path) -> None:
    _files(tmp_path, ["a_v1.png", "b_v1.png", "c_v1.png", "taken.png", "Upper.png", "upper2.png"])
    ops = FileOps(tmp_path)
    plan = plan_regex(["a_v1.png", "b_v1.png"], r"_v(\d)", r"_v0\1")
    assert [p.new for p in plan] == ["a_v01.png", "b_v01.png"]
    preview = ops.preview(
        [PlannedMove("a_v1.png", "same.png"), PlannedMove("b_v1.png", "SAME.png"),
         PlannedMove("c_v1.png", "taken.png"), PlannedMove("Upper.png", "bad:name.png"),
         PlannedMove("upper2.png", "../escape.png"), PlannedMove("gone.png", "x.png"),
         PlannedMove("taken.png", "taken.png")]
    )  # fmt: skip
    problems = {p.old: p.problem for p in preview}
    assert "same name" in str(problems["a_v1.png"]) and "same name" in str(problems["b_v1.png"])
    assert "already exists" in str(problems["c_v1.png"])
    assert "not allowed" in str(problems["Upper.png"])
    assert "inside the project" in str(problems["upper2.png"])
    assert "gone" in str(problems["gone.png"])
    assert "taken.png" not in problems  # unchanged names are dropped
    with pytest.raises(FileOpError):
        ops.apply(preview)
    assert (tmp_path / "taken.png").read_text() == "taken.png"  # never overwritten
    with pytest.raises(TemplateError):
        plan_regex(["a.png"], "(", "x")


def test_paths_stay_inside(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir()
    (root / "link").symlink_to(outside)
    for bad in ("../x.png", "/etc/passwd", "a/../../x", "link/x.png", "C:/x", ""):
        with pytest.raises(PathEscapeError):
            inside(root, bad)
    assert inside(root, "a/b.png") == root / "a" / "b.png"
    _files(root, ["a.png"])
    with pytest.raises(PathEscapeError):
        FileOps(root).move(["a.png"], "link")
    assert (root / "a.png").exists()


def test_rename_move_follow_ratings_and_tags(tmp_path: Path) -> None:
    _files(tmp_path, ["p/a.png", "p/b.png"])
    store = GalleryStore(tmp_path).load()
    store.set_rating("p/a.png", 5)
    store.tag_file("p/b.png", "hero")
    store.save()
    ops = FileOps(tmp_path, store)
    result = ops.rename("p/a.png", "best.png")
    assert result.moves == [("p/a.png", "p/best.png")]
    event = result.event(tmp_path)
    assert event.moves == ((tmp_path / "p/a.png", tmp_path / "p/best.png"),)
    moved = ops.move(["p/best.png", "p/b.png"], "selects/day1")
    assert sorted(moved.moves) == [("p/b.png", "selects/day1/b.png"),
                                   ("p/best.png", "selects/day1/best.png")]  # fmt: skip
    saved = GalleryStore(tmp_path).load()
    assert saved.ratings() == {"selects/day1/best.png": 5}
    assert saved.file_tags() == {"selects/day1/b.png": {"hero"}}
    undone = ops.undo()
    assert sorted(undone.moves) == [("selects/day1/b.png", "p/b.png"),
                                    ("selects/day1/best.png", "p/best.png")]  # fmt: skip
    assert GalleryStore(tmp_path).load().ratings() == {"p/best.png": 5}
    assert not ops.can_undo()
    with pytest.raises(FileOpError):
        ops.undo()


def test_trash_restore_empty(tmp_path: Path) -> None:
    _files(tmp_path, ["p/a.png", "p/b.png", "p/c.png"])
    ops = FileOps(tmp_path)
    ops.store.set_rating("p/a.png", 4)
    ops.store.save()
    ops.trash(["p/a.png", "p/b.png"])
    assert not (tmp_path / "p/a.png").exists()
    entries = ops.store.trash_entries()
    assert sorted(o for o, _ in entries.values()) == ["p/a.png", "p/b.png"]
    assert all((tmp_path / stored).exists() for _, stored in entries.values())
    restore_id = next(t for t, (o, _) in entries.items() if o == "p/a.png")
    ops.restore([restore_id])
    assert (tmp_path / "p/a.png").read_text() == "p/a.png"
    assert GalleryStore(tmp_path).load().rating("p/a.png") == 4
    ops.trash(["p/c.png"])
    ops.undo()  # undo of a trash puts the file back
    assert (tmp_path / "p/c.png").exists() and len(ops.store.trash_entries()) == 1
    assert ops.empty_trash() == 1
    assert ops.store.trash_entries() == {} and not (tmp_path / ".gallery/.trash").exists()
    assert GalleryStore(tmp_path).load().trash_entries() == {}


def test_restore_never_overwrites(tmp_path: Path) -> None:
    _files(tmp_path, ["a.png"])
    ops = FileOps(tmp_path)
    ops.trash(["a.png"])
    _files(tmp_path, ["a.png"])  # a new file took the name meanwhile
    with pytest.raises(FileOpError, match="already exists"):
        ops.restore(list(ops.store.trash_entries()))


def test_recovery_after_half_done_batch(tmp_path: Path) -> None:
    names = [f"f{i}.png" for i in range(6)]
    _files(tmp_path, names)
    ops = FileOps(tmp_path)
    ops.store.set_rating("f0.png", 2)
    ops.store.save()
    journal = [{"old": n, "new": f"g{i}.png", "done": False} for i, n in enumerate(names)]
    with_inodes = [{**op, "ino": (tmp_path / op["old"]).stat().st_ino} for op in journal[:4]]
    ops._write_journal("rename", with_inodes + journal[4:])  # the last two: no inodes known
    (tmp_path / "f0.png").rename(tmp_path / "g0.png")  # done
    os.link(tmp_path / "f1.png", tmp_path / "g1.png")  # crashed between link and unlink
    result = FileOps(tmp_path).recover()
    assert result is not None and len(result.moves) == 6 and not result.problems
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        f"g{i}.png" for i in range(6)]  # fmt: skip
    assert (tmp_path / "g1.png").read_text() == "f1.png"
    assert GalleryStore(tmp_path).load().ratings() == {"g0.png": 2}
    assert FileOps(tmp_path).recover() is None


@pytest.mark.parametrize("shift", [None, 300])
def test_sigkill_during_1000_file_batch(tmp_path: Path, shift: int | None) -> None:
    """Killed mid-batch, then recovered: every file has its old or its new name."""
    rng = random.Random(3)
    names = [f"shot_{i:04}.png" for i in range(1000)]
    # shift=300 renumbers shot_0000 -> shot_0300 ...: names are reused (two phases).
    new_name = (lambda i: f"shot_{i + shift:04}.png") if shift else (lambda i: f"r_{i:04}.png")
    interrupted = 0
    for attempt in range(3):
        root = tmp_path / f"run{attempt}"
        _files(root, names)
        plan = [PlannedMove(n, new_name(i)) for i, n in enumerate(names)]
        pid = os.fork()
        if pid == 0:
            try:
                FileOps(root).apply(plan)
            finally:
                os._exit(0)
        deadline = time.monotonic() + 5
        while not (root / ".gallery/journal.json").exists() and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0.005, 0.1))  # a batch takes ~0.2 s here
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        interrupted += (root / ".gallery/journal.json").exists()
        FileOps(root).recover()
        where = {p.read_text(): p.name for p in root.iterdir() if p.is_file()}
        assert len(where) == 1000 == sum(1 for p in root.iterdir() if p.is_file())
        for i, old in enumerate(names):
            assert where[old] in (old, new_name(i)), old  # never lost, old or new name
        assert not (root / ".gallery/journal.json").exists()
    assert interrupted  # at least one kill landed mid-batch


def test_renumber_and_swap_in_one_batch(tmp_path: Path) -> None:
    names = [f"v{i:03}.png" for i in range(1, 6)]
    _files(tmp_path, names)
    ops = FileOps(tmp_path)
    ops.store.set_rating("v001.png", 1)
    ops.store.set_rating("v002.png", 2)
    ops.store.tag_file("v001.png", "x")
    ops.store.tag_file("v002.png", "x")
    ops.store.save()
    result = ops.apply([PlannedMove(n, f"v{i + 2:03}.png") for i, n in enumerate(names)])
    assert result.moves == [(n, f"v{i + 2:03}.png") for i, n in enumerate(names)]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        f"v{i:03}.png" for i in range(2, 7)]  # fmt: skip
    assert (tmp_path / "v002.png").read_text() == "v001.png"
    store = GalleryStore(tmp_path).load()
    assert store.ratings() == {"v002.png": 1, "v003.png": 2}
    assert store.file_tags() == {"v002.png": {"x"}, "v003.png": {"x"}}
    swap = ops.apply([PlannedMove("v002.png", "v003.png"), PlannedMove("v003.png", "v002.png")])
    assert sorted(swap.moves) == [("v002.png", "v003.png"), ("v003.png", "v002.png")]
    assert (tmp_path / "v003.png").read_text() == "v001.png"
    assert GalleryStore(tmp_path).load().ratings() == {"v003.png": 1, "v002.png": 2}
    ops.undo()
    assert (tmp_path / "v002.png").read_text() == "v001.png"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".v")]


def test_recovery_of_a_two_phase_batch(tmp_path: Path) -> None:
    _files(tmp_path, ["a.png", "b.png"])
    ops = FileOps(tmp_path)
    ino = {n: (tmp_path / n).stat().st_ino for n in ("a.png", "b.png")}
    steps = [("b.png", ".b.png.dc-1-1", "b.png"), ("a.png", "b.png", "a.png"),
             (".b.png.dc-1-1", "a.png", "b.png")]  # fmt: skip
    journal = [{"old": a, "new": b, "ino": ino[o], "done": False} for a, b, o in steps]
    ops._write_journal("rename", journal)
    (tmp_path / "b.png").rename(tmp_path / ".b.png.dc-1-1")
    (tmp_path / "a.png").rename(tmp_path / "b.png")  # crash before the last step
    result = FileOps(tmp_path).recover()
    assert result is not None and not result.problems
    assert sorted(result.moves) == [("a.png", "b.png"), ("b.png", "a.png")]
    assert (tmp_path / "a.png").read_text() == "b.png"
    assert (tmp_path / "b.png").read_text() == "a.png"
    # Recovering the same journal after the whole batch went through changes nothing.
    ops._write_journal("rename", journal)
    again = FileOps(tmp_path).recover()
    assert again is not None and not again.problems
    assert (tmp_path / "a.png").read_text() == "b.png"


class _Crash(BaseException):
    """Stands for kill -9: nothing after it runs, no except clause catches it."""


@pytest.mark.parametrize("shape", ["renumber", "permutation"])
def test_crash_at_every_step_then_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    names = [f"s{i:02}.png" for i in range(10, 22)]
    order = list(range(12))
    random.Random(5).shuffle(order)
    target = [f"s{i + 13:02}.png" for i in range(12)] if shape == "renumber" else [
        names[j] for j in order]  # fmt: skip
    real_move = fileops_module._move_no_overwrite
    for crash_at in range(2 * len(names) + 1):
        root = tmp_path / f"{shape}{crash_at}"
        _files(root, names)
        calls = [0]

        def move(src: Path, dst: Path, calls: list[int] = calls, limit: int = crash_at) -> None:
            if calls[0] == limit:
                raise _Crash()
            calls[0] += 1
            real_move(src, dst)

        monkeypatch.setattr(fileops_module, "_move_no_overwrite", move)
        with contextlib.suppress(_Crash):
            FileOps(root).apply([PlannedMove(a, b) for a, b in zip(names, target, strict=True)])
        monkeypatch.setattr(fileops_module, "_move_no_overwrite", real_move)
        result = FileOps(root).recover()
        assert result is None or not result.problems
        for old, new in zip(names, target, strict=True):
            assert (root / new).read_text() == old  # rolled forward to the end
        assert not [p for p in root.iterdir() if p.name.startswith(".s")]
