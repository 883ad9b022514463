"""Hover preview after a delay (hidden on leave, scroll and keys) and video hover-scrub,
in the grid, masonry and timeline (preview and scrub) and the list (preview only).

Set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep the screenshots.
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
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from directors_console.app.services import Services
from directors_console.ui.gallery import GalleryTab
from directors_console.ui.gallery.hover import DELAY_MS, STILL_AT, ScrubOverlay, tile_box
from directors_console.ui.gallery.list_view import ListRows
from directors_console.ui.gallery.scrub import bucket_of
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until
from tests.ui.media_fixtures import make_mp4
from tests.ui.test_gallery_tab import (
    make_project,
    open_gallery,
    open_gallery_for_shots,
    show_folder,
)


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


def move(
    tab: GalleryTab,
    pos: QPoint,
    held: Qt.MouseButton = Qt.MouseButton.NoButton,
    view: QAbstractItemView | None = None,
) -> None:
    viewport = (view or tab.grid).viewport()
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(viewport.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        held,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def leave(tab: GalleryTab, view: QAbstractItemView | None = None) -> None:
    QApplication.sendEvent((view or tab.grid).viewport(), QEvent(QEvent.Type.Leave))


def tile(tab: GalleryTab, row: int) -> QPoint:
    return tab.grid.visualRect(tab.model.index(row)).center()


async def test_preview_after_delay_then_hidden(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    tab = await open_gallery_for_shots(window, services, project, 900)
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


def switch(tab: GalleryTab, mode: str) -> QAbstractItemView:
    tab.views.actions_by_mode[mode].trigger()
    assert tab.views.mode == mode
    return tab.views.active()


async def settled(tab: GalleryTab) -> None:
    """Every thumbnail loaded and the masonry's shapes laid out (tiles stay put)."""
    masonry = tab.views.masonry
    await wait_until(lambda: all(tab.loader.get(e.path) for e in tab.model.entries), 30)
    await wait_until(lambda: not masonry._redo_timer.isActive() and masonry._redo_from is None)


def composite(tab: GalleryTab, path: Path) -> QImage:
    """The window with the (separate, tooltip-like) popup drawn where it floats."""
    popup = tab.hover.popup
    shot = tab.window().grab()
    painter = QPainter(shot)
    painter.drawPixmap(tab.window().mapFromGlobal(popup.pos()), popup.grab())
    painter.end()
    assert shot.save(str(path))
    return shot.toImage()


