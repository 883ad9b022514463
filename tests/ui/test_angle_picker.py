"""The visual 144-angle picker: click, keys, "no angle", filter, tooltips, pixels, sidebar."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from directors_console.core.data_paths import templates_dir
from directors_console.core.templates import AngleLibrary, TemplateLoader
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.storyboard.angle_picker import CAMERA, AnglePicker, matches
from directors_console.ui.storyboard.generate_panel import GenerateSidebar


@pytest.fixture(scope="module")
def library() -> AngleLibrary:
    return AngleLibrary.load()


@pytest.fixture
def picker(qtbot, library: AngleLibrary) -> AnglePicker:  # type: ignore[no-untyped-def]
    widget = AnglePicker(library)
    qtbot.addWidget(widget)
    widget.resize(300, 320)
    widget.show()
    return widget


def _click(picker: AnglePicker, point: QPointF) -> None:
    QTest.mouseClick(picker.dial, Qt.MouseButton.LeftButton, pos=point.toPoint())


def test_library_has_144_angles(library: AngleLibrary) -> None:
    assert len(library) == 144


def test_click_a_ring_dot_then_a_height(picker: AnglePicker) -> None:
    seen: list[str] = []
    picker.angle_changed.connect(seen.append)
    assert picker.angle_id() == "" and picker.none_button.isChecked()
    _click(picker, picker.dial.dot_point("wide", "090"))
    assert picker.angle_id() == "wide-eye-090"  # eye level until a height is chosen
    _click(picker, picker.dial.row_point("low"))
    assert picker.angle_id() == "wide-low-090"
    assert seen == ["wide-eye-090", "wide-low-090"]
    assert "Wide shot · Low angle · Right profile" in picker.name.text()
    assert not picker.none_button.isChecked()
    picker.none_button.click()
    assert picker.angle_id() == "" and seen[-1] == ""
    assert "No camera angle" in picker.name.text()


def test_keyboard_moves_around(picker: AnglePicker) -> None:
    dial = picker.dial
    dial.setFocus()
    QTest.keyClick(dial, Qt.Key.Key_Right)  # nothing chosen: the first key picks one
    assert picker.angle_id() == "medium-eye-000"
    QTest.keyClick(dial, Qt.Key.Key_Left)
    assert picker.angle_id() == "medium-eye-330"  # wraps around the ring
    QTest.keyClick(dial, Qt.Key.Key_Up)
    QTest.keyClick(dial, Qt.Key.Key_Up)  # stops at the outer (wide) ring
    assert picker.angle_id() == "wide-eye-330"
    QTest.keyClick(dial, Qt.Key.Key_Down)
    QTest.keyClick(dial, Qt.Key.Key_PageUp)
    assert picker.angle_id() == "medium-high-330"
    QTest.keyClick(dial, Qt.Key.Key_Delete)
    assert picker.angle_id() == ""


def test_filter_lists_and_dims_and_enter_picks(picker: AnglePicker, library: AngleLibrary) -> None:
    picker.search.setText("close profile low")
    ids = [
        picker.matches.item(i).data(Qt.ItemDataRole.UserRole) for i in range(picker.matches.count())
    ]
    assert sorted(ids) == ["close-low-090", "close-low-270"]
    assert picker.count.text() == "2 angles match"
    assert picker.dial.visible == set(ids)
    assert not picker.dial._shown(size="wide")
    QTest.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.angle_id() == ids[0]
    picker.search.setText("zebra")
    assert picker.count.text() == "No angle matches “zebra”"
    assert not picker.matches.isVisible()
    picker.search.clear()
    assert picker.dial.visible is None and not picker.count.isVisible()
    assert all(matches(a, "") for a in library)


def test_tooltips_show_prompt_tokens(picker: AnglePicker, library: AngleLibrary) -> None:
    dial = picker.dial
    target = dial.target_at(dial.dot_point("close", "180"))
    text = dial.tooltip_for(target)
    assert library["close-eye-180"].prompt in text
    assert "low-angle shot" in dial.tooltip_for(dial.target_at(dial.row_point("low")))
    assert dial.tooltip_for(dial.target_at(QPointF(2, 2))) == ""


def _camera_pixels(image: QImage, centre: QPoint, radius: int = 8) -> int:
    count = 0
    for x in range(centre.x() - radius, centre.x() + radius):
        for y in range(centre.y() - radius, centre.y() + radius):
            c = QColor(image.pixel(x, y))
            if abs(c.red() - CAMERA.red()) < 30 and abs(c.green() - CAMERA.green()) < 30:
                count += 1
    return count


def test_the_chosen_camera_is_drawn_where_it_stands(picker: AnglePicker) -> None:
    picker.set_angle_id("wide-eye-090")
    image = picker.dial.grab().toImage()
    right = picker.dial.dot_point("wide", "090").toPoint()
    left = picker.dial.dot_point("wide", "270").toPoint()
    assert _camera_pixels(image, right) > 30
    assert _camera_pixels(image, left) == 0
    picker.set_angle_id("wide-eye-270")
    image = picker.dial.grab().toImage()
    assert _camera_pixels(image, left) > 30 and _camera_pixels(image, right) == 0


def test_sidebar_round_trips_the_angle(qtbot, library: AngleLibrary, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    templates = list(TemplateLoader(templates_dir()).load_all().values())
    side = GenerateSidebar(templates, library)
    qtbot.addWidget(side)
    side.resize(320, 900)
    side.show()
    assert side.select_template("sd15_txt2img")
    side.set_angle("close-high-180")
    assert side.angle_picker.angle_id() == "close-high-180"
    request = side.request()
    assert request.angle is not None and request.angle.id == "close-high-180"
    side.set_angle("")
    assert side.request().angle is None
    side.set_angle("not-an-angle")
    assert side.angle() is None
    side.angle_picker.search.setText("low three-quarter")
    side.set_angle("medium-low-060")
    for _ in range(3):  # the scroll area lays out the longer picker (two passes)
        QApplication.processEvents()
    assert side.angle_picker.name.geometry().top() >= side.angle_picker.dial.geometry().bottom()
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    side.grab().save(str(folder / "storyboard_angles.png"))
