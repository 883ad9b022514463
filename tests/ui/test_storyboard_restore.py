"""Storyboard panel behaviour: restore a workflow from a file, auto-lock, folder rename, hint.

- ``RestoreWorkflow`` (the Gallery's menu) applies a file's template, parameters, angle,
  LoRAs and prompt to the one selected panel as one undo step, and the generate sidebar
  shows it; the panel menu does the same from the panel's own image.
- A panel's first render locks it: no move, no delete, until unlocked (undoable).
- Renaming a panel with a folder asks, without blocking, whether to rename the folder.
- An empty board shows a centred hint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QSpinBox

from directors_console.app.services import Services
from directors_console.core.comfy.pngmeta import write_shot_metadata
from directors_console.core.events import FilesRenamed, RestoreWorkflow, UserNotice
from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.storyboard.generate import GenerationRequest, panel_prompt
from directors_console.core.storyboard.model import Panel
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard import StoryboardTab
from directors_console.ui.storyboard.canvas import EMPTY_HINT
from tests.ui.conftest import wait_until
from tests.ui.storyboard_helpers import at, click, drag, header, open_board

SHOT = {
    "project": "Film",
    "panel": "Panel_01",
    "version": 3,
    "template": "sd15_txt2img",
    "seed": 41,
    "angle": "wide-low-090",
    "prompt": "rain on a neon street",
    "negative": "blurry",
    "parameters": {"steps": 33, "cfg": 5.5, "sampler": "dpmpp_2m"},
    "loras": [["film-grain.safetensors", 0.6]],
}


class FakeFarm:
    def submit(self, jobs: list[Job], group_label: str | None = None) -> list[Job]:
        return jobs


@pytest.fixture
def tab(window: MainWindow, services: Services, tmp_path: Path) -> StoryboardTab:
    return open_board(window, services, tmp_path / "Film")


@pytest.fixture
def notices(services: Services) -> list[str]:
    seen: list[str] = []
    services.bus.subscribe(UserNotice, lambda n: seen.append(n.text))
    return seen


def add(tab: StoryboardTab, n: int) -> list[Panel]:
    for _ in range(n):
        tab.act_add.trigger()
    return list(tab.scene.board.panels)


def rendered_png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), "navy").save(path)
    write_shot_metadata(path, SHOT)
    return path


async def library_loaded(tab: StoryboardTab) -> None:
    await wait_until(lambda: tab.generation.sidebar.angles is not None, 10)


def assert_restored(tab: StoryboardTab, panel: Panel) -> None:
    assert panel.template == "sd15_txt2img"
    assert panel.parameters["steps"] == 33 and panel.parameters["seed"] == 41
    assert panel.angle == "wide-low-090"
    assert [(lo.name, lo.strength) for lo in panel.loras] == [("film-grain.safetensors", 0.6)]
    assert panel_prompt(panel) == ("rain on a neon street", "blurry")
    side = tab.generation.sidebar
    assert side.template_box.currentData() == "sd15_txt2img"
    steps = side.findChild(QSpinBox, "param_steps")
    assert steps is not None and steps.value() == 33
    assert side.angle_picker.angle_id() == "wide-low-090"
    assert side.loras.text() == "film-grain.safetensors:0.6"
    assert side.prompt.toPlainText() == "rain on a neon street"


async def test_restore_event_needs_one_panel_and_is_one_undo_step(
    make_window: Callable[[], MainWindow], services: Services, notices: list[str], tmp_path: Path
) -> None:
    tab = open_board(make_window(), services, tmp_path / "Film")  # inside the running loop
    await library_loaded(tab)
    png = rendered_png(tmp_path / "elsewhere" / "shot.png")
    a, b = add(tab, 2)
    tab.scene.clearSelection()
    services.bus.publish(RestoreWorkflow(png))
    assert (
        notices[-1] == "Select exactly one panel to restore shot.png onto (no panel is selected)."
    )
    tab.scene.select_only([a.id, b.id])
    services.bus.publish(RestoreWorkflow(png))
    assert notices[-1].endswith("(2 panels are selected).")
    services.bus.publish(RestoreWorkflow(png, target="video"))  # not for us: nothing
    assert len(notices) == 2

    tab.scene.select_only([a.id])
    count = tab.undo_stack.count()
    services.bus.publish(RestoreWorkflow(png))
    await wait_until(lambda: a.template == "sd15_txt2img", 10)
    assert tab.undo_stack.count() == count + 1
    assert tab.undo_stack.undoText() == "Restore workflow on Panel_01"
    assert_restored(tab, a)
    assert "Panel_01: restored SD 1.5 · Text to image from shot.png" in notices[-1]
    assert b.template == ""

    tab.undo_stack.undo()
    assert a.template == "" and a.angle == "" and a.loras == [] and a.parameters == {}
    assert panel_prompt(a) == ("", "")
    assert tab.generation.sidebar.prompt.toPlainText() == ""
    assert tab.generation.sidebar.angle_picker.angle_id() == ""
    tab.undo_stack.redo()
    assert_restored(tab, a)

    junk = tmp_path / "notes.txt"
    junk.write_text("not an image")
    services.bus.publish(RestoreWorkflow(junk))
    await wait_until(lambda: notices[-1].startswith("Nothing restored from notes.txt"), 10)
    plain = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(plain)
    services.bus.publish(RestoreWorkflow(plain))
    await wait_until(lambda: "carries no workflow metadata" in notices[-1], 10)
    assert tab.undo_stack.count() == count + 1  # failures change nothing


async def test_panel_menu_restores_from_its_own_image(
    make_window: Callable[[], MainWindow], services: Services, notices: list[str], tmp_path: Path
) -> None:
    tab = open_board(make_window(), services, tmp_path / "Film")
    await library_loaded(tab)
    a, b = add(tab, 2)
    rendered_png(tmp_path / "Film" / "Panel_01" / "Film_Panel_01_v003.png")
    a.image = "Panel_01/Film_Panel_01_v003.png"
    viewport = tab.view.viewport()
    centre = tab.view.mapFromScene(b.x + 100, b.y + 120)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, centre, viewport.mapToGlobal(centre))
    QApplication.sendEvent(viewport, event)
    menu = tab.panel_menu
    assert menu is not None and menu.isVisible()
    assert tab.scene.selected_ids() == [b.id]  # right-click selects the panel
    action = next(x for x in menu.actions() if x.objectName() == "RestoreWorkflowAction")
    assert not action.isEnabled()  # b has no image
    menu.hide()

    point = tab.view.mapFromScene(a.x + 100, a.y + 120)
    QApplication.sendEvent(
        viewport,
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point)),
    )
    menu = tab.panel_menu
    assert menu is not None and tab.scene.selected_ids() == [a.id]
    action = next(x for x in menu.actions() if x.objectName() == "RestoreWorkflowAction")
    assert action.isEnabled()
    action.trigger()
    menu.hide()
    await wait_until(lambda: a.template == "sd15_txt2img", 10)
    assert_restored(tab, a)


def test_first_render_locks_the_panel_until_unlocked(
    tab: StoryboardTab, notices: list[str], tmp_path: Path
) -> None:
    (panel,) = add(tab, 1)
    service = tab.generation.service
    assert service is not None
    template = next(t for t in tab.templates.load_all().values() if t.id == "sd15_txt2img")
    (job,) = service.generate(FakeFarm(), panel, GenerationRequest(template, {"seed": 1}))
    out = tmp_path / "Film" / "Panel_01" / f"{job.name_stem}.png"
    done = dataclasses.replace(job, state=JobState.SUCCEEDED, node="gpu", outputs=[str(out)])
    service.job_changed(done)
    assert panel.locked and len(panel.history) == 1

    # Locked: a header drag does not move it, Delete does not delete it.
    start = (panel.x, panel.y)
    drag(tab, header(tab, panel), header(tab, panel) + QPoint(60, 40))
    assert (panel.x, panel.y) == start
    tab.scene.select_only([panel.id])
    tab.act_delete.trigger()
    assert tab.confirm is None and tab.scene.board.get(panel.id) is not None
    assert "Locked, so not deleted: Panel_01" in notices[-1]
    tab.delete([panel.id])
    assert tab.scene.board.get(panel.id) is not None

    # Unlocked with its lock icon (undoable), it moves and can be deleted.
    item = tab.scene.items_by_id[panel.id]
    lock = item.lock_rect().center()
    click(tab, at(tab, panel.x + lock.x(), panel.y + lock.y()))
    assert not panel.locked
    tab.undo_stack.undo()
    assert panel.locked
    tab.undo_stack.redo()
    assert not panel.locked
    drag(tab, header(tab, panel), header(tab, panel) + QPoint(60, 40))
    assert (panel.x, panel.y) != start
    tab.act_delete.trigger()
    assert tab.confirm is not None
    tab.confirm.button(QMessageBox.StandardButton.Yes).click()
    assert tab.scene.board.get(panel.id) is None


def _renders(tab: StoryboardTab, panel: Panel, folder: Path) -> Path:
    (folder / "Panel_01").mkdir(parents=True)
    image = folder / "Panel_01" / "Film_Panel_01_v001.png"
    Image.new("RGB", (8, 8), "teal").save(image)
    panel.image = "Panel_01/Film_Panel_01_v001.png"
    panel.history = []
    return image


def _answer(tab: StoryboardTab, button: QMessageBox.StandardButton) -> None:
    box = tab.folder_question
    assert box is not None and box.isVisible()
    assert box.windowTitle() == "Rename the folder too?"
    box.button(button).click()


def test_rename_asks_about_the_folder(
    tab: StoryboardTab, services: Services, notices: list[str], tmp_path: Path
) -> None:
    folder = tmp_path / "Film"
    (panel,) = add(tab, 1)
    _renders(tab, panel, folder)
    moves: list[FilesRenamed] = []
    services.bus.subscribe(FilesRenamed, moves.append)

    # No: only the name changes; the folder and the paths stay.
    assert tab.rename(panel.id, "Opening")
    assert panel.name == "Panel_01"  # nothing before the answer
    _answer(tab, QMessageBox.StandardButton.No)
    assert panel.name == "Opening" and (folder / "Panel_01").is_dir()
    assert panel.image == "Panel_01/Film_Panel_01_v001.png" and moves == []
    tab.undo_stack.undo()
    assert panel.name == "Panel_01" and (folder / "Panel_01").is_dir()

    # Cancel: nothing at all.
    count = tab.undo_stack.count()
    tab.rename(panel.id, "Opening")
    _answer(tab, QMessageBox.StandardButton.Cancel)
    assert panel.name == "Panel_01" and tab.undo_stack.count() == count

    # Yes: the folder follows, paths follow, the Gallery hears of it; undo moves it back.
    tab.rename(panel.id, "Opening")
    _answer(tab, QMessageBox.StandardButton.Yes)
    assert panel.name == "Opening" and (folder / "Opening" / "Film_Panel_01_v001.png").is_file()
    assert not (folder / "Panel_01").exists()
    assert panel.image == "Opening/Film_Panel_01_v001.png"
    assert moves[-1].moves == ((folder / "Panel_01", folder / "Opening"),)
    tab.undo_stack.undo()
    assert panel.name == "Panel_01" and (folder / "Panel_01").is_dir()
    assert panel.image == "Panel_01/Film_Panel_01_v001.png"
    assert moves[-1].moves == ((folder / "Opening", folder / "Panel_01"),)


def test_folder_rename_errors_lose_nothing(
    tab: StoryboardTab, notices: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "Film"
    (panel,) = add(tab, 1)
    image = _renders(tab, panel, folder)
    (folder / "Taken").mkdir()
    (folder / "Taken" / "keep.txt").write_text("mine")
    tab.rename(panel.id, "Taken")
    _answer(tab, QMessageBox.StandardButton.Yes)
    assert notices[-1] == "A folder named 'Taken' already exists; nothing was renamed."
    assert panel.name == "Panel_01" and image.is_file()
    assert (folder / "Taken" / "keep.txt").read_text() == "mine"

    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "rename", refuse)
    tab.rename(panel.id, "Opening")
    _answer(tab, QMessageBox.StandardButton.Yes)
    assert "Could not rename Panel_01 to Opening" in notices[-1]
    assert "Permission denied" in notices[-1]
    assert panel.name == "Panel_01" and image.is_file()
    assert panel.image == "Panel_01/Film_Panel_01_v001.png"


def test_empty_board_shows_a_centred_hint(tab: StoryboardTab) -> None:
    hint = tab.view.empty_hint
    QApplication.processEvents()  # the canvas page gets its size
    assert hint.isVisible() and hint.text() == EMPTY_HINT
    centre = tab.view.viewport().rect().center()
    assert (hint.geometry().center() - centre).manhattanLength() <= 2
    image = tab.view.viewport().grab().toImage()
    lit = sum(
        1
        for x in range(hint.x(), hint.x() + hint.width(), 3)
        for y in range(hint.y(), hint.y() + hint.height(), 3)
        if image.pixelColor(x, y).lightness() > 120
    )
    assert lit > 20  # the text is really drawn
    add(tab, 1)
    assert not hint.isVisible()
    tab.undo_stack.undo()
    assert hint.isVisible()
    tab.view.resize(tab.view.width() - 200, tab.view.height())
    QApplication.processEvents()
    centre = tab.view.viewport().rect().center()
    assert (hint.geometry().center() - centre).manhattanLength() <= 2
    bars = tab.view.horizontalScrollBar(), tab.view.verticalScrollBar()
    before = bars[0].value()
    bars[0].setValue(before + 150)  # scrolling moves the viewport's children
    bars[1].setValue(bars[1].value() - 90)
    assert bars[0].value() != before
    QApplication.processEvents()
    centre = tab.view.viewport().rect().center()
    assert (hint.geometry().center() - centre).manhattanLength() <= 2
    assert hint.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