async def test_preview_in_masonry_and_timeline(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    tab = await open_gallery_for_shots(window, services, project, 900)
    await show_folder(tab, "shots/sc02", 5)
    await tab.session.set_rating([tab.model.entries[3].path], 4)  # type: ignore[union-attr]
    popup = tab.hover.popup
    for mode in ("masonry", "timeline"):
        view = switch(tab, mode)
        await wait_until(view.isVisible)
        await settled(tab)
        centre = view.visualRect(tab.model.index(3)).center()
        loop = asyncio.get_running_loop()
        start = loop.time()
        move(tab, centre, view=view)
        assert not popup.isVisible()
        await wait_until(popup.isVisible, 3)
        assert loop.time() - start >= DELAY_MS / 1000 * 0.9, mode
        entry = tab.model.entries[3]
        assert popup.path == entry.path and entry.name in popup.name_label.text(), mode
        await wait_until(lambda: "golden hour" in popup.prompt_label.text(), 5)
        assert "960×640" in popup.info_label.text() and "★★★★" in popup.info_label.text()
        await wait_until(lambda: popup.image_label.pixmap().width() == 512, 5)
        global_centre = view.viewport().mapToGlobal(centre)
        assert not popup.geometry().contains(global_centre), mode  # beside the cursor
        if mode == "masonry":
            folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
            folder.mkdir(parents=True, exist_ok=True)
            image = composite(tab, folder / "gallery_hover_masonry.png")
            corner = tab.window().mapFromGlobal(popup.geometry().topLeft()) + QPoint(3, 3)
            assert image.pixelColor(corner).lightness() < 80  # the dark card is drawn
        # The tile's tooltip is replaced by the preview.
        help_event = QHelpEvent(QEvent.Type.ToolTip, centre, view.viewport().mapToGlobal(centre))
        assert QApplication.sendEvent(view.viewport(), help_event), mode
        leave(tab, view)
        assert not popup.isVisible(), mode
        # Dragging over a tile shows nothing; a key hides a shown preview.
        move(tab, centre, held=Qt.MouseButton.LeftButton, view=view)
        await asyncio.sleep(DELAY_MS / 1000 * 1.5)
        assert not popup.isVisible(), mode
        move(tab, centre, view=view)
        await wait_until(popup.isVisible, 3)
        QTest.keyClick(view, Qt.Key.Key_Right)
        assert not popup.isVisible(), mode
        # Another tile restarts the delay and shows that file.
        move(tab, view.visualRect(tab.model.index(1)).center(), view=view)
        assert not popup.isVisible()
        await wait_until(popup.isVisible, 3)
        assert popup.path == tab.model.entries[1].path, mode
        view.verticalScrollBar().valueChanged.emit(1)
        assert not popup.isVisible(), mode
    # Switching views hides a shown preview (the view it belonged to is hidden).
    move(tab, tab.views.timeline.visualRect(tab.model.index(0)).center(), view=view)
    await wait_until(popup.isVisible, 3)
    switch(tab, "grid")
    assert not popup.isVisible()


async def test_list_view_preview_over_the_name(
    window: MainWindow, services: Services, project: Path
) -> None:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc02", 5)
    view = switch(tab, "list")
    await wait_until(view.isVisible)
    rows = tab.views.list.rows
    popup = tab.hover.popup
    name = rows.name_rect(tab.model.index(2))
    assert name.width() == tab.views.list.header.sectionSize(0)
    move(tab, QPoint(name.left() + 14, name.center().y()), view=rows)  # on the thumbnail
    await wait_until(popup.isVisible, 3)
    assert popup.path == tab.model.entries[2].path
    await wait_until(lambda: "golden hour" in popup.prompt_label.text(), 5)
    move(tab, QPoint(name.right() + 60, name.center().y()), view=rows)  # the folder column
    assert not popup.isVisible()
    await asyncio.sleep(DELAY_MS / 1000 * 1.5)
    assert not popup.isVisible()  # only the name cell previews
    move(tab, name.center(), view=rows)
    await wait_until(popup.isVisible, 3)
    rows.horizontalScrollBar().valueChanged.emit(5)
    assert not popup.isVisible()


async def test_masonry_and_timeline_scrub_videos(
    window: MainWindow, services: Services, project: Path, tmp_path: Path
) -> None:
    clip = await make_mp4(project / "clips" / "orbit_v1.mp4")
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "clips", 1)
    scrubber = tab.hover.scrubber
    view = switch(tab, "masonry")
    await wait_until(view.isVisible)
    masonry = tab.views.masonry
    await wait_until(lambda: not masonry._redo_timer.isActive() and masonry._redo_from is None)
    box = view.visualRect(tab.model.index(0))  # the picture fills a masonry tile
    overlay = tab.hover.overlay_of(view)
    assert overlay.parentWidget() is view.viewport()
    assert overlay is not tab.hover.overlay_of(tab.grid)

    def colour() -> QColor:
        image = overlay.image
        assert image is not None
        return image.pixelColor(int(image.width() * 0.5), int(image.height() * 0.08))

    move(tab, QPoint(box.left() + 2, box.center().y()), view=view)
    assert overlay.isVisible() and overlay.geometry() == box
    await wait_until(lambda: scrubber.frame(str(clip), 0) is not None, 10)
    await wait_until(lambda: overlay.image is scrubber.frame(str(clip), 0))
    left = colour()
    move(tab, QPoint(box.right() - 2, box.center().y()), view=view)
    await wait_until(lambda: scrubber.frame(str(clip), 9) is not None, 10)
    await wait_until(lambda: overlay.image is scrubber.frame(str(clip), 9))
    right = colour()
    assert overlay.fraction > 0.95
    turn = abs(left.hue() - right.hue())
    assert min(turn, 360 - turn) > 60, (left.name(), right.name())
    # What the user sees: the overlay's pixels at the left and right differ the same way.
    drawn = view.viewport().grab().toImage()
    drawn.save(str(tmp_path / "masonry_scrub.png"))
    probe = drawn.pixelColor(box.center())
    seen = abs(probe.hue() - right.hue())
    assert min(seen, 360 - seen) < 30, (probe.name(), right.name())
    leave(tab, view)
    assert not overlay.isVisible()

    # The timeline scrubs over the tile's picture box, as the grid does.
    view = switch(tab, "timeline")
    await wait_until(view.isVisible)
    picture = tile_box(view.visualRect(tab.model.index(0)))
    overlay = tab.hover.overlay_of(view)
    move(tab, QPoint(picture.left() + 1, picture.center().y()), view=view)
    assert overlay.isVisible() and overlay.geometry() == picture
    assert overlay.image is scrubber.frame(str(clip), 0)  # cached: shown at once
    move(tab, QPoint(picture.right() - 1, picture.center().y()), view=view)
    assert overlay.image is scrubber.frame(str(clip), 9)
    await wait_until(tab.hover.popup.isVisible, 3)  # the preview shows the scrubbed frame
    assert tab.hover.popup.image_label.pixmap().toImage().pixelColor(5, 5).isValid()
    leave(tab, view)
    assert not overlay.isVisible() and not tab.hover.popup.isVisible()

    # The list has no scrub: its card decodes one still a third of the way in.
    rows = switch(tab, "list")
    await wait_until(rows.isVisible)
    assert isinstance(rows, ListRows)
    still = bucket_of(STILL_AT)
    assert scrubber.frame(str(clip), still) is None
    move(tab, rows.name_rect(tab.model.index(0)).center(), view=rows)
    popup = tab.hover.popup
    await wait_until(popup.isVisible, 3)
    await wait_until(lambda: scrubber.frame(str(clip), still) is not None, 10)
    frame = scrubber.frame(str(clip), still)
    assert frame is not None

    def card_hue() -> int:
        card = popup.image_label.pixmap().toImage()
        return card.pixelColor(card.width() // 2, card.height() // 12).hue()

    want = frame.pixelColor(frame.width() // 2, frame.height() // 12).hue()
    await wait_until(lambda: abs(card_hue() - want) < 15, 5)


def test_masonry_overlay_covers_a_tile_of_the_same_shape(qapp: QApplication) -> None:
    parent = QWidget()
    frame = QImage(160, 96, QImage.Format.Format_RGB32)
    frame.fill(QColor("#3366cc"))
    for fill, size, corner_is_frame in (
        (True, (200, 130), True),  # nearly the frame's shape: covered edge to edge
        (True, (200, 200), False),  # a square tile: fitted, the whole frame shows
        (False, (200, 130), False),  # the grid's way: always fitted
    ):
        overlay = ScrubOverlay(parent, fill=fill)
        overlay.resize(*size)
        overlay.image = frame
        shot = overlay.grab().toImage()
        corner = shot.pixelColor(2, 2)
        assert (corner.name() == "#3366cc") is corner_is_frame, (fill, size, corner.name())
        assert shot.pixelColor(shot.width() // 2, shot.height() // 2).name() == "#3366cc"
