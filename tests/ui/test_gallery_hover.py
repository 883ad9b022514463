"""Hover preview after a delay (hidden on leave, scroll and keys) and video hover-scrub.

Set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep the screenshot.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QMouseEvent, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.gallery import GalleryTab
from directors_console.ui.gallery.hover import DELAY_MS, tile_box
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until
from tests.ui.media_fixtures import make_mp4
from tests.ui.test_gallery_tab import make_project, open_gallery, show_folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "Nightfall")
    # A large render (with its metadata) to show the preview's 512 px cap.
    src = Image.open(root / "shots" / "sc02" / "sc02_p02_v1.png")
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", src.info["parameters"])
    big = src.resize((960, 640), Image.Resampling.BICUBIC)
    big.save(root / "shots" / "sc02" / "sc02_p02_v2.png", pnginfo=info)
    return root


def move(tab: GalleryTab, pos: QPoint, held: Qt.MouseButton = Qt.MouseButton.NoButton) -> None:
    viewport = tab.grid.viewport()
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(viewport.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        held,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def leave(tab: GalleryTab) -> None:
    QApplication.sendEvent(tab.grid.viewport(), QEvent(QEvent.Type.Leave))


def tile(tab: GalleryTab, row: int) -> QPoint:
    return tab.grid.visualRect(tab.model.index(row)).center()


async def test_preview_after_delay_then_hidden(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    window.farm_dock.hide()
    window.resize(1400, 900)
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc02", 5)
    await tab.session.set_rating([tab.model.entries[3].path], 4)  # type: ignore[union-attr]
    tab.grid.setCurrentIndex(tab.model.index(0))
    await wait_until(lambda: "golden hour" in tab.detail.prompt.toPlainText(), 5)
    popup = tab.hover.popup
    loop = asyncio.get_running_loop()
    start = loop.time()
    move(tab, tile(tab, 3))
    assert not popup.isVisible()
    await asyncio.sleep(DELAY_MS / 1000 / 2)
    move(tab, tile(tab, 3) + QPoint(3, 2))  # small moves on the same tile keep the timer
    assert not popup.isVisible()
    await wait_until(popup.isVisible, 3)
    assert loop.time() - start >= DELAY_MS / 1000 * 0.9
    entry = tab.model.entries[3]
    assert entry.name == "sc02_p02_v2.png"
    assert popup.path == entry.path and entry.name in popup.name_label.text()
    await wait_until(lambda: "golden hour" in popup.prompt_label.text(), 5)
    assert "960×640" in popup.info_label.text() and "★★★★" in popup.info_label.text()
    await wait_until(lambda: popup.image_label.pixmap().width() == 512, 5)  # capped
    assert popup.image_label.pixmap().height() == 341

    tab.grid.setFocus()
    cursor = tab.grid.viewport().mapToGlobal(tile(tab, 3))
    assert popup.geometry().top() > cursor.y() or popup.geometry().bottom() < cursor.y()
    shot = tab.window().grab()
    painter = QPainter(shot)
    painter.drawPixmap(tab.window().mapFromGlobal(popup.pos()), popup.grab())
    painter.end()
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert shot.save(str(folder / "gallery_hover.png"))

    leave(tab)
    assert not popup.isVisible()
    move(tab, tile(tab, 1), held=Qt.MouseButton.LeftButton)  # dragging: no preview
    await asyncio.sleep(DELAY_MS / 1000 * 1.5)
    assert not popup.isVisible()
    move(tab, tile(tab, 1))
    await wait_until(popup.isVisible, 3)
    QTest.keyClick(tab.grid, Qt.Key.Key_Right)
    assert not popup.isVisible()
    move(tab, tile(tab, 0))
    await wait_until(popup.isVisible, 3)
    move(tab, tile(tab, 1))  # another tile: hidden, timer starts again
    assert not popup.isVisible()
    await wait_until(popup.isVisible, 3)
    assert popup.path == tab.model.entries[1].path
    await wait_until(lambda: "golden hour" in popup.prompt_label.text(), 5)
    tab.grid.verticalScrollBar().valueChanged.emit(1)
    assert not popup.isVisible()
    # The tile's own tooltip is replaced by the preview (the filter eats the event).
    help_event = QHelpEvent(QEvent.Type.ToolTip, tile(tab, 1), QPoint())
    assert QApplication.sendEvent(tab.grid.viewport(), help_event)


async def test_video_scrub_shows_frames_by_position(
    window: MainWindow, services: Services, project: Path
) -> None:
    clip = await make_mp4(project / "clips" / "orbit_v1.mp4")
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "clips", 1)
    box = tile_box(tab.grid.visualRect(tab.model.index(0)))
    overlay = tab.hover.overlay
    scrubber = tab.hover.scrubber

    def colour() -> QColor:
        image = overlay.image
        assert image is not None
        return image.pixelColor(int(image.width() * 0.5), int(image.height() * 0.08))

    move(tab, QPoint(box.left() + 2, box.center().y()))
    assert overlay.isVisible()
    await wait_until(lambda: scrubber.frame(str(clip), 0) is not None, 10)
    await wait_until(lambda: overlay.image is scrubber.frame(str(clip), 0))
    left = colour()
    move(tab, QPoint(box.right() - 2, box.center().y()))
    await wait_until(lambda: scrubber.frame(str(clip), 9) is not None, 10)
    await wait_until(lambda: overlay.image is scrubber.frame(str(clip), 9))
    right = colour()
    assert overlay.fraction > 0.95
    turn = abs(left.hue() - right.hue())
    assert min(turn, 360 - turn) > 60, (left.name(), right.name())
    # The white bar moves left to right through the clip.
    first, last = scrubber.frame(str(clip), 0), scrubber.frame(str(clip), 9)
    assert first is not None and last is not None

    def bar_x(image: QImage) -> int:
        y = image.height() // 2
        return max(range(image.width()), key=lambda x: image.pixelColor(x, y).lightness())

    assert bar_x(first) < first.width() * 0.2
    assert bar_x(last) > last.width() * 0.7

    move(tab, QPoint(box.left() + 2, box.center().y()))  # cached: shown at once
    assert overlay.image is scrubber.frame(str(clip), 0)
    leave(tab)
    assert not overlay.isVisible()
