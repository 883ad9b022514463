"""Prompt Studio: the library loads off the UI thread, presets fill the shot, the rule
engine greys refused options and fixes broken combinations, the prompt follows the model
family, Send publishes a SendPrompt, undo restores, and the keyboard alone is enough.

The screenshot goes to tmp_path (or ``DC_SCREENSHOT_DIR``, e.g. docs/screenshots); the
test only checks that its pixels are not blank: the look is judged by eye.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from directors_console.app.services import Services
from directors_console.core.cinema import CinemaLibrary, ShotConfig
from directors_console.core.data_paths import presets_dir
from directors_console.core.events import SendPrompt
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.main_window import MainWindow
from directors_console.ui.prompt_studio import PromptStudioTab
from directors_console.ui.prompt_studio import tab as tab_module
from directors_console.ui.prompt_studio.pickers import ID_ROLE
from directors_console.ui.prompt_studio.studio import StudioView
from tests.ui.conftest import wait_until

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(scope="module")
def library() -> CinemaLibrary:
    return CinemaLibrary.load(presets_dir() / "cinema")


@pytest.fixture
def tab(qtbot, services: Services) -> PromptStudioTab:  # type: ignore[no-untyped-def]
    page = PromptStudioTab(services.projects, services.bus, services.tasks, services.workers)
    qtbot.addWidget(page)
    page.resize(1440, 860)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitActive(page)
    return page


async def loaded(page: PromptStudioTab) -> StudioView:
    await wait_until(lambda: page.studio is not None)
    assert page.studio is not None
    return page.studio


def live_preset(library: CinemaLibrary, needs_broken_camera: bool = False) -> str:
    """A live-action preset whose camera cannot take every lens (for rule tests)."""
    for preset in library.presets.filter(kind="live"):
        config = library.presets.apply(preset.id)
        if library.validate(config):
            continue
        if not needs_broken_camera or library.available_options("camera", config).disabled:
            return preset.id
    raise AssertionError("no suitable live preset on file")


def pick(studio: StudioView, field: str, value: str | None) -> None:
    """Choose ``value`` in a field's combo as a user would (activated fires)."""
    combo = studio.pickers.combos[field]
    index = combo.findData(value, ID_ROLE) if value is not None else 0
    assert index >= 0, (field, value)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


