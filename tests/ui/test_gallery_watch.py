"""The Gallery tab follows the disk and the other tabs: new renders appear by themselves
(keeping scroll position and selection), folders renamed elsewhere (``FilesRenamed``)
take their ratings and tags along, and the search index is closed with the project or
the window.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import threading
import time
import warnings
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QPoint

from directors_console.app.services import Services
from directors_console.core.events import FilesRenamed
from directors_console.core.gallery.arrange import ArrangeSpec
from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery import GalleryTab, live
from directors_console.ui.gallery.grid import TILE, GalleryGrid
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import stable, wait_until


def png(path: Path, shade: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (48, 32), (shade % 256, 90, 160)).save(path)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "Watched"
    for i in range(80):
        png(root / "renders" / f"r{i:03d}.png", i * 3)
    for i in range(3):
        png(root / "shots" / "sc01" / f"sc01_p{i:02d}.png", 40 * i)
    return root


async def open_gallery(window: MainWindow, services: Services, folder: Path) -> GalleryTab:
    window.new_project(str(folder))
    await wait_until(lambda: services.projects.current.value is not None)
    tab = next(p for p in window.pages if isinstance(p, GalleryTab))
    window.tabs.setCurrentWidget(tab)
    window.resize(1100, 700)
    await wait_until(lambda: "shots/sc01" in tab.tree.folders(), 10)
    return tab


async def show_folder(tab: GalleryTab, rel: str, count: int) -> None:
    tab.tree.select_folder(rel)
    await wait_until(lambda: tab.folder == rel and tab.model.rowCount() == count, 10)


def is_closed(db: sqlite3.Connection) -> bool:
    try:
        db.execute("select 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def selected_names(tab: GalleryTab) -> list[str]:
    return [e.name for e in tab.grid.selected_entries()]


async def test_new_render_appears_keeping_scroll_and_selection(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "renders", 80)
    grid = tab.grid
    selection = grid.selectionModel()
    grid.setCurrentIndex(tab.model.index(40))
    selection.select(tab.model.index(42), QItemSelectionModel.SelectionFlag.Select)
    await wait_until(lambda: grid.verticalScrollBar().maximum() > 0)
    bar = grid.verticalScrollBar()
    await wait_until(stable(lambda: (bar.maximum(), grid.viewport().size())), 5)  # laid out
    bar.setValue(bar.maximum() // 2)
    scrolled = bar.value()
    assert scrolled > 0
    before = selected_names(tab)
    assert before == ["r040.png", "r042.png"]

    started = time.monotonic()
    png(project / "renders" / "r000a.png", 200)  # sorts near the top, above the view
    await wait_until(lambda: tab.model.rowCount() == 81, 5)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"the new render took {elapsed:.2f} s to appear"
    assert tab.model.entries[1].name == "r000a.png"
    assert selected_names(tab) == before
    assert grid.currentIndex().row() == 41 and tab.grid.current_entry().name == "r040.png"  # type: ignore[union-attr]
    assert bar.value() == scrolled

    (project / "renders" / "r079.png").unlink()  # a file removed elsewhere
    await wait_until(lambda: tab.model.rowCount() == 80, 5)
    assert selected_names(tab) == before
    assert bar.value() == scrolled


async def test_new_render_in_a_subfolder_appears_when_listing_sub_folders(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots", 0)
    box = tab.extras.scope_box
    box.setCurrentIndex(box.findData("tree"))  # "With sub-folders"
    await wait_until(lambda: tab.model.rowCount() == 3, 10)
    grid = tab.grid
    grid.setCurrentIndex(tab.model.index(2))
    picked = tab.grid.current_entry()
    assert picked is not None

    started = time.monotonic()
    png(project / "shots" / "sc01" / "sc01_p00b.png", 99)  # a render lands one level down
    await wait_until(lambda: tab.model.rowCount() == 4, 5)
    assert time.monotonic() - started < 1.5
    assert "sc01_p00b.png" in {e.name for e in tab.model.entries}
    assert tab.grid.current_entry() == picked


async def test_folder_renamed_by_another_tab_keeps_ratings_and_tags(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc01", 3)
    session = tab.session
    assert session is not None
    rated = str(project / "shots" / "sc01" / "sc01_p01.png")
    await session.set_rating([rated], 4)
    await session.tag([rated], "hero", True)

    old, new = project / "shots" / "sc01", project / "shots" / "sc01_dusk"
    old.rename(new)  # what the Storyboard does when a scene's folder is renamed
    services.bus.publish(FilesRenamed(((old, new),)))

    moved = str(new / "sc01_p01.png")
    await wait_until(lambda: session.rating(moved) == 4, 10)
    assert session.rating(rated) == 0
    assert session.tags_of(moved) == {"hero"}
    store_file = project / ".gallery" / "gallery.json"

    def saved() -> set[str]:
        doc = json.loads(store_file.read_text())
        return {k for k, v in doc["ratings"].items() if not v.get("gone")}

    await wait_until(lambda: saved() == {"shots/sc01_dusk/sc01_p01.png"}, 10)
    await wait_until(lambda: "shots/sc01_dusk" in tab.tree.folders(), 10)
    assert "shots/sc01" not in tab.tree.folders()
    await wait_until(
        lambda: (
            tab.folder == "shots/sc01_dusk"
            and tab.model.rowCount() == 3
            and all(e.path.startswith(str(new)) for e in tab.model.entries)
        ),
        10,
    )


async def test_own_renames_are_not_applied_twice(
    window: MainWindow, services: Services, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc01", 3)
    session = tab.session
    assert session is not None
    followed: list[object] = []
    original = session.follow_moves

    async def spy(moves: tuple[tuple[Path, Path], ...]) -> int:
        followed.append(moves)
        return await original(moves)

    monkeypatch.setattr(session, "follow_moves", spy)
    path = str(project / "shots" / "sc01" / "sc01_p00.png")
    await session.set_rating([path], 3)
    task = tab.rename_file(path, "hero.png")
    assert task is not None
    await task
    hero = str(project / "shots" / "sc01" / "hero.png")
    assert session.rating(hero) == 3
    await wait_until(lambda: any(e.name == "hero.png" for e in tab.model.entries), 10)
    assert followed == []  # FileOps already moved the rating: the event is ours

    outside = (Path("/elsewhere/a.png"), Path("/elsewhere/b.png"))
    services.bus.publish(FilesRenamed((outside,)))
    await wait_until(lambda: len(followed) == 1)
    assert session.rating(hero) == 3


async def test_index_closed_with_the_project_and_the_window(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await wait_until(lambda: "indexed" in tab.filters.status.text(), 30)
    first = tab.session
    assert first is not None and first.index is not None
    first_db = first.index.db

    services.projects.close()  # closing the project closes its index
    # Touch the connection only once the close (in a worker thread) is over: SQLite
    # connections are not to be used by two threads at once.
    await wait_until(lambda: first.index is None and not first._index_lock.locked(), 10)
    assert is_closed(first_db)
    assert first.index is None

    window.open_project(str(project))
    await wait_until(lambda: tab.session is not None and tab.session is not first, 10)
    second = tab.session
    assert second is not None
    await wait_until(lambda: second.index is not None, 30)
    assert second.index is not None
    second_db = second.index.db
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert await services.shutdown(5.0)  # what the program does after the last window
        gc.collect()
    assert is_closed(second_db)
    assert second.index is None and second.closed
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


class BlankPaints(QObject):
    """Counts paints of the grid while the rows on screen are not laid out (blank)."""

    def __init__(self, grid: GalleryGrid) -> None:
        super().__init__(grid)
        self.grid = grid
        self.count = 0
        grid.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            corner = QPoint(TILE.width() // 2, TILE.height() // 2)
            self.count += not self.grid.indexAt(corner).isValid()
        return False


@pytest.fixture
def big_project(tmp_path: Path) -> Path:
    """3,000 renders in one folder (hard links to one small PNG: quick to make)."""
    root = tmp_path / "Big"
    folder = root / "renders"
    png(folder / "r00000.png", 10)
    for i in range(1, 3000):
        os.link(folder / "r00000.png", folder / f"r{i * 2:05d}.png")  # even numbers only
    return root


async def test_a_burst_of_new_renders_in_a_big_folder_becomes_inserted_rows(
    window: MainWindow, services: Services, big_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.new_project(str(big_project))
    tab = next(p for p in window.pages if isinstance(p, GalleryTab))
    window.tabs.setCurrentWidget(tab)
    window.resize(1100, 700)
    await wait_until(lambda: "renders" in tab.tree.folders(), 10)
    await show_folder(tab, "renders", 3000)
    await wait_until(lambda: "indexed" in tab.filters.status.text(), 60)
    session = tab.session
    assert session is not None and session.index is not None
    grid, model = tab.grid, tab.model
    grid.setCurrentIndex(model.index(1500))
    grid.selectionModel().select(model.index(1502), QItemSelectionModel.SelectionFlag.Select)
    bar = grid.verticalScrollBar()
    await wait_until(lambda: bar.maximum() > 0)
    # The splitters settle after the resize (the grid went from 297 to 400 px wide once):
    # scroll only when the layout has stayed the same for a moment.
    await wait_until(stable(lambda: (bar.maximum(), grid.viewport().width())), 5)
    bar.setValue(bar.maximum() // 2)
    scrolled = bar.value()
    before = selected_names(tab)
    assert before == ["r03000.png", "r03004.png"]

    resets: list[int] = []
    inserted: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))
    relisted: list[str] = []
    full_index: list[int] = []
    list_folder = session.list_folder
    update_index = session.update_index

    async def spy_list(rel: str, cancel: object) -> object:
        relisted.append(rel)
        return await list_folder(rel, cancel)  # type: ignore[arg-type]

    async def spy_index(*args: object) -> object:
        full_index.append(1)
        return await update_index(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(session, "list_folder", spy_list)
    monkeypatch.setattr(session, "update_index", spy_index)
    blank = BlankPaints(grid)

    # A burst of 20 renders spread over the folder, 6 of them sorting above the selection.
    names = [f"r{n:05d}.png" for n in (1, 3, 501, 1001, 2001, 2999, *range(3001, 5800, 200))]
    assert len(names) == 20
    started = time.monotonic()
    for name in names:
        os.link(big_project / "renders" / "r00000.png", big_project / "renders" / name)
    await wait_until(lambda: model.rowCount() == 3020, 5)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"the burst took {elapsed:.2f} s to appear"
    assert resets == [] and sum(inserted) == 20 and relisted == []
    shown = [e.name for e in model.entries]
    assert shown == sorted(shown) and set(names) <= set(shown)  # each at its sorted place
    assert selected_names(tab) == before
    assert grid.current_entry().name == "r03000.png"  # type: ignore[union-attr]
    assert grid.currentIndex().row() == 1506
    # The view lays the rows out again in batches; once done it is where it was.
    await wait_until(lambda: grid.viewport().updatesEnabled(), 2)
    try:
        await wait_until(lambda: bar.value() == scrolled, 3)
    except AssertionError:
        got = f"scroll {bar.value()} (max {bar.maximum()}), was {scrolled}"
        raise AssertionError(got) from None
    assert blank.count == 0, "the rows on screen were painted before they were laid out"

    # Only the new files are indexed: no walk of the project.
    rels = [f"renders/{n}" for n in names]
    await wait_until(lambda: all(session.index.row(r) is not None for r in rels), 10)  # type: ignore[union-attr]
    assert full_index == []


async def test_a_render_still_being_written_is_shown_again_when_complete(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "renders", 80)
    data = (project / "renders" / "r001.png").read_bytes()
    target = project / "renders" / "r100.png"
    with target.open("wb") as fh:
        fh.write(data[:20])  # the renderer has written the first bytes
        fh.flush()
        await wait_until(lambda: tab.model.row_of(str(target)) >= 0, 5)
        row = tab.model.row_of(str(target))
        assert tab.model.entries[row].size == 20
        fh.write(data[20:])  # a write into the file: the folder itself does not change
    await wait_until(lambda: tab.model.entries[row].size == len(data), 5)
    assert tab.model.rowCount() == 81


async def test_a_big_listing_is_filtered_and_sorted_in_a_worker_thread(
    window: MainWindow, services: Services, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "renders", 80)
    on_ui_thread: list[bool] = []
    arrange = live.arrange_listing

    def spy(entries: list[FileEntry], spec: ArrangeSpec) -> list[FileEntry]:
        on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return arrange(entries, spec)

    monkeypatch.setattr(live, "arrange_listing", spy)
    folder = str(project / "renders")
    tab.listing = [
        FileEntry(f"{folder}/f{i:05d}.png", f"f{i:05d}.png", i, 1e9 + i, "image")
        for i in range(live.ARRANGE_IN_THREAD + 1000)
    ]
    tab.extras.set_sort("size", True)  # a new order: the listing is sorted again
    await wait_until(lambda: tab.model.rowCount() == live.ARRANGE_IN_THREAD + 1000, 10)
    assert on_ui_thread and not any(on_ui_thread)
    assert tab.model.entries[0].name == f"f{live.ARRANGE_IN_THREAD + 999:05d}.png"
