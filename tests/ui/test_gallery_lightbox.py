"""The lightbox: zoom around the cursor, keys, pan, fit again, and real video playback.

Set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep the screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QSlider

from directors_console.app.services import Services
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.gallery.zoom import ZoomCanvas
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import stable, wait_until
from tests.ui.media_fixtures import make_mp4
from tests.ui.test_gallery_tab import make_project, open_gallery, select_row, show_folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "Nightfall")


def wheel(canvas: ZoomCanvas, at: QPointF, steps: int) -> None:
    event = QWheelEvent(
        at,
        QPointF(canvas.mapToGlobal(at.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, event)


def image_point(canvas: ZoomCanvas, at: QPointF) -> tuple[float, float]:
    rect = canvas.image_rect()
    return (at.x() - rect.left()) / rect.width(), (at.y() - rect.top()) / rect.height()


def shot(widget: object, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / name
    assert widget.grab().save(str(out))  # type: ignore[attr-defined]
    return out


async def test_zoom_pan_keys_and_fit(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    window.resize(1200, 800)
    tab = await open_gallery(window, services, project)
    # The window takes its new size a moment later; the lightbox fits to it.
    await wait_until(lambda: (window.width(), window.height()) == (1200, 800))
    await show_folder(tab, "shots/sc02", 4)
    select_row(tab, 1)
    QTest.keyClick(tab.grid, Qt.Key.Key_Space)
    box = tab.lightbox
    canvas = box.canvas
    await wait_until(lambda: canvas.pixmap is not None and box.size() == tab.size(), 10)
    # The window may still be settling its layout (a loaded machine): measure after it.
    await wait_until(stable(lambda: (box.size(), canvas.size(), canvas.scale())), 5)
    assert box.isVisible() and box.video_bar.isHidden()
    fit = canvas.scale()
    fit_rect = canvas.image_rect()
    assert fit > 1.5  # a 192 px image fills the window
    before = canvas.grab().toImage()

    at = QPointF(canvas.width() * 0.3, canvas.height() * 0.4)
    under = image_point(canvas, at)
    wheel(canvas, at, 2)
    assert canvas.scale() == pytest.approx(fit * 1.25**2)
    after = image_point(canvas, at)
    assert after == pytest.approx(under, abs=1e-6)  # the point under the cursor stays
    assert canvas.image_rect().width() == pytest.approx(fit_rect.width() * 1.5625)
    assert canvas.grab().toImage() != before  # really drawn bigger
    assert "%" in box.zoom_label.text()

    QTest.keyClick(box, Qt.Key.Key_Plus)
    assert canvas.scale() == pytest.approx(fit * 1.25**3)
    centre = QPointF(canvas.center)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, 300))
    QTest.mouseMove(canvas, QPoint(360, 330))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(360, 330))
    assert canvas.center.x() < centre.x() and canvas.center.y() < centre.y()
    shot(box, "gallery_lightbox.png", tmp_path)

    QTest.keyClick(box, Qt.Key.Key_1)
    assert canvas.scale() == pytest.approx(1.0)
    QTest.keyClick(box, Qt.Key.Key_0)
    assert canvas.scale() == pytest.approx(fit)
    assert canvas.image_rect() == fit_rect
    QTest.keyClick(box, Qt.Key.Key_Minus)
    assert canvas.scale() < fit

    QTest.keyClick(box, Qt.Key.Key_Right)
    assert tab.grid.currentIndex().row() == 2
    await wait_until(lambda: canvas.pixmap is not None, 10)
    # A new image starts fitted (to the canvas as it is now: on a loaded machine the
    # window may have finished laying out since ``fit`` was measured).
    assert canvas.zoom == pytest.approx(1.0)  # scale = fit scale × zoom
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert not box.isVisible()


async def test_video_plays_muted_with_controls(
    window: MainWindow, services: Services, project: Path
) -> None:
    clip = await make_mp4(project / "clips" / "orbit_v1.mp4")
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "clips", 1)
    select_row(tab, 0)
    QTest.keyClick(tab.grid, Qt.Key.Key_Space)
    box = tab.lightbox
    assert box.video_path == str(clip)
    player = box.player
    await wait_until(lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState)
    await wait_until(lambda: player.position() > 300, 10)
    await wait_until(lambda: box.canvas.pixmap is not None)
    assert box.canvas.pixmap is not None and box.canvas.pixmap.width() == 160
    assert box.video_bar.isVisible()
    assert box.audio.isMuted() and box.video_bar.mute_button.isChecked()
    assert box.video_bar.slider.maximum() == player.duration() > 1500
    await wait_until(lambda: box.video_bar.slider.value() > 0)
    assert "/ 0:02" in box.video_bar.time_label.text()

    QTest.keyClick(box, Qt.Key.Key_Space)
    assert player.playbackState() == QMediaPlayer.PlaybackState.PausedState
    assert "Play" in box.video_bar.play_button.text()
    QTest.keyClick(box, Qt.Key.Key_M)
    assert not box.audio.isMuted()
    box.video_bar.slider.sliderMoved.emit(200)
    await wait_until(lambda: abs(player.position() - 200) < 100)
    slider = box.video_bar.slider
    slider.setSliderPosition(1200)
    slider.triggerAction(QSlider.SliderAction.SliderMove)  # a click on the groove
    await wait_until(lambda: abs(player.position() - 1200) < 100)
    QTest.keyClick(box, Qt.Key.Key_Plus)  # zoom works on video frames too
    assert box.canvas.zoom > 1.0
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert not box.isVisible()
    assert player.playbackState() == QMediaPlayer.PlaybackState.StoppedState


async def test_f_fills_the_screen_and_closing_gives_the_window_back(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc02", 4)
    select_row(tab, 0)
    QTest.keyClick(tab.grid, Qt.Key.Key_Space)
    box = tab.lightbox
    await wait_until(lambda: box.canvas.pixmap is not None, 10)
    assert not window.isFullScreen()
    QTest.keyClick(box, Qt.Key.Key_F)
    await wait_until(window.isFullScreen)
    QTest.keyClick(box, Qt.Key.Key_F)
    await wait_until(lambda: not window.isFullScreen())
    QTest.keyClick(box, Qt.Key.Key_F)
    await wait_until(window.isFullScreen)
    QTest.keyClick(box, Qt.Key.Key_Escape)  # closing the lightbox leaves full screen too
    await wait_until(lambda: not window.isFullScreen() and not box.isVisible())