async def test_library_loads_off_the_ui_thread_and_fills_the_tab(
    qtbot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    threads: list[str] = []
    real = tab_module.load_library

    def spy(folder: Path) -> CinemaLibrary:
        threads.append(threading.current_thread().name)
        return real(folder)

    monkeypatch.setattr(tab_module, "load_library", spy)
    page = PromptStudioTab(services.projects, services.bus, services.tasks, services.workers)
    qtbot.addWidget(page)
    assert page.library is None, "nothing loads before the tab is shown"
    page.show()
    assert "Loading presets…" in page.empty.text_label.text()
    studio = await loaded(page)
    assert threads and threads[0] != threading.main_thread().name
    assert page.stack.currentWidget() is studio
    assert studio.presets.list.count() > 10
    assert studio.pickers.combos["camera"].count() > 10
    assert studio.preview.family.count() >= 5
    assert studio.preview.positive.toPlainText()


async def test_a_failed_load_says_why_and_can_retry(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page = PromptStudioTab(
        services.projects, services.bus, services.tasks, services.workers, tmp_path / "none"
    )
    qtbot.addWidget(page)
    page.show()
    await wait_until(lambda: bool(page.load_error))
    assert "could not be loaded" in page.empty.text_label.text()
    assert page.retry.isVisibleTo(page)
    page.cinema_dir = presets_dir() / "cinema"
    page.retry.click()
    await loaded(page)


async def test_main_window_builds_the_studio_after_showing(window: MainWindow) -> None:
    page = window.pages[0]
    assert isinstance(page, PromptStudioTab)
    await loaded(page)
    assert window.undo_group.activeStack() is page.undo_stack


async def test_choosing_a_preset_fills_fields_and_preview(
    tab: PromptStudioTab, library: CinemaLibrary
) -> None:
    studio = await loaded(tab)
    QTest.keyClicks(studio.subject, "a lone rider")
    preset_id = live_preset(library)
    preset = library.presets.get(preset_id)
    assert studio.presets.select(preset_id)
    assert studio.config.subject == "a lone rider", "the user's words survive a preset"
    for field, value in preset.settings.items():
        combo = studio.pickers.combos[field]
        assert combo.currentData(ID_ROLE) == value, field
    text = studio.preview.positive.toPlainText()
    assert "a lone rider" in text
    assert text == library.prompt(studio.config, studio.preview.current_family()).positive
    label = studio.presets.list.currentItem().text()
    assert str(preset.year) in label and preset.cinematographer in label


async def test_filters_and_search_narrow_the_list(
    tab: PromptStudioTab, library: CinemaLibrary
) -> None:
    studio = await loaded(tab)
    browser = studio.presets
    everything = browser.list.count()
    browser.era.setCurrentIndex(browser.era.findData("1970s"))
    assert 0 < browser.list.count() < everything
    assert all(p.era == "1970s" for p in browser.visible_presets())
    browser.search.setText("zzzz-no-such-film")
    assert browser.list.count() == 0
    assert "No preset matches" in browser.count.text()
    browser.search.clear()
    browser.era.setCurrentIndex(0)
    studio.choose_kind("animation")
    assert not studio.pickers.combos["camera"].isVisibleTo(studio)
    assert studio.pickers.combos["medium"].isVisibleTo(studio)
    assert all(p.kind == "animation" for p in browser.visible_presets())
    assert browser.domain.isEnabled()


async def test_a_refused_option_is_greyed_with_its_reason(
    tab: PromptStudioTab, library: CinemaLibrary
) -> None:
    studio = await loaded(tab)
    studio.choose_preset(live_preset(library, needs_broken_camera=True))
    options = library.available_options("camera", studio.config)
    value, reason = options.disabled[0]
    item = studio.pickers.item("camera", value)
    assert not item.isEnabled()
    assert item.toolTip() == reason
    assert studio.pickers.item("camera", options.enabled[0]).isEnabled()


async def test_a_bad_combination_shows_a_rule_message_and_its_fix_works(
    tab: PromptStudioTab, library: CinemaLibrary
) -> None:
    studio = await loaded(tab)
    studio.choose_preset(live_preset(library, needs_broken_camera=True))
    assert not studio.checks.messages
    assert "No problems" in studio.checks.summary.text()
    refused, reason = library.available_options("camera", studio.config).disabled[0]
    pick(studio, "camera", refused)
    assert studio.config.camera == refused
    messages = studio.checks.messages
    errors = [m for m in messages if m.severity == "error"]
    assert errors and any(m.message == reason for m in errors)
    assert studio.pickers.combos["camera"].property("invalid") is True
    assert studio.pickers.combos["camera"].toolTip() == reason
    assert "error" in studio.checks.summary.text()
    assert studio.checks.fix_buttons
    first = next(m for m in messages if m.fix)
    studio.checks.fix_buttons[0].click()
    for field, value in (first.fix or {}).items():
        assert getattr(studio.config, field) == value
    assert first not in library.validate(studio.config)
    studio.checks.fix_all.click()
    assert not [m for m in studio.checks.messages if m.severity == "error"]
    assert studio.config == library.apply_fixes(studio.config)


async def test_family_switch_changes_the_prompt_form(
    tab: PromptStudioTab, library: CinemaLibrary
) -> None:
    studio = await loaded(tab)
    studio.choose_preset(live_preset(library))
    families = library.generator.families
    tags = next(f.id for f in families.values() if f.style == "weighted_tags" and f.negative)
    prose = next(f.id for f in families.values() if f.style == "sentences" and not f.negative)
    studio.preview.set_family(tags)
    tag_text = studio.preview.positive.toPlainText()
    assert tag_text == library.prompt(studio.config, tags).positive
    assert studio.preview.negative.toPlainText()
    studio.preview.set_family(prose)
    prose_text = studio.preview.positive.toPlainText()
    assert prose_text != tag_text and prose_text.endswith(".")
    assert studio.preview.negative.toPlainText() == ""
    assert "no negative" in studio.preview.negative.placeholderText()
    assert not studio.preview.copy_negative_button.isEnabled()


async def test_send_publishes_send_prompt_and_remembers_it(
    tab: PromptStudioTab, services: Services, library: CinemaLibrary
) -> None:
    studio = await loaded(tab)
    received: list[SendPrompt] = []
    sub = services.bus.subscribe(SendPrompt, received.append)
    studio.choose_preset(live_preset(library))
    studio.preview.set_family("sdxl")
    studio.subject.setFocus()
    QTest.keyClick(studio.subject, Qt.Key.Key_Return, CTRL)  # Ctrl+Enter sends
    sub.cancel()
    assert len(received) == 1
    sent = received[0]
    assert sent.target == "storyboard" and sent.model_family == "sdxl"
    assert sent.prompt == studio.preview.positive.toPlainText()
    assert sent.negative == studio.preview.negative.toPlainText()
    assert ShotConfig.model_validate(sent.config) == studio.config
    assert studio.history_view.list.count() == 1

    before = studio.config
    studio.choose_kind("animation")
    studio.history_view.restore_requested.emit(0)
    assert studio.config == before
    assert studio.preview.current_family() == "sdxl"


async def test_undo_restores_the_previous_config(
    tab: PromptStudioTab, library: CinemaLibrary
) -> None:
    studio = await loaded(tab)
    studio.choose_preset(live_preset(library))
    preset_config = studio.config
    mood = next(v for v in library.vocabulary.ids("mood") if v != preset_config.mood)
    pick(studio, "mood", mood)
    QTest.keyClicks(studio.subject, "a fox")
    assert studio.config.subject == "a fox"
    assert tab.undo_stack.count() == 3, "one step per user change; typing merges"
    tab.undo_stack.undo()
    assert studio.subject.text() == ""
    tab.undo_stack.undo()
    assert studio.config == preset_config
    assert studio.pickers.combos["mood"].currentData(ID_ROLE) == preset_config.mood
    tab.undo_stack.redo()
    assert studio.config.mood == mood
    assert "Mood" in tab.undo_stack.undoText()


async def test_the_keyboard_alone_is_enough(tab: PromptStudioTab, library: CinemaLibrary) -> None:
    studio = await loaded(tab)
    studio.subject.setFocus()
    QTest.keyClick(studio.subject, Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is studio.presets.search
    QTest.keyClicks(studio.presets.search, library.presets.get(live_preset(library)).title)
    QTest.keyClick(studio.presets.search, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is studio.presets.list
    QTest.keyClick(studio.presets.list, Qt.Key.Key_Return)
    assert studio.config.camera is not None, "Enter applied the preset"

    studio.scene.setFocus()
    QTest.keyClicks(studio.scene, "on a dusty road")
    QTest.keyClick(studio.scene, Qt.Key.Key_Tab)
    combo = QApplication.focusWidget()
    assert isinstance(combo, QComboBox) and combo in studio.pickers.combos.values()
    field = next(f for f, c in studio.pickers.combos.items() if c is combo)
    before = getattr(studio.config, field)
    QTest.keyClick(combo, Qt.Key.Key_Down)
    assert getattr(studio.config, field) != before

    QTest.keyClick(combo, Qt.Key.Key_C, CTRL_SHIFT)
    clipboard = QGuiApplication.clipboard().text()
    assert clipboard == studio.preview.positive.toPlainText()
    assert "dusty road" in clipboard
    assert studio.history_view.list.count() == 1


def not_blank(image: QImage) -> bool:
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 13) for y in range(0, image.height(), 11)
    }
    return len(colours) > 20


async def test_screenshot(tab: PromptStudioTab, library: CinemaLibrary, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    studio = await loaded(tab)
    preset_id = live_preset(library, needs_broken_camera=True)
    studio.subject.setText("a lone rider")
    studio.set_text("subject", "a lone rider")
    studio.presets.select(preset_id)
    refused, _reason = library.available_options("camera", studio.config).disabled[0]
    pick(studio, "camera", refused)
    studio.preview.copy_positive()
    await asyncio.sleep(0.2)  # new rows are shown by a queued call
    image = tab.grab().toImage()
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / "prompt_studio.png"))
    assert not_blank(image)
    model = studio.pickers.combos["camera"].model()
    assert isinstance(model, QStandardItemModel)
