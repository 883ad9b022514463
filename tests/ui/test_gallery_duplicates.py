"""The duplicate finder page: exact and look-alike search, keep/mark, trash with
confirmation, restore, cancel.

Set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep the screenshot.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.gallery import GalleryTab
from directors_console.ui.gallery.duplicates_view import KEEP_COLUMN, PathRole
from directors_console.ui.gallery.grid import human_size
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until
from tests.ui.test_gallery_tab import (
    make_project,
    open_gallery,
    open_gallery_for_shots,
    show_folder,
)

ORIGINAL = "shots/sc02/sc02_p00_v1.png"
COPY = "refs/sc02_p00_copy.png"
LOOKALIKE = "refs/sc02_p00_big.png"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "Nightfall")
    for still in (root / "shots" / "sc01").glob("*.png"):
        still.unlink()  # sc01 repeats sc02's pictures: keep one known pair only
    shutil.copy2(root / ORIGINAL, root / COPY)
    newer = (root / ORIGINAL).stat().st_mtime + 3600
    os.utime(root / COPY, (newer, newer))  # the copy is an hour newer
    Image.open(root / ORIGINAL).resize((384, 256)).save(root / LOOKALIKE)
    return root


async def run_search(tab: GalleryTab, near: bool, whole: bool = True) -> None:
    view = tab.duplicates_view
    view.mode.setCurrentIndex(1 if near else 0)
    view.scope.setCurrentIndex(0 if whole else 1)
    view.find_button.click()
    await wait_until(lambda: view.find_button.isEnabled() and bool(view.groups), 20)


def click_keep(tab: GalleryTab, rel: str) -> None:
    view = tab.duplicates_view
    row = next(r for r in view.rows() if r.text(0) == rel)
    assert row.text(KEEP_COLUMN) == "Keep this one"
    cell = view.tree.visualItemRect(row)
    x = view.tree.header().sectionViewportPosition(KEEP_COLUMN) + 10
    QTest.mouseClick(
        view.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, cell.center().y())
    )


async def test_exact_keep_trash_and_restore(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    window.resize(1300, 800)
    tab = await open_gallery(window, services, project)
    assert tab.session is not None
    view = tab.duplicates_view
    tab.duplicates_button.click()
    assert tab.center.currentWidget() is view
    assert "keep one of each" in view.rows()[0].text(0) if view.rows() else True

    await run_search(tab, near=False)
    assert [[f.rel for f in g] for g in view.groups] == [[COPY, ORIGINAL]]
    # The oldest is suggested to keep, the copy is marked.
    assert view.marked() == [str(project / COPY)]
    assert "1 marked" in view.summary.text()

    await tab.session.set_rating([str(project / COPY)], 4)
    await run_search(tab, near=False)
    assert view.marked() == [str(project / ORIGINAL)]  # highest rated wins over oldest
    click_keep(tab, ORIGINAL)
    assert view.marked() == [str(project / COPY)]
    size = (project / COPY).stat().st_size

    view.trash_button.click()
    box = view.confirm
    assert box is not None and box.isVisible()  # opened with open(), not exec()
    assert box.text().startswith(f"Move 1 file ({human_size(size)}) to the project trash?")
    move = next(b for b in box.buttons() if b.text() == "Move to Trash")
    move.click()
    await wait_until(lambda: not (project / COPY).exists(), 10)
    assert (project / ORIGINAL).exists()
    entries = tab.session.trash_entries()
    assert [original for original, _ in entries.values()] == [COPY]
    await wait_until(lambda: not view.groups, 5)
    assert "No duplicates left" in view.tree.topLevelItem(0).text(0)

    task = tab.restore(list(entries))
    assert task is not None
    await task
    assert (project / COPY).exists() and not tab.session.trash_entries()


async def test_lookalikes_threshold_and_screenshot(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    tab = await open_gallery_for_shots(window, services, project, 820)
    assert tab.session is not None
    await tab.session.set_rating([str(project / ORIGINAL)], 3)
    tab.show_duplicates()
    view = tab.duplicates_view
    assert not view.threshold.isEnabled()
    view.mode.setCurrentIndex(1)
    assert view.threshold.isEnabled()
    await run_search(tab, near=True)
    group = next(g for g in view.groups if any(f.rel == ORIGINAL for f in g))
    assert {f.rel for f in group} == {ORIGINAL, COPY, LOOKALIKE}
    marked = set(view.marked())
    assert str(project / ORIGINAL) not in marked
    assert {str(project / COPY), str(project / LOOKALIKE)} <= marked
    rows = [r for r in view.rows() if r.data(0, PathRole) == str(project / ORIGINAL)]
    assert "suggested" in rows[0].text(2)
    thumb = tab.loader.get(str(project / ORIGINAL))
    await wait_until(lambda: tab.loader.get(str(project / ORIGINAL)) is not None, 20)
    thumb = tab.loader.get(str(project / ORIGINAL))
    assert thumb is not None
    await wait_until(lambda: rows[0].icon(0).cacheKey() != view._placeholders["image"].cacheKey())

    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(folder / "gallery_duplicates.png"))

    # Current folder only: the copies live in another folder, so nothing is found.
    await show_folder(tab, "shots/sc02", 4)
    tab.show_duplicates()
    view.mode.setCurrentIndex(0)
    view.scope.setCurrentIndex(1)
    view.find_button.click()
    await wait_until(lambda: view.find_button.isEnabled(), 10)
    assert not view.groups
    assert "No duplicates found" in view.tree.topLevelItem(0).text(0)
    view.closed.emit()
    assert tab.center.currentWidget() is not view


async def test_cancel(window: MainWindow, services: Services, project: Path) -> None:
    tab = await open_gallery(window, services, project)
    tab.show_duplicates()
    view = tab.duplicates_view
    view.mode.setCurrentIndex(1)
    view.find_button.click()
    assert view.cancel_button.isEnabled() and not view.find_button.isEnabled()
    view.cancel_button.click()
    await wait_until(lambda: view.find_button.isEnabled(), 10)
    assert "cancelled" in view.tree.topLevelItem(0).text(0)
    assert not view.groups and view.progress.isHidden()
    assert view.tree.topLevelItem(0).flags() == Qt.ItemFlag.NoItemFlags
