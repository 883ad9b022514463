"""Folder statistics, listing order, day groups and index facts (core, no Qt)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from directors_console.core.gallery.arrange import (
    FileInfo,
    day_groups,
    day_title,
    read_info,
    sort_entries,
)
from directors_console.core.gallery.index import GalleryIndex
from directors_console.core.gallery.scanner import Cancelled, CancelToken, FileEntry
from directors_console.core.gallery.stats import folder_stats, summarize


def png(path: Path, size: tuple[int, int], seed: int, model: str) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text(
        "parameters",
        f"a quiet harbor\nNegative prompt: blurry\nSteps: 20, Sampler: Euler, CFG scale: 6, "
        f"Seed: {seed}, Size: {size[0]}x{size[1]}, Model: {model}",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (30, 60, 90)).save(path, pnginfo=info)


def stamp(path: Path, when: dt.datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "Harbor"
    png(root / "shots" / "a.png", (64, 32), 7, "dreamshaper_8")
    png(root / "shots" / "b.png", (32, 64), 7, "dreamshaper_8")
    png(root / "shots" / "c.png", (40, 40), 9, "juggernaut")
    (root / "shots" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    (root / "shots" / "notes.txt").write_text("hello")
    png(root / "shots" / "deep" / "d.png", (20, 20), 11, "juggernaut")
    stamp(root / "shots" / "a.png", dt.datetime(2026, 11, 20, 10))
    stamp(root / "shots" / "b.png", dt.datetime(2026, 11, 24, 9))
    return root


def test_folder_stats_match_the_folder(project: Path, tmp_path: Path) -> None:
    ratings = {"shots/a.png": 5, "shots/b.png": 2, "shots/deep/d.png": 4}
    tags = {"shots/a.png": {"hero", "night"}, "shots/c.png": {"hero"}}
    stats = folder_stats(project, "shots", False, ratings, tags, None)
    files = [p for p in (project / "shots").iterdir() if p.is_file()]
    assert stats.files == 5
    assert stats.by_kind == {"image": 3, "video": 1, "other": 1}
    assert stats.total_size == sum(p.stat().st_size for p in files)
    assert stats.histogram == [3, 0, 1, 0, 0, 1]
    assert (stats.rated, stats.unrated) == (2, 3)
    assert stats.tags == [("hero", 2), ("night", 1)]
    assert stats.oldest == pytest.approx(dt.datetime(2026, 11, 20, 10).timestamp())
    assert stats.models == [] and stats.indexed == 0  # no index given

    deep = folder_stats(project, "shots", True, ratings, tags, None)
    assert deep.files == 6 and deep.histogram[4] == 1 and deep.recursive


def test_folder_stats_read_models_and_seeds_from_the_index(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with GalleryIndex(project, cache, workers=1) as index:
        index.update()
        index_file = index.file
    stats = folder_stats(project, "shots", True, {}, {}, index_file)
    assert stats.indexed == 6  # the 4 images, the clip and the text file
    assert stats.models == [("dreamshaper_8", 2), ("juggernaut", 2)]
    assert stats.seeds == [("7", 2)]  # only seeds used more than once
    info = read_info(index_file, ["shots/a.png", "shots/b.png", "missing.png"])
    assert info["shots/a.png"] == FileInfo(64, 32, 7, "dreamshaper_8")
    assert info["shots/b.png"].aspect == pytest.approx(0.5)
    assert "missing.png" not in info
    assert read_info(tmp_path / "nope.sqlite", ["shots/a.png"]) == {}


def test_a_cancelled_count_stops(project: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        folder_stats(project, "shots", True, {}, {}, None, token)


def entry(name: str, size: int, mtime: float, kind: str = "image") -> FileEntry:
    return FileEntry(f"/p/{name}", name.rpartition("/")[2], size, mtime, kind)  # type: ignore[arg-type]


def test_sort_entries_by_every_field() -> None:
    rows = [entry("x/b.png", 30, 2.0), entry("a.png", 10, 3.0), entry("y/c.mp4", 20, 1.0, "video")]
    ratings = {"/p/a.png": 1, "/p/x/b.png": 5}
    info = {"/p/x/b.png": FileInfo(100, 50, 3, "Zeta"), "/p/a.png": FileInfo(10, 10, 12, "alpha")}

    def rel(path: str) -> str:
        return path[3:]

    def names(field: str, desc: bool = False) -> list[str]:
        got = sort_entries(rows, field, desc, lambda p: ratings.get(p, 0), info, rel)  # type: ignore[arg-type]
        return [e.name for e in got]

    assert names("name") == ["a.png", "b.png", "c.mp4"]
    assert names("name", True) == ["c.mp4", "b.png", "a.png"]
    assert names("date") == ["c.mp4", "b.png", "a.png"]
    assert names("size", True) == ["b.png", "c.mp4", "a.png"]
    assert names("rating", True) == ["b.png", "a.png", "c.mp4"]
    assert names("kind") == ["a.png", "b.png", "c.mp4"]
    assert names("folder") == ["a.png", "b.png", "c.mp4"]
    assert names("dimensions", True) == ["b.png", "a.png", "c.mp4"]  # unknown last
    assert names("dimensions") == ["a.png", "b.png", "c.mp4"]
    assert names("seed") == ["b.png", "a.png", "c.mp4"]
    assert names("model") == ["a.png", "b.png", "c.mp4"]  # case-insensitive


def test_day_groups_and_titles() -> None:
    day1 = dt.datetime(2026, 11, 24, 23, 59).timestamp()
    day2 = dt.datetime(2026, 11, 20, 0, 1).timestamp()
    rows = [entry("a", 1, day1), entry("b", 1, day2), entry("c", 1, day1 - 60), entry("d", 1, day2)]
    groups = day_groups(rows)
    assert [g.day for g in groups] == [dt.date(2026, 11, 24), dt.date(2026, 11, 20)]
    assert [g.rows for g in groups] == [[0, 2], [1, 3]]
    assert groups[0].title == "Tuesday 24 November 2026 · 2 files"
    assert next(g.day for g in day_groups(rows, newest_first=False)) == dt.date(2026, 11, 20)
    assert day_title(dt.date(2026, 11, 24), 1) == "Tuesday 24 November 2026 · 1 file"


def test_summarize_counts_problems_and_bad_ratings() -> None:
    rows = [entry("a", 5, 1.0), FileEntry("/p/b", "b", 7, 2.0, "image", "name is not valid UTF-8")]
    stats = summarize("", False, rows, lambda p: p[3:], {"a": 9}, {}, {})
    assert stats.problems == 1 and stats.histogram[0] == 2 and stats.total_size == 12
