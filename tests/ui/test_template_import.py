"""The workflow import dialog: a workflow file becomes a saved template, or an inline error.

A PNG carrying an API prompt is listed, one parameter renamed and one hidden, saved into a
temp user templates folder and read back by :class:`TemplateLoader`; broken JSON shows an
error and writes nothing; an editor (UI) workflow converts with a recorded object_info, or
says a render node must be online when there is none. The screenshot goes to tmp_path, or
to ``DC_SCREENSHOT_DIR`` (docs/screenshots) when set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.core.data_paths import templates_dir
from directors_console.core.templates import TemplateLoader
from directors_console.ui.common.template_import import (
    COL_EXPOSE,
    COL_LABEL,
    COL_NAME,
    TemplateImportDialog,
)
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard import StoryboardTab
from tests.conftest import FIXTURES, require_fixture
from tests.ui.conftest import wait_until
from tests.ui.storyboard_helpers import open_board

PNG = FIXTURES / "outputs" / "s02_shot_00001_.png"
UI_WORKFLOW = FIXTURES / "ui_api_pairs" / "hand_basic_txt2img.ui.json"


def make_dialog(qtbot: Any, services: Services, user_dir: Path, **kw: Any) -> TemplateImportDialog:
    dialog = TemplateImportDialog(user_dir, services.tasks, services.workers, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def row_of(dialog: TemplateImportDialog, name: str) -> int:
    for row in range(dialog.table.rowCount()):
        item = dialog.table.item(row, COL_NAME)
        if item is not None and item.text() == name:
            return row
    raise AssertionError(f"no row {name!r}")


def save_shot(dialog: TemplateImportDialog, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "template_import.png"
    assert dialog.grab().save(str(path))
    return path


async def test_png_import_rename_hide_save(qtbot: Any, services: Services, tmp_path: Path) -> None:
    png = require_fixture(PNG)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    user_dir = tmp_path / "user_templates"
    dialog = make_dialog(qtbot, services, user_dir)
    assert not dialog.save_button.isEnabled()
    dialog.load_file(png)
    await wait_until(lambda: dialog.draft is not None)
    names = [dialog.table.item(r, COL_NAME).text() for r in range(dialog.table.rowCount())]  # type: ignore[union-attr]
    assert {"width", "height"} <= set(names)
    assert dialog.save_button.isEnabled()

    width = row_of(dialog, "width")
    dialog.table.item(width, COL_NAME).setText("frame_width")  # type: ignore[union-attr]
    dialog.table.item(width, COL_LABEL).setText("Frame width")  # type: ignore[union-attr]
    height = row_of(dialog, "height")
    dialog.table.item(height, COL_EXPOSE).setCheckState(Qt.CheckState.Unchecked)  # type: ignore[union-attr]
    dialog.name_edit.setText("Shot look")
    dialog.name_edit.textEdited.emit("Shot look")
    assert dialog.id_edit.text() == "shot_look"
    dialog.resize(900, 560)
    save_shot(dialog, tmp_path)

    saved: list[Path] = []
    dialog.template_saved.connect(saved.append)
    dialog.save()
    await wait_until(lambda: bool(saved))
    assert saved[0] == user_dir / "shot_look.yaml"
    assert sorted(p.name for p in user_dir.iterdir()) == ["shot_look.api.json", "shot_look.yaml"]
    assert str(saved[0]) in dialog.message.text()

    loader = TemplateLoader(templates_dir(), user_dir)
    template = loader.load_all()["shot_look"]
    assert not loader.errors
    params = {p.name: p for p in template.parameters}
    assert "frame_width" in params and params["frame_width"].label == "Frame width"
    assert "width" not in params and "height" not in params

    # Saving again never overwrites: the id moves on.
    saved.clear()
    dialog.save()
    await wait_until(lambda: bool(saved))
    assert saved[0].name == "shot_look_2.yaml"


async def test_broken_json_shows_error_writes_nothing(
    qtbot: Any, services: Services, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"1": {"class_type": ', encoding="utf-8")
    user_dir = tmp_path / "user_templates"
    dialog = make_dialog(qtbot, services, user_dir)
    errors: list[str] = []
    dialog.failed.connect(errors.append)
    dialog.load_file(broken)
    await wait_until(lambda: bool(errors))
    assert dialog.draft is None
    assert not dialog.save_button.isEnabled()
    assert dialog.message.isVisible() and "broken.json" in dialog.message.text()
    dialog.save()
    assert not user_dir.exists()


async def test_image_without_workflow_is_an_error(
    qtbot: Any, services: Services, tmp_path: Path
) -> None:
    from PySide6.QtGui import QImage

    plain = tmp_path / "plain.png"
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0)
    assert image.save(str(plain))
    dialog = make_dialog(qtbot, services, tmp_path / "user")
    errors: list[str] = []
    dialog.failed.connect(errors.append)
    dialog.load_file(plain)
    await wait_until(lambda: bool(errors))
    assert dialog.draft is None and not (tmp_path / "user").exists()


async def test_ui_workflow_needs_a_node(qtbot: Any, services: Services, tmp_path: Path) -> None:
    workflow = require_fixture(UI_WORKFLOW)
    asked: list[bool] = []

    async def no_node() -> dict[str, Any] | None:
        asked.append(True)
        return None

    dialog = make_dialog(qtbot, services, tmp_path / "user", object_info_provider=no_node)
    errors: list[str] = []
    dialog.failed.connect(errors.append)
    dialog.load_file(workflow)
    await wait_until(lambda: bool(errors))
    assert asked
    assert "render node" in errors[0] and dialog.draft is None


async def test_ui_workflow_converts_with_object_info(
    qtbot: Any, services: Services, tmp_path: Path
) -> None:
    workflow = require_fixture(UI_WORKFLOW)
    raw: dict[str, Any] = json.loads(
        require_fixture(FIXTURES / "object_info.json").read_text(encoding="utf-8")
    )

    async def provider() -> dict[str, Any] | None:
        return raw

    user_dir = tmp_path / "user"
    dialog = make_dialog(qtbot, services, user_dir, object_info_provider=provider)
    dialog.load_file(workflow)
    await wait_until(lambda: dialog.draft is not None)
    assert dialog.draft is not None
    names = {p.name for p in dialog.draft.parameters}
    assert {"seed", "steps", "positive_prompt"} <= names
    assert "Needs models" in dialog.summary.text()
    saved: list[Path] = []
    dialog.template_saved.connect(saved.append)
    dialog.save()
    await wait_until(lambda: bool(saved))
    template = TemplateLoader(templates_dir(), user_dir).load_all()[dialog.draft.id]
    assert {"seed", "steps"} <= {p.name for p in template.parameters}


async def test_missing_node_types_are_named(qtbot: Any, services: Services, tmp_path: Path) -> None:
    workflow = require_fixture(UI_WORKFLOW)
    raw = json.loads(require_fixture(FIXTURES / "object_info.json").read_text(encoding="utf-8"))
    raw.pop("KSampler")
    dialog = make_dialog(qtbot, services, tmp_path / "user", object_info=raw)
    errors: list[str] = []
    dialog.failed.connect(errors.append)
    dialog.load_file(workflow)
    await wait_until(lambda: bool(errors))
    assert "KSampler" in errors[0]
    assert not (tmp_path / "user").exists()


async def test_storyboard_import_button_adds_template_to_picker(
    make_window: Callable[[], MainWindow], services: Services, tmp_path: Path
) -> None:
    png = require_fixture(PNG)
    window = make_window()
    tab = open_board(window, services, tmp_path / "film")
    sidebar = tab.generation.sidebar
    assert tab.user_templates_dir == services.settings.folder / "templates"
    assert sidebar.import_button.isEnabled()
    await wait_until(lambda: sidebar.loaded)
    sidebar.import_button.click()
    dialog = tab.import_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    dialog.load_file(png)
    await wait_until(lambda: dialog.draft is not None)
    dialog.name_edit.setText("Imported look")
    dialog.id_edit.setText("imported_look")
    dialog.save()

    def listed() -> bool:
        box = sidebar.template_box
        return any(box.itemData(i) == "imported_look" for i in range(box.count()))

    await wait_until(listed)
    assert (services.settings.folder / "templates" / "imported_look.yaml").is_file()


def test_storyboard_import_disabled_without_user_dir(qtbot: Any, services: Services) -> None:
    tab = StoryboardTab(services.projects, [], services.bus, services.tasks, services.workers)
    qtbot.addWidget(tab)
    button = tab.generation.sidebar.import_button
    assert not button.isEnabled() and "folder" in button.toolTip()
    assert tab.open_import() is None


async def test_dropping_a_file_loads_it(qtbot: Any, services: Services, tmp_path: Path) -> None:
    png = require_fixture(PNG)
    dialog = make_dialog(qtbot, services, tmp_path / "user")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(png))])
    point = QPointF(dialog.rect().center())
    enter = QDragEnterEvent(
        point.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.dropEvent(drop)
    await wait_until(lambda: dialog.draft is not None)
    assert dialog.path_edit.text() == str(png)
