"""How the gallery grid gets its thumbnails: visible tiles first, stale requests dropped,
results batched into few model updates, pixmaps capped by bytes, the real thumbnails
painted on screen, and a new listing merged without a model reset.

The timing targets themselves are measured by ``benchmarks/gallery_tab.py``; these tests
check the behaviour that makes them reachable.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, QPoint
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.gallery.scanner import FileEntry, list_folder
from directors_console.core.gallery.thumbnails import make_thumbnails, thumb_file
from directors_console.ui.gallery import thumbs
from directors_console.ui.gallery.grid import ICON, TILE, FileModel, GalleryGrid, diff_listing
from directors_console.ui.gallery.thumbs import ThumbnailLoader
from tests.ui.conftest import wait_until

RED = (220, 30, 30)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "renders"
    root.mkdir()
    for i in range(120):
        Image.new("RGB", (96, 64), RED if i % 2 == 0 else (30, 30, 220)).save(
            root / f"r{i:03d}.png"
        )
    return root


@pytest.fixture
def loader(tmp_path: Path) -> Iterator[ThumbnailLoader]:
    tasks = TaskManager()
    workers = Workers(threads=4, processes=2)
    made = ThumbnailLoader(tmp_path / "cache", tasks, workers)
    yield made
    tasks.cancel_owned_by(made)
    workers.shutdown()


def entries(folder: Path) -> list[FileEntry]:
    return list_folder(folder).files


def items(rows: list[FileEntry]) -> list[tuple[str, str, int, float]]:
    return [(e.path, e.kind, e.size, e.mtime) for e in rows]


def fill_cache(loader: ThumbnailLoader, rows: list[FileEntry]) -> None:
    jobs = [(e.path, str(thumb_file(loader.cache_dir, e.path, e.size, e.mtime))) for e in rows]
    assert make_thumbnails(jobs) == [None] * len(jobs)


async def test_a_new_request_drops_the_rows_scrolled_past(
    loader: ThumbnailLoader, folder: Path
) -> None:
    rows = entries(folder)
    fill_cache(loader, rows)
    passed, shown = rows[:100], rows[100:]
    loader.request(items(passed))
    loader.request(items(shown))  # the user scrolled on before any of them arrived
    await wait_until(lambda: all(loader.get(e.path) for e in shown), 20)
    await wait_until(lambda: loader.pending() == 0, 10)
    loaded_passed = sum(1 for e in passed if loader.get(e.path) is not None)
    # Only the batches already handed to a thread could still arrive.
    assert loaded_passed <= thumbs.READ_SLOTS * thumbs.READ_BATCH < len(passed)


async def test_misses_are_made_in_the_pool_visible_first(
    loader: ThumbnailLoader, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    in_process = loader.workers.in_process

    async def spy(fn: Callable[..., Any], *args: Any) -> Any:
        if args:
            calls.append([src for src, _dest in args[0]])
        return await in_process(fn, *args)

    monkeypatch.setattr(loader.workers, "in_process", spy)
    loader.warm_up()
    await wait_until(lambda: loader.workers._processes is not None, 5)
    rows = entries(folder)[:12]
    loader.request(items(rows[:8]), items(rows[8:]))  # 8 on screen: the first 2 batches
    await wait_until(lambda: all(loader.get(e.path) for e in rows), 60)
    assert loader.made == 12 and loader.read == 0
    assert calls[0] + calls[1] == [e.path for e in rows[:8]]  # the screen first
    assert calls[2] == [e.path for e in rows[8:]]  # then the look-ahead
    assert all(thumb_file(loader.cache_dir, e.path, e.size, e.mtime).exists() for e in rows)
    pixmap = loader.get(rows[0].path)
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (96, 64)


async def test_results_come_in_few_batches(loader: ThumbnailLoader, folder: Path) -> None:
    rows = entries(folder)[:48]
    fill_cache(loader, rows)
    batches: list[list[str]] = []
    singles: list[str] = []
    loader.batch_ready.connect(batches.append)
    loader.ready.connect(singles.append)
    loader.request(items(rows))
    await wait_until(lambda: all(loader.get(e.path) for e in rows), 20)
    await wait_until(lambda: len(singles) == 48, 5)
    assert loader.read == 48 and loader.made == 0
    assert len(batches) <= 48 // thumbs.READ_BATCH + 1
    assert sorted(p for b in batches for p in b) == sorted(e.path for e in rows)


async def test_pixmaps_in_memory_are_capped_by_bytes(loader: ThumbnailLoader, folder: Path) -> None:
    rows = entries(folder)[:40]
    fill_cache(loader, rows)
    one = 96 * 64 * 4
    loader.memory_limit = 10 * one
    loader.request(items(rows))
    await wait_until(lambda: loader.read == 40, 20)
    assert loader.memory_bytes <= loader.memory_limit
    kept = [e for e in rows if loader.get(e.path) is not None]
    assert len(kept) == 10


def shown_grid(
    qtbot: QtBot, loader: ThumbnailLoader, folder: Path, width: int = 600, height: int = 400
) -> tuple[FileModel, GalleryGrid]:
    """A grid of its own, shown at ``width`` × ``height``, listing ``folder``."""
    model = FileModel(loader, lambda p: p, lambda _p: 0)
    grid = GalleryGrid(model)
    qtbot.addWidget(grid)
    grid.resize(width, height)
    grid.show()
    model.set_entries(entries(folder))
    return model, grid


async def test_grid_paints_the_real_thumbnails_on_screen(
    qtbot: QtBot, loader: ThumbnailLoader, folder: Path
) -> None:
    model, grid = shown_grid(qtbot, loader, folder, 5 * TILE.width() + 30, 2 * TILE.height() + 20)
    await wait_until(lambda: len(grid.visible_rows()) >= 10, 5)
    shown = [model.entries[r].path for r in grid.visible_rows()]
    await wait_until(lambda: all(loader.get(p) for p in shown), 60)
    assert loader.get(model.entries[-1].path) is None  # far below: not loaded
    image = grid.viewport().grab().toImage()
    for row in (0, 2, 4):  # red files: the tile's middle is red, not the grey placeholder
        rect = grid.visualRect(model.index(row))
        color = QColor(image.pixel(QPoint(rect.center().x(), rect.top() + 4 + ICON // 2)))
        assert color.red() > 180 and color.green() < 80, (row, color.name())


async def test_a_new_listing_is_merged_without_a_reset(
    qtbot: QtBot, loader: ThumbnailLoader, folder: Path
) -> None:
    model, grid = shown_grid(qtbot, loader, folder)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    await wait_until(lambda: grid.verticalScrollBar().maximum() > 1000, 5)
    grid.setCurrentIndex(model.index(60))
    grid.selectionModel().select(model.index(61), QItemSelectionModel.SelectionFlag.Select)
    grid.verticalScrollBar().setValue(1000)

    Image.new("RGB", (8, 8)).save(folder / "r000b.png")
    (folder / "r119.png").unlink()
    os.utime(folder / "r050.png", (1, 1))
    assert model.update_entries(entries(folder))
    assert resets == [] and model.rowCount() == 120
    assert [e.name for e in model.entries[:3]] == ["r000.png", "r000b.png", "r001.png"]
    assert [e.name for e in grid.selected_entries()] == ["r060.png", "r061.png"]
    assert grid.verticalScrollBar().value() == 1000
    assert model.entries[model.row_of(str(folder / "r050.png"))].mtime == 1
    asked: list[str] = []
    original = loader.request

    def spy(now: Any, ahead: Any = ()) -> None:
        now = list(now)
        asked.extend(p for p, *_rest in now)
        original(now, ahead)

    loader.request = spy  # type: ignore[method-assign,assignment]
    grid.scrollTo(model.index(model.row_of(str(folder / "r050.png"))))
    await wait_until(lambda: str(folder / "r050.png") in asked, 2)  # asked after the scroll
    await asyncio.sleep(0.1)
    asked.clear()
    os.utime(folder / "r050.png", (2, 2))  # rewritten again while on screen
    assert model.update_entries(entries(folder))
    await wait_until(lambda: str(folder / "r050.png") in asked, 2)

    reordered = list(reversed(entries(folder)))
    assert not model.update_entries(reordered)  # not a merge: the caller resets
    assert model.entries[0].name == "r000.png"


async def test_a_diff_made_in_a_thread_is_applied_only_to_its_base(
    loader: ThumbnailLoader, folder: Path
) -> None:
    model = FileModel(loader, lambda p: p, lambda _p: 0)
    model.set_entries(entries(folder))
    base = model.entries
    Image.new("RGB", (8, 8)).save(folder / "r050a.png")
    newer = entries(folder)
    diff = await loader.workers.in_thread(diff_listing, base, newer)
    assert diff is not None and diff.added == [(51, 51)] and diff.gone == []
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    assert model.update_entries(newer, diff)
    assert inserted == [(51, 51)] and model.row_of(str(folder / "r050a.png")) == 51
    assert base is not model.entries and len(base) == 120  # the diff's base is untouched

    (folder / "r000.png").unlink()
    stale = diff_listing(base, entries(folder))  # made against rows no longer shown
    assert model.update_entries(entries(folder), stale)
    assert model.rowCount() == 120 and model.row_of(str(folder / "r050a.png")) == 50
    assert [e.path for e in model.entries] == [e.path for e in entries(folder)]


async def test_a_new_listing_starts_at_the_top(
    qtbot: QtBot, loader: ThumbnailLoader, folder: Path
) -> None:
    model, grid = shown_grid(qtbot, loader, folder)
    bar = grid.verticalScrollBar()
    await wait_until(lambda: bar.maximum() > 2000, 5)
    bar.setValue(bar.maximum())
    model.set_entries(entries(folder)[:12])  # another, smaller folder
    await wait_until(lambda: 0 < bar.maximum() < 1000, 5)
    assert bar.value() == 0
    assert grid.visible_rows().start == 0


async def test_a_file_rewritten_in_place_gets_a_new_thumbnail(
    loader: ThumbnailLoader, tmp_path: Path
) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    render = folder / "render.png"
    render.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))  # still being written: broken
    (first,) = entries(folder)
    loader.request(items([first]))
    await wait_until(lambda: loader.failed(first.path, first.size, first.mtime), 60)
    assert loader.get(first.path) is None

    Image.new("RGB", (40, 30), RED).save(render)  # the render is complete
    os.utime(render, (first.mtime + 5, first.mtime + 5))
    (second,) = entries(folder)
    loader.request(items([second]))
    await wait_until(lambda: loader.get(second.path) is not None, 60)
    red = loader.get(second.path)
    assert red is not None and QColor(red.toImage().pixel(20, 15)).red() > 180

    Image.new("RGB", (40, 30), (20, 20, 220)).save(render)  # overwritten by a new take
    os.utime(render, (first.mtime + 10, first.mtime + 10))
    (third,) = entries(folder)
    loader.request(items([third]))
    await wait_until(lambda: loader.get(third.path) is not red, 60)
    blue = loader.get(third.path)
    assert blue is not None and QColor(blue.toImage().pixel(20, 15)).blue() > 180
