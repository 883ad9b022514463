"""Compare 2–4 images: layout, synced zoom/pan in relative coordinates, captions,
the menu entry and the C key; restore workflow from the menu.

Set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep the screenshot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from directors_console.app.services import Services
from directors_console.core.events import RestoreWorkflow
from directors_console.ui.gallery import GalleryTab
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until
from tests.ui.test_gallery_lightbox import wheel
from tests.ui.test_gallery_tab import (
    make_project,
    open_gallery,
    open_gallery_for_shots,
    select_row,
    show_folder,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "Nightfall")
    # A bigger copy of a still, without metadata: different pixel size, same picture.
    src = root / "shots" / "sc02" / "sc02_p01_v1.png"
    Image.open(src).resize((384, 256)).save(root / "shots" / "sc02" / "sc02_p01_big.png")
    return root


async def loaded(tab: GalleryTab) -> None:
    """Every pane has its image and metadata (no task left running at teardown)."""
    panes = tab.compare_view.panes
    await wait_until(lambda: all(p.canvas.pixmap and p.meta for p in panes), 10)


def select_rows(tab: GalleryTab, rows: list[int]) -> list[str]:
    tab.grid.clearSelection()
    model = tab.grid.selectionModel()
    for row in rows:
        model.select(tab.model.index(row), model.SelectionFlag.Select)
    tab.grid.setCurrentIndex(tab.model.index(rows[0]))
    for row in rows:
        model.select(tab.model.index(row), model.SelectionFlag.Select)
    return [tab.model.entries[r].path for r in rows]


async def test_compare_three_synced(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    tab = await open_gallery_for_shots(window, services, project, 820)
    await show_folder(tab, "shots/sc02", 5)
    names = [e.name for e in tab.model.entries]
    rows = sorted([names.index("sc02_p01_v1.png"), names.index("sc02_p01_big.png"), 3])
    paths = select_rows(tab, rows)
    tab._context_menu(tab.grid.visualRect(tab.model.index(rows[0])).center())
    menu = tab.context_menu
    action = next(a for a in menu.actions() if a.objectName() == "compare")
    assert action.isEnabled()
    menu.close()
    action.trigger()
    view = tab.compare_view
    assert view.isVisible() and [p.path for p in view.panes] == paths
    panes = view.panes
    await wait_until(lambda: all(p.canvas.pixmap is not None for p in panes), 10)
    await loaded(tab)
    assert sum("seed" in p.info_label.text() for p in panes) == 2
    by_name = {Path(p.path).name: p for p in panes}
    assert by_name["sc02_p01_v1.png"].info_label.text() == "seed 1004 · dreamshaper_8 · 192×128"
    assert by_name["sc02_p01_big.png"].info_label.text() == "384×256"
    # thirds: one row, equal widths
    geo = [p.geometry() for p in panes]
    assert len({g.top() for g in geo}) == 1
    assert max(g.width() for g in geo) - min(g.width() for g in geo) <= 2
    await wait_until(lambda: panes[0].canvas.width() > 200)

    first = panes[0].canvas
    at = QPointF(first.width() * 0.7, first.height() * 0.35)
    wheel(first, at, 3)
    assert first.zoom == pytest.approx(1.25**3)
    for pane in panes[1:]:
        assert pane.canvas.zoom == pytest.approx(first.zoom)
        assert pane.canvas.center == first.center
    # Different pixel sizes, same relative view: the same image point sits in the middle.
    small, big = by_name["sc02_p01_v1.png"].canvas, by_name["sc02_p01_big.png"].canvas
    assert big.scale() == pytest.approx(small.scale() / 2, rel=0.02)
    QTest.mousePress(big, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    QTest.mouseMove(big, QPoint(140, 120))
    QTest.mouseRelease(big, Qt.MouseButton.LeftButton, pos=QPoint(140, 120))
    assert small.center == big.center != QPointF(0.5, 0.5)
    for pane in panes:
        assert pane.canvas.zoom == pytest.approx(first.zoom)

    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(folder / "gallery_compare.png"))

    QTest.keyClick(view, Qt.Key.Key_0)
    assert all(p.canvas.zoom == 1.0 for p in panes)
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()


async def test_compare_layouts_key_and_limits(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc02", 5)
    select_rows(tab, [0, 1])
    tab.grid.setFocus()
    QTest.keyClick(tab.grid, Qt.Key.Key_C)
    view = tab.compare_view
    assert view.isVisible() and len(view.panes) == 2
    await loaded(tab)
    a, b = (p.geometry() for p in view.panes)
    assert a.top() == b.top() and a.right() < b.left()  # halves
    QTest.keyClick(view, Qt.Key.Key_Escape)

    tab.compare([e.path for e in tab.model.entries[:4]])
    geo = [p.geometry() for p in view.panes]
    assert len(geo) == 4 and len({g.top() for g in geo}) == 2  # 2 × 2
    await loaded(tab)
    assert geo[0].left() == geo[2].left() and geo[0].top() < geo[2].top()
    view.close_compare()

    select_rows(tab, [0])
    tab._context_menu(tab.grid.visualRect(tab.model.index(0)).center())
    menu = tab.context_menu
    compare = next(a for a in menu.actions() if a.objectName() == "compare")
    assert not compare.isEnabled()  # one image: nothing to compare
    menu.close()


async def test_restore_workflow_publishes_event(
    window: MainWindow, services: Services, project: Path
) -> None:
    seen: list[RestoreWorkflow] = []
    sub = services.bus.subscribe(RestoreWorkflow, seen.append)
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc02", 5)
    names = [e.name for e in tab.model.entries]

    bare = select_row(tab, names.index("sc02_p01_big.png"))  # no metadata
    tab._context_menu(tab.grid.visualRect(tab.grid.currentIndex()).center())
    action = next(a for a in tab.context_menu.actions() if a.objectName() == "restore_workflow")
    assert action.text() == "Restore Workflow to Storyboard"
    await wait_until(lambda: bare in tab._workflow_known)
    assert not action.isEnabled()
    tab.context_menu.close()

    path = select_row(tab, names.index("sc02_p03_v1.png"))
    tab._context_menu(tab.grid.visualRect(tab.grid.currentIndex()).center())
    action = next(a for a in tab.context_menu.actions() if a.objectName() == "restore_workflow")
    await wait_until(action.isEnabled)
    tab.context_menu.close()
    action.trigger()
    assert seen == [RestoreWorkflow(Path(path))]
    sub.cancel()
