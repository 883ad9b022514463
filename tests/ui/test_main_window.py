"""The main window: tabs and shortcuts, undo wiring, theme, layout persistence, projects."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QUndoCommand
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from directors_console.app.services import Services
from directors_console.core.events import UserNotice
from directors_console.core.project import PROJECT_FILE
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until

TAB_TITLES = ["Prompt Studio", "Storyboard", "Orchestrator", "Gallery", "Video"]


class Append(QUndoCommand):
    def __init__(self, target: list[str], value: str) -> None:
        super().__init__(f"add {value}")
        self.target = target
        self.value = value

    def redo(self) -> None:
        self.target.append(self.value)

    def undo(self) -> None:
        self.target.remove(self.value)


def test_five_tabs_in_order(window: MainWindow) -> None:
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == TAB_TITLES
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]


def test_ctrl_number_switches_tabs(window: MainWindow) -> None:
    window.activateWindow()
    for index in (4, 1, 3, 0, 2):
        QTest.keyClick(window, Qt.Key(Qt.Key.Key_1 + index), Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == index


def test_empty_states_say_what_each_tab_is_for(window: MainWindow) -> None:
    for page in window.pages:
        text = page.empty.text_label.text()
        assert len(text) > 60, page.title
    storyboard = window.pages[1]
    assert "Open or create a project" in storyboard.empty.text_label.text()
    assert all(b.isVisibleTo(storyboard) for b in storyboard.empty.buttons)
    assert window.windowTitle() == "Director's Console"


def test_undo_redo_follow_the_active_tab(window: MainWindow) -> None:
    story, gallery = window.pages[1], window.pages[3]
    panels: list[str] = []
    window.tabs.setCurrentIndex(1)
    story.undo_stack.push(Append(panels, "panel 1"))
    assert panels == ["panel 1"]
    assert window.act_undo.isEnabled()
    assert "add panel 1" in window.act_undo.text()

    window.tabs.setCurrentIndex(3)
    assert window.undo_group.activeStack() is gallery.undo_stack
    assert not window.act_undo.isEnabled()
    window.act_undo.trigger()
    assert panels == ["panel 1"], "undo in Gallery must not touch the Storyboard"

    window.tabs.setCurrentIndex(1)
    window.act_undo.trigger()
    assert panels == []
    window.act_redo.trigger()
    assert panels == ["panel 1"]


def test_theme_switch_applies_and_persists(window: MainWindow, services: Services) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window.set_theme("light")
    light_bg = app.palette().color(QPalette.ColorRole.Window)
    assert light_bg.lightness() > 150
    assert services.settings.settings.theme == "light"
    assert "theme: light" in services.settings.path.read_text()
    window.set_theme("dark")
    assert app.palette().color(QPalette.ColorRole.Window) == QColor("#23252b")


def test_layout_persists_across_windows(make_window, services: Services) -> None:  # type: ignore[no-untyped-def]
    first: MainWindow = make_window()
    first.resize(640, 480)
    first.tabs.setCurrentIndex(3)
    first.farm_dock.hide()
    first.close()
    saved = services.settings.settings.window
    assert saved.geometry and saved.state
    assert saved.current_tab == 3

    second: MainWindow = make_window()
    assert second.tabs.currentIndex() == 3
    assert (second.width(), second.height()) == (640, 480)
    assert not second.farm_dock.isVisible()


async def test_new_and_open_project_update_every_tab(
    window: MainWindow, services: Services, tmp_path: Path
) -> None:
    window.new_project(str(tmp_path / "Nightfall"))
    await wait_until(lambda: services.projects.current.value is not None)
    assert window.windowTitle() == "Nightfall — Director's Console"
    assert "Project: Nightfall" in window.project_label.text()
    for page in window.pages:
        assert "Nightfall" in page.empty.text_label.text()
        assert not any(b.isVisibleTo(page) for b in page.empty.buttons)
    assert window.act_save.isEnabled()

    window.act_close_project.trigger()
    assert services.projects.current.value is None
    window.open_project(tmp_path / "Nightfall")
    await wait_until(lambda: services.projects.current.value is not None)
    window._fill_recent()
    labels = [a.text() for a in window.recent_menu.actions()]
    assert any("Nightfall" in label for label in labels)


async def test_corrupt_project_shows_clear_message(
    window: MainWindow, services: Services, tmp_path: Path
) -> None:
    folder = tmp_path / "Broken"
    folder.mkdir()
    (folder / PROJECT_FILE).write_text('{"schema_version": 1, "name": "Bro')
    window.open_project(folder)
    await wait_until(lambda: window.findChild(QMessageBox, "ErrorBox") is not None)
    box = window.findChild(QMessageBox, "ErrorBox")
    assert box is not None and box.isVisible()
    assert not box.isModal() or box.windowModality() != Qt.WindowModality.ApplicationModal
    assert "damaged" in box.text()
    assert "project.json.corrupt-" in box.text()
    kept = list(folder.glob("project.json.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_text() == '{"schema_version": 1, "name": "Bro'
    assert json.loads((folder / PROJECT_FILE).read_text())["name"] == "Broken"
    box.done(0)


async def test_open_missing_project_is_forgotten(
    window: MainWindow, services: Services, tmp_path: Path
) -> None:
    gone = tmp_path / "Gone"
    services.settings.update(recent_projects=[str(gone)])
    window.open_project(gone)
    await wait_until(lambda: window.findChild(QMessageBox, "ErrorBox") is not None)
    box = window.findChild(QMessageBox, "ErrorBox")
    assert box is not None
    assert "does not exist" in box.text()
    await wait_until(lambda: services.settings.settings.recent_projects == [])
    box.done(0)


def test_notices_become_non_modal_notifications(window: MainWindow, services: Services) -> None:
    services.bus.publish(UserNotice("Render finished", "Panel 3 v2 is ready", "info"))
    shown = window.notifications.shown
    assert len(shown) == 1
    assert shown[0].title.text() == "Render finished"
    assert QApplication.activeModalWidget() is None


def test_screenshot_has_real_pixels(window: MainWindow, tmp_path: Path) -> None:
    image = window.grab().toImage()
    path = tmp_path / "main_window.png"
    assert image.save(str(path))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 23) for y in range(0, image.height(), 17)
    }
    assert len(colours) > 5
