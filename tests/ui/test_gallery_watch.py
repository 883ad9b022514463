"""The Gallery tab follows the disk and the other tabs: new renders appear by themselves
(keeping scroll position and selection), folders renamed elsewhere (``FilesRenamed``)
take their ratings and tags along, and the search index is closed with the project or
the window.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import time
import warnings
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel

from directors_console.app.services import Services
from directors_console.core.events import FilesRenamed
from directors_console.ui.gallery import GalleryTab
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until


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
    await wait_until(lambda: is_closed(first_db), 10)
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
