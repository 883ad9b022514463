"""The Storyboard canvas: every operation through real mouse events or actions, and its undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from directors_console.app.services import Services
from directors_console.core.events import FilesRenamed
from directors_console.core.storyboard.layout import Edge
from directors_console.core.storyboard.model import Panel
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard import StoryboardTab
from tests.ui.conftest import wait_until
from tests.ui.storyboard_helpers import (
    CTRL,
    SHIFT,
    at,
    click,
    drag,
    header,
    move,
    open_board,
    place,
    press,
    release,
)


@pytest.fixture
def tab(window: MainWindow, services: Services, tmp_path: Path) -> StoryboardTab:
    return open_board(window, services, tmp_path / "Film")


def add(tab: StoryboardTab, n: int) -> list[Panel]:
    for _ in range(n):
        tab.act_add.trigger()
    return list(tab.scene.board.panels)


def pos(panel: Panel) -> tuple[float, float]:
    return (panel.x, panel.y)


def test_empty_state_without_project(window: MainWindow):
    tab = next(p for p in window.pages if isinstance(p, StoryboardTab))
    assert tab.stack.currentWidget() is tab.empty
    assert "Open or create a project" in tab.empty.text_label.text()


def test_add_panels_by_grid_and_undo(tab: StoryboardTab):
    assert tab.stack.currentIndex() == 1
    panels = add(tab, 5)
    assert [p.name for p in panels] == [f"Panel_0{i}" for i in range(1, 6)]
    assert pos(panels[1]) == (360, 0) and pos(panels[4]) == (0, 270)  # 4 columns, 40 gap
    assert len(tab.scene.items_by_id) == 5
    tab.undo_stack.undo()
    assert len(tab.scene.board.panels) == 4 and len(tab.scene.items_by_id) == 4
    tab.undo_stack.redo()
    assert tab.scene.board.panels[-1].name == "Panel_05"


def test_shortcut_adds_panel(tab: StoryboardTab):
    tab.view.setFocus()
    QTest.keyClick(tab.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | SHIFT)
    assert [p.name for p in tab.scene.board.panels] == ["Panel_01"]


def test_move_by_header_and_undo(tab: StoryboardTab):
    (panel,) = add(tab, 1)
    drag(tab, header(tab, panel), header(tab, panel) + QPoint(70, 45))
    assert pos(panel) == (70, 45)
    assert tab.undo_stack.count() == 2
    tab.undo_stack.undo()
    assert pos(panel) == (0, 0)
    assert tab.scene.items_by_id[panel.id].pos().x() == 0


def test_drag_on_image_area_does_not_move(tab: StoryboardTab):
    (panel,) = add(tab, 1)
    drag(tab, at(tab, 100, 120), at(tab, 200, 220))
    assert pos(panel) == (0, 0) and tab.undo_stack.count() == 1


def test_multi_move_with_ctrl_click_is_one_command(tab: StoryboardTab):
    a, b, c = add(tab, 3)
    click(tab, header(tab, a))
    click(tab, header(tab, b), CTRL)
    assert tab.scene.selected_ids() == [a.id, b.id]
    drag(tab, header(tab, b), header(tab, b) + QPoint(0, 300))
    assert pos(a) == (0, 300) and pos(b) == (360, 300) and pos(c) == (720, 0)
    assert tab.undo_stack.undoText() == "Move 2 panels"
    tab.undo_stack.undo()
    assert pos(a) == (0, 0) and pos(b) == (360, 0)
    click(tab, header(tab, a), CTRL)  # toggles off
    assert tab.scene.selected_ids() == [b.id]


def test_rubber_band_selects(tab: StoryboardTab):
    a, b, _c = add(tab, 3)
    drag(tab, at(tab, -20, -20), at(tab, 700, 300))
    assert tab.scene.selected_ids() == [a.id, b.id]


def test_align_and_distribute_with_undo(tab: StoryboardTab):
    a, b, c = add(tab, 3)
    place(tab, b, 400, 90)
    place(tab, c, 1000, -30)
    assert not tab.align_actions[0].isEnabled()
    tab.scene.select_only([a.id, b.id, c.id])
    assert all(act.isEnabled() for act in tab.align_actions)
    tab.align(Edge.TOP)
    assert [p.y for p in (a, b, c)] == [-30, -30, -30]
    tab.act_dist_h.trigger()
    assert [p.x for p in (a, b, c)] == [0, 500, 1000]
    tab.undo_stack.undo()
    assert [p.x for p in (a, b, c)] == [0, 400, 1000]
    tab.undo_stack.undo()
    assert [p.y for p in (a, b, c)] == [0, 90, -30]
    tab.align_actions[0].trigger()  # left
    assert [p.x for p in (a, b, c)] == [0, 0, 0]


def test_resize_by_corner_and_undo(tab: StoryboardTab):
    (panel,) = add(tab, 1)
    corner = at(tab, panel.width - 5, panel.height - 5)
    drag(tab, corner, corner + QPoint(80, 50))
    assert (panel.width, panel.height) == (400, 280)
    drag(tab, at(tab, 395, 275), at(tab, 0, 0))  # clamps at the minimum size
    assert (panel.width, panel.height) == (160, 120)
    tab.undo_stack.undo()
    tab.undo_stack.undo()
    assert (panel.width, panel.height) == (320, 230)


def test_rename_by_double_click_moves_folder(tab: StoryboardTab, tmp_path: Path):
    (panel,) = add(tab, 1)
    folder = tmp_path / "Film"
    (folder / "Panel_01").mkdir()
    (folder / "Panel_01" / "Film_Panel_01_v1.png").write_bytes(b"x")
    panel.image = "Panel_01/Film_Panel_01_v1.png"
    QTest.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=header(tab, panel))
    editor = tab.view.editor
    assert editor is not None and editor.text() == "Panel_01"
    editor.setText("Opening")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    question = tab.folder_question  # the panel has a folder: rename it too?
    assert question is not None and question.isVisible() and panel.name == "Panel_01"
    question.button(QMessageBox.StandardButton.Yes).click()
    assert panel.name == "Opening" and panel.image == "Opening/Film_Panel_01_v1.png"
    assert (folder / "Opening" / "Film_Panel_01_v1.png").exists()
    tab.undo_stack.undo()
    assert panel.name == "Panel_01" and (folder / "Panel_01").is_dir()
    tab.undo_stack.redo()
    assert panel.name == "Opening"


def test_rename_refused_keeps_everything(tab: StoryboardTab):
    a, _b = add(tab, 2)
    assert not tab.rename(a.id, "Panel_02")
    assert not tab.rename(a.id, "../x")
    assert a.name == "Panel_01" and tab.undo_stack.count() == 2


def test_rating_by_star_click(tab: StoryboardTab):
    (panel,) = add(tab, 1)
    item = tab.scene.items_by_id[panel.id]
    third = item.star_rect(2).center()
    click(tab, at(tab, third.x(), third.y()))
    assert panel.rating == 3
    click(tab, at(tab, third.x(), third.y()))  # same star clears
    assert panel.rating == 0
    tab.undo_stack.undo()
    assert panel.rating == 3
    lock = item.lock_rect().center()
    click(tab, at(tab, lock.x(), lock.y()))
    assert panel.locked
    drag(tab, header(tab, panel), header(tab, panel) + QPoint(50, 50))
    assert pos(panel) == (0, 0)  # locked panels stay


def test_delete_asks_without_blocking_then_undo(tab: StoryboardTab):
    a, _b = add(tab, 2)
    tab.scene.select_only([a.id])
    tab.act_delete.trigger()
    box = tab.confirm
    assert box is not None and box.isVisible() and len(tab.scene.board.panels) == 2
    assert box.text().startswith("Delete Panel_01 from the board?")  # one panel: its name
    box.button(QMessageBox.StandardButton.Yes).click()
    assert [p.name for p in tab.scene.board.panels] == ["Panel_02"]
    tab.undo_stack.undo()
    assert [p.name for p in tab.scene.board.panels] == ["Panel_01", "Panel_02"]
    tab.scene.select_only([p.id for p in tab.scene.board.panels])
    tab.act_delete.trigger()
    assert tab.confirm is not None
    assert tab.confirm.text().startswith("Delete 2 panels from the board?\nPanel_01, Panel_02")
    tab.confirm.button(QMessageBox.StandardButton.Cancel).click()
    assert len(tab.scene.board.panels) == 2


def test_copy_paste_and_duplicate(tab: StoryboardTab):
    (a,) = add(tab, 1)
    a.rating = 4
    tab.scene.select_only([a.id])
    tab.view.setFocus()
    QTest.keyClick(tab.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(tab.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    panels = tab.scene.board.panels
    assert [p.name for p in panels] == ["Panel_01", "Panel_02"]
    assert pos(panels[1]) == (40, 40) and panels[1].rating == 4 and panels[1].id != a.id
    assert tab.scene.selected_ids() == [panels[1].id]
    QTest.keyClick(tab.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert [p.name for p in panels] == ["Panel_01", "Panel_02", "Panel_03"]
    assert pos(panels[2]) == (80, 80)
    tab.undo_stack.undo()
    tab.undo_stack.undo()
    assert [p.name for p in tab.scene.board.panels] == ["Panel_01"]


@pytest.mark.parametrize(
    ("zoom", "distance", "snaps"),
    [(1.0, 9.9, True), (1.0, 10.1, False), (2.0, 9.9, True), (2.0, 10.1, False)],
)
def test_shift_drag_snaps_within_ten_screen_pixels(
    tab: StoryboardTab, zoom: float, distance: float, snaps: bool
):
    a, b = add(tab, 2)
    scene_gap = distance / zoom  # screen px -> scene units
    travel = 100  # screen px
    start_x = a.width + scene_gap + travel / zoom
    place(tab, b, start_x, 500)
    tab.view.set_zoom(zoom)
    tab.view.centerOn(b.x, b.y)
    grab = header(tab, b)
    press(tab, grab, SHIFT)
    move(tab, grab - QPoint(travel // 2, 0), SHIFT)
    move(tab, grab - QPoint(travel, 0), SHIFT)
    guides = tab.scene.guides
    release(tab, grab - QPoint(travel, 0), SHIFT)
    if snaps:
        assert b.x == pytest.approx(a.width)
        assert guides and guides[0].vertical and guides[0].pos == pytest.approx(a.width)
    else:
        assert b.x == pytest.approx(a.width + scene_gap)
        assert not guides
    assert b.y == 500
    assert not tab.scene.guides  # cleared on release


def test_without_shift_there_is_no_snap(tab: StoryboardTab):
    a, b = add(tab, 2)
    place(tab, b, a.width + 5 + 100, 500)
    drag(tab, header(tab, b), header(tab, b) - QPoint(100, 0))
    assert b.x == a.width + 5


def test_wheel_zooms_around_cursor_and_fit(tab: StoryboardTab):
    add(tab, 6)
    view = tab.view
    view.set_zoom(1.0)
    view.set_zoom(view.zoom() * 1.15**2)
    assert view.zoom() == pytest.approx(1.3225)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F)
    assert view.zoom() <= 1.0
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(tab.scene.panels_rect())


async def test_autosave_and_reopen_restores_canvas(
    tab: StoryboardTab, services: Services, tmp_path: Path
):
    a, b, c = add(tab, 3)
    drag(tab, header(tab, b), header(tab, b) + QPoint(33, 77))
    tab.scene.select_only([c.id])
    tab.scene.set_field(a.id, "rating", 5)
    before = tab.scene.board.model_dump(mode="json")
    await wait_until(lambda: tab.save_count >= 1, timeout=5)
    saved = json.loads((tmp_path / "Film" / "project.json").read_text())
    assert saved["storyboard"] == before
    services.projects.close()
    assert tab.stack.currentIndex() == 0 and not tab.scene.items_by_id
    services.projects.open(tmp_path / "Film")
    assert tab.scene.board.model_dump(mode="json") == before
    assert {i: (it.pos().x(), it.pos().y()) for i, it in tab.scene.items_by_id.items()} == {
        p["id"]: (p["x"], p["y"]) for p in before["panels"]
    }


async def test_files_renamed_updates_paths_and_image_loads(
    tab: StoryboardTab, services: Services, tmp_path: Path
):
    (panel,) = add(tab, 1)
    folder = tmp_path / "Film"
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    (folder / "Panel_01").mkdir()
    assert image.save(str(folder / "Panel_01" / "a.png"))
    panel.image = "Panel_01/a.png"
    tab.scene.request_image(panel)
    item = tab.scene.items_by_id[panel.id]
    await wait_until(lambda: item.image is not None)
    (folder / "Panel_01" / "a.png").rename(folder / "b.png")
    services.bus.publish(FilesRenamed(((folder / "Panel_01" / "a.png", folder / "b.png"),)))
    assert panel.image == "b.png"
    await wait_until(lambda: tab.save_count >= 1, timeout=5)


def test_escape_cancels_rename(tab: StoryboardTab):
    (panel,) = add(tab, 1)
    editor = tab.view.start_rename(panel.id)
    editor.setText("Nope")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert tab.view.editor is None and panel.name == "Panel_01"
    assert tab.undo_stack.count() == 1


def centre_scene_point(tab: StoryboardTab) -> QPointF:
    return tab.view.mapToScene(tab.view.viewport().rect().center())


def test_middle_button_and_space_drag_pan(tab: StoryboardTab):
    add(tab, 1)
    viewport = tab.view.viewport()
    before = centre_scene_point(tab)
    QTest.mousePress(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(300, 300))
    QTest.mouseMove(viewport, QPoint(340, 320))
    QTest.mouseRelease(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(340, 320))
    after = centre_scene_point(tab)
    assert (before.x() - after.x(), before.y() - after.y()) == (40, 20)
    tab.view.setFocus()
    QTest.keyPress(tab.view, Qt.Key.Key_Space)
    drag(tab, QPoint(300, 300), QPoint(250, 300))
    QTest.keyRelease(tab.view, Qt.Key.Key_Space)
    assert centre_scene_point(tab).x() - after.x() == 50
    assert tab.undo_stack.count() == 1  # panning is not an edit


def test_wheel_keeps_the_point_under_the_cursor(tab: StoryboardTab):
    add(tab, 2)
    view = tab.view
    cursor = QPoint(400, 300)
    under = view.mapToScene(cursor)
    event = QWheelEvent(
        QPointF(cursor),
        QPointF(view.viewport().mapToGlobal(cursor)),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom() == pytest.approx(1.15**2)
    still = view.mapToScene(cursor)
    assert abs(still.x() - under.x()) < 2 and abs(still.y() - under.y()) < 2


def test_leaving_the_tab_saves_at_once(window: MainWindow, tab: StoryboardTab, tmp_path: Path):
    add(tab, 2)
    assert tab.save_timer.isActive()
    window.tabs.setCurrentIndex(0)  # hides the Storyboard tab
    assert not tab.save_timer.isActive()
    saved = json.loads((tmp_path / "Film" / "project.json").read_text())
    assert [p["name"] for p in saved["storyboard"]["panels"]] == ["Panel_01", "Panel_02"]


def test_zooming_draws_directly_and_caches_come_back(tab: StoryboardTab, qtbot):  # type: ignore[no-untyped-def]
    """Zoom steps skip the item caches (re-rendering them per step is what is slow);
    once the zooming pauses the caches are back for panning and dragging."""
    from PySide6.QtWidgets import QGraphicsItem

    from directors_console.ui.storyboard.canvas import RECACHE_MS

    (panel,) = add(tab, 1)
    item = tab.scene.items_by_id[panel.id]
    cached = QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert item.cacheMode() == cached
    tab.view.set_zoom(tab.view.zoom() * 1.15)
    assert item.cacheMode() == QGraphicsItem.CacheMode.NoCache
    (late,) = [p for p in add(tab, 1) if p.id != panel.id]  # new panels follow the mode
    assert tab.scene.items_by_id[late.id].cacheMode() == QGraphicsItem.CacheMode.NoCache
    qtbot.wait(RECACHE_MS + 100)
    assert item.cacheMode() == cached
    assert tab.scene.items_by_id[late.id].cacheMode() == cached


def test_far_zoom_draws_each_panel_from_one_small_picture(tab: StoryboardTab):
    """Zoomed far out every panel is one small picture, made once and redrawn from then
    on; it follows a new image and the selection, whose outline stays visible."""
    from directors_console.ui.storyboard.panel_item import OVERVIEW_LOD, SELECTED

    a, b = add(tab, 2)
    green = QImage(320, 180, QImage.Format.Format_RGB32)
    green.fill(QColor("#20c020"))
    tab.scene.set_image(a.id, green)
    tab.scene.select_only([b.id])
    view = tab.view
    item_a, item_b = tab.scene.items_by_id[a.id], tab.scene.items_by_id[b.id]
    view.set_zoom(OVERVIEW_LOD * 0.6)
    view.centerOn(item_a.scene_rect().united(item_b.scene_rect()).center())

    def pixel(item: object, at: QPointF) -> QColor:
        frame = view.viewport().grab().toImage()
        return QColor(frame.pixel(view.mapFromScene(item.mapToScene(at))))  # type: ignore[attr-defined]

    centre = item_a.image_rect().center()
    assert pixel(item_a, centre).green() > 150 and pixel(item_a, centre).red() < 80
    tile = item_a._overview
    assert tile is not None
    view.set_zoom(OVERVIEW_LOD * 0.5)
    view.viewport().grab()
    assert item_a._overview is tile  # the same picture, drawn at the new zoom
    header = item_b.header_rect().center()
    assert pixel(item_b, header) == SELECTED
    outline = pixel(
        item_b, QPointF(item_b.size_rect().right() - 0.5, item_b.size_rect().center().y())
    )
    # one screen pixel wide (antialiased), not scaled away: orange on the dark body
    assert 25 <= outline.hue() <= 45 and outline.saturation() > 120, outline.name()
    red = QImage(320, 180, QImage.Format.Format_RGB32)
    red.fill(QColor("#d02020"))
    tab.scene.set_image(a.id, red)
    assert pixel(item_a, centre).red() > 150
    tab.scene.select_only([a.id])
    assert pixel(item_a, item_a.header_rect().center()) == SELECTED
    assert pixel(item_b, header) != SELECTED
