"""The panel widget: version strip, inline video, Markdown notes with debounced autosave."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QTextCursor
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from directors_console.app.services import Services
from directors_console.core.storyboard.model import HistoryEntry, MediaKind, Panel, PanelStatus
from directors_console.ui.storyboard import StoryboardTab
from directors_console.ui.storyboard import history_strip as strip
from directors_console.ui.storyboard.commands import RemovePanels
from directors_console.ui.storyboard.notes import DEBOUNCE_MS, render_markdown
from directors_console.ui.storyboard.panel_item import NOTES_EMPTY_H, Hit, PanelItem
from tests.conftest import FIXTURES, require_fixture
from tests.ui.conftest import wait_until
from tests.ui.test_storyboard_screenshot import frame

FIXTURE_MP4 = FIXTURES / "outputs" / "s15_video_00001_.mp4"  # 64x64, 1 s, h264
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def tab(qtbot, services: Services, tmp_path: Path) -> StoryboardTab:  # type: ignore[no-untyped-def]
    """The Storyboard tab on its own (no main window: other tabs stay out of these tests)."""
    page = StoryboardTab(services.projects, [], services.bus, services.tasks, services.workers)
    qtbot.addWidget(page)
    page.resize(1300, 860)
    page.show()
    qtbot.waitExposed(page)
    services.projects.new(tmp_path / "Film")
    page.view.resetTransform()
    page.view.centerOn(600, 400)
    return page


def folder(tab: StoryboardTab) -> Path:
    assert tab.project is not None
    return tab.project.folder


def add_panel(tab: StoryboardTab) -> Panel:
    tab.act_add.trigger()
    return tab.scene.board.panels[-1]


def give_versions(tab: StoryboardTab, panel: Panel, count: int, video_at: int = -1) -> list[str]:
    """Write ``count`` versions of ``panel`` (stills; one mp4 at ``video_at``) and show the last."""
    base = folder(tab)
    (base / panel.name).mkdir(exist_ok=True)
    paths = []
    for i in range(count):
        if i == video_at:
            rel = f"{panel.name}/Film_{panel.name}_v{i + 1}.mp4"
            shutil.copy(require_fixture(FIXTURE_MP4), base / rel)
            kind = MediaKind.VIDEO
        else:
            rel = f"{panel.name}/Film_{panel.name}_v{i + 1}.png"
            assert frame(i, 320, 180).save(str(base / rel))
            kind = MediaKind.STILL
        paths.append(rel)
        panel.history.append(
            HistoryEntry(
                path=rel, kind=kind, version=i + 1, seed=100 + i, created=T0 + timedelta(minutes=i)
            )
        )
    panel.image = paths[-1]
    tab.scene.refresh(panel.id)
    tab.scene.request_image(panel)
    return paths


def item_of(tab: StoryboardTab, panel: Panel) -> PanelItem:
    return tab.scene.items_by_id[panel.id]


def view_point(tab: StoryboardTab, panel: Panel, local: QPointF) -> QPoint:
    return tab.view.mapFromScene(item_of(tab, panel).mapToScene(local))


def click(tab: StoryboardTab, point: QPoint) -> None:
    QTest.mouseClick(
        tab.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def tile_point(tab: StoryboardTab, panel: Panel, history_index: int) -> QPoint:
    item = item_of(tab, panel)
    (tile,) = [t for t in strip.tiles(panel, item.strip_rect()) if t.index == history_index]
    return view_point(tab, panel, tile.rect.center())


def render(item: PanelItem) -> QImage:
    """The item painted at zoom 1 (full detail) into an image."""
    rect = item.boundingRect()
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_RGB32)
    image.fill(QColor("#000000"))
    painter = QPainter(image)
    painter.translate(-rect.topLeft())
    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    return image


# -- version strip -------------------------------------------------------------------------------


async def test_click_on_a_version_shows_it_and_undo_restores(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    paths = give_versions(tab, panel, 3)
    item = item_of(tab, panel)
    assert item.strip_height() > 0
    assert item.hit(tab.view.mapToScene(tile_point(tab, panel, 0)) - item.pos()) == (Hit.HISTORY, 0)
    steps = tab.undo_stack.count()
    click(tab, tile_point(tab, panel, 0))
    assert panel.image == paths[0]
    click(tab, tile_point(tab, panel, 1))
    assert panel.image == paths[1]
    assert tab.undo_stack.count() == steps + 2  # one command per click
    assert tab.undo_stack.undoText() == f"Show v2 of {panel.name}"
    # The shown version's picture is loaded (not the newest one).
    await wait_until(
        lambda: (
            item.image is not None
            and item.image.pixelColor(5, 5)
            == frame(1, 320, 180).scaled(item.image.size()).pixelColor(5, 5)
        ),
        timeout=5,
    )
    tab.undo_stack.undo()
    assert panel.image == paths[0]
    tab.undo_stack.undo()
    assert panel.image == paths[2]
    tab.undo_stack.redo()
    assert panel.image == paths[0]
    # Clicking the version already shown adds nothing to undo.
    click(tab, tile_point(tab, panel, 0))
    assert tab.undo_stack.index() == steps + 1


async def test_version_thumbnails_load_and_tooltip_says_version(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    paths = give_versions(tab, panel, 3)
    media = tab.scene.media
    item = item_of(tab, panel)
    render(item)  # painting asks for the thumbnails
    await wait_until(lambda: all(media.thumbnail(p, panel.id) is not None for p in paths))
    thumb = media.thumbnail(paths[0], panel.id)
    assert thumb is not None and max(thumb.width(), thumb.height()) <= 160
    # Hovering a tile (real mouse moves through the view) names its version.
    QTest.mouseMove(tab.view.viewport(), tile_point(tab, panel, 0))
    assert item.hover == (Hit.HISTORY, 0)
    assert item.toolTip().startswith("v1 · still · seed 100")
    QTest.mouseMove(tab.view.viewport(), tile_point(tab, panel, 2))
    assert "(shown now)" in item.toolTip()
    QTest.mouseMove(tab.view.viewport(), view_point(tab, panel, item.notes_toggle_rect().center()))
    assert item.toolTip() == "Edit notes (N)"


def test_single_version_has_no_strip_and_many_fold_into_more(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    give_versions(tab, panel, 1)
    item = item_of(tab, panel)
    assert item.strip_height() == 0
    panel.history.clear()
    give_versions(tab, panel, 12)
    tiles = strip.tiles(panel, item.strip_rect())
    assert tiles[0].index == strip.MORE
    shown = [t.index for t in tiles[1:]]
    assert shown[-1] == 11 and tiles[0].hidden == 12 - len(shown)
    assert tiles[-1].rect.right() <= item.strip_rect().right()
    # The version on screen keeps its tile even when it is an old one.
    tab.scene.set_field(panel.id, "image", panel.history[0].path)
    assert 0 in [t.index for t in strip.tiles(panel, item.strip_rect())]


def test_more_tile_lists_every_version(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    paths = give_versions(tab, panel, 12)
    item = item_of(tab, panel)
    more = strip.tiles(panel, item.strip_rect())[0]
    assert more.index == strip.MORE
    click(tab, view_point(tab, panel, more.rect.center()))
    menu = tab.view.tools.menu
    assert menu is not None and menu.isVisible()
    actions = menu.actions()
    assert len(actions) == 12 and actions[0].text().startswith("v12")
    assert actions[0].isChecked()
    actions[-1].trigger()  # v1
    assert panel.image == paths[0]
    menu.close()
    tab.undo_stack.undo()
    assert panel.image == paths[-1]


def test_footer_says_which_version_is_shown(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    paths = give_versions(tab, panel, 3)
    assert item_of(tab, panel).current_entry() == panel.history[2]
    tab.scene.set_field(panel.id, "image", paths[0])
    assert item_of(tab, panel).current_entry() == panel.history[0]


# -- notes ---------------------------------------------------------------------------------------


def type_lines(tab: StoryboardTab, *lines: str) -> None:
    """Type through the view (QTest.keyClicks cannot type a newline)."""
    for i, line in enumerate(lines):
        if i:
            QTest.keyClick(tab.view, Qt.Key.Key_Return)
        QTest.keyClicks(tab.view, line)


def notes_point(tab: StoryboardTab, panel: Panel) -> QPoint:
    return view_point(tab, panel, item_of(tab, panel).notes_rect().center())


def test_empty_notes_are_one_faint_line_that_opens_the_editor(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    item = item_of(tab, panel)
    assert item.notes_rect().height() == NOTES_EMPTY_H
    empty_image = item.image_rect().height()
    click(tab, notes_point(tab, panel))
    editor = tab.view.tools.notes
    assert editor.item is item and editor.edit is not None and editor.proxy is not None
    assert editor.proxy.parentItem() is item
    QTest.keyClick(tab.view, Qt.Key.Key_Escape)
    assert editor.item is None and editor.proxy is None
    tab.scene.set_field(panel.id, "notes", "Some words")
    assert item.notes_rect().height() > NOTES_EMPTY_H
    assert item.image_rect().height() < empty_image


async def test_typing_notes_commits_once_after_debounce_and_undo(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    tab.scene.set_field(panel.id, "notes", "Old")
    steps = tab.undo_stack.count()
    # Double-click on the notes opens the editor.
    QTest.mouseDClick(
        tab.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        notes_point(tab, panel),
    )
    tools = tab.view.tools
    edit = tools.notes.edit
    assert edit is not None and edit.toPlainText() == "Old"
    tab.view.setFocus()
    # Keys reach the editor through the view (F and Space are canvas keys otherwise).
    zoom = tab.view.zoom()
    QTest.keyClicks(tab.view, " Fade in")
    assert edit.toPlainText() == "Old Fade in"
    assert tab.view.zoom() == zoom
    await asyncio.sleep(DEBOUNCE_MS / 2000)
    assert panel.notes == "Old"  # not yet: the debounce waits for a pause in typing
    await wait_until(lambda: panel.notes == "Old Fade in", timeout=DEBOUNCE_MS / 1000 + 2)
    assert tab.undo_stack.count() == steps + 1
    QTest.keyClicks(tab.view, ", slow")
    await wait_until(lambda: panel.notes == "Old Fade in, slow", timeout=3)
    assert tab.undo_stack.count() == steps + 1  # merged into the same step
    # Delete in the editor deletes text, not the panel.
    QTest.keyClick(tab.view, Qt.Key.Key_Backspace)
    QTest.keyClick(tab.view, Qt.Key.Key_Home)
    QTest.keyClick(tab.view, Qt.Key.Key_Delete)
    assert tab.confirm is None and tab.scene.board.get(panel.id) is not None
    QTest.keyClick(tab.view, Qt.Key.Key_Escape)  # leaving commits at once
    assert tools.notes.item is None
    assert panel.notes == "ld Fade in, slo"
    assert tab.undo_stack.count() == steps + 1
    tab.undo_stack.undo()
    assert panel.notes == "Old"
    tab.undo_stack.redo()
    assert panel.notes == "ld Fade in, slo"
    # A new editing session is a new undo step.
    click(tab, view_point(tab, panel, item_of(tab, panel).notes_toggle_rect().center()))
    assert tools.notes.item is not None
    QTest.keyClicks(tab.view, "!")
    click(tab, view_point(tab, panel, item_of(tab, panel).image_rect().center()))  # elsewhere
    assert tools.notes.item is None
    assert panel.notes == "ld Fade in, slo!"
    assert tab.undo_stack.count() == steps + 2


async def test_notes_survive_save_and_reopen(
    tab: StoryboardTab, services: Services, tmp_path: Path
) -> None:
    panel = add_panel(tab)
    click(tab, notes_point(tab, panel))
    type_lines(tab, "# Dusk", "Hold on the door")
    await wait_until(lambda: panel.notes == "# Dusk\nHold on the door", timeout=3)
    saves = tab.save_count
    await wait_until(lambda: tab.save_count > saves, timeout=5)
    saved = json.loads((tmp_path / "Film" / "project.json").read_text())
    assert saved["storyboard"]["panels"][0]["notes"] == "# Dusk\nHold on the door"
    services.projects.close()
    services.projects.open(tmp_path / "Film")
    (reopened,) = tab.scene.board.panels
    assert reopened.notes == "# Dusk\nHold on the door"


async def test_typing_then_closing_the_project_keeps_the_text(
    tab: StoryboardTab, services: Services, tmp_path: Path
) -> None:
    panel = add_panel(tab)
    click(tab, notes_point(tab, panel))
    QTest.keyClicks(tab.view, "Quick note")
    saves = tab.save_count
    services.projects.close()  # before the debounce fired
    await wait_until(lambda: tab.save_count > saves, timeout=5)
    services.projects.open(tmp_path / "Film")
    assert tab.scene.board.panels[0].notes == "Quick note"


def ink(image: QImage) -> int:
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).lightness() > 120
    )


def test_notes_view_renders_markdown(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    tab.scene.set_geometry(panel.id, (panel.x, panel.y, 360, 360))
    item = item_of(tab, panel)
    tab.scene.set_field(panel.id, "notes", "# Scene 4\nPlain **bold** text")
    doc = item.notes_doc.document(panel.notes, item.notes_rect().width())
    heading = doc.firstBlock()
    assert heading.blockFormat().headingLevel() == 1
    body = heading.next()
    heading_font = QTextCursor(heading).charFormat().font()
    cursor = QTextCursor(body)
    cursor.movePosition(QTextCursor.MoveOperation.Right)
    assert heading_font.bold()
    assert heading_font.pointSizeF() > cursor.charFormat().font().pointSizeF()
    assert "Scene 4" in doc.toPlainText() and "#" not in doc.toPlainText()
    # The same document object is reused while text and width stay.
    assert item.notes_doc.document(panel.notes, item.notes_rect().width()) is doc

    def notes_pixels() -> QImage:
        return render(item).copy(item.notes_rect().toRect())

    with_heading = ink(notes_pixels())
    tab.scene.set_field(panel.id, "notes", "Scene 4\nPlain **bold** text")
    plain = ink(notes_pixels())
    assert with_heading > plain * 1.15  # a bigger, bolder first line
    assert ink(render_markdown_image("**x**")) > 0


def render_markdown_image(text: str) -> QImage:
    doc = render_markdown(text, 100)
    image = QImage(100, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#000000"))
    painter = QPainter(image)
    from directors_console.ui.storyboard.notes import paint_notes

    paint_notes(painter, image.rect().toRectF(), doc, QColor("#000000"))
    painter.end()
    return image


# -- video ---------------------------------------------------------------------------------------


async def test_video_panel_plays_inline_one_at_a_time(tab: StoryboardTab) -> None:
    a, b = add_panel(tab), add_panel(tab)
    give_versions(tab, a, 2, video_at=1)
    give_versions(tab, b, 1, video_at=0)
    item_a, item_b = item_of(tab, a), item_of(tab, b)
    assert item_a.shows_video() and item_b.shows_video()
    play_a = item_a.play_rect().center()
    assert item_a.hit(play_a) == (Hit.PLAY, 0)
    # The first frame is fetched for the panel image (decoded off the UI thread).
    render(item_a)
    await wait_until(lambda: tab.scene.media.cached_poster(a.image or "") is not None, timeout=8)
    poster = tab.scene.media.cached_poster(a.image or "")
    assert poster is not None and poster.width() == 64
    tools = tab.view.tools
    click(tab, view_point(tab, a, play_a))
    player = tools.player.player
    assert player is not None and tools.player.item is item_a and item_a.video_active
    assert tools.player._audio is not None and tools.player._audio.isMuted()
    await wait_until(
        lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=5
    )
    click(tab, view_point(tab, b, item_b.play_rect().center()))
    assert tools.player.item is item_b and not item_a.video_active and item_b.video_active
    assert not [c for c in item_a.childItems() if c.isVisible()]
    assert player.source().toLocalFile().endswith(b.image or "")
    video = tools.player._video  # shown inside the panel, over its image area
    assert video is not None and video.parentItem() is item_b
    assert QRectF(video.pos(), video.size()) == item_b.image_rect()
    await wait_until(
        lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=5
    )
    # A click on the playing video pauses it; another resumes.
    click(tab, view_point(tab, b, item_b.image_rect().center()))
    assert player.playbackState() == QMediaPlayer.PlaybackState.PausedState
    click(tab, view_point(tab, b, item_b.image_rect().center()))
    assert player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    # Deleting the playing panel stops it.
    tab.undo_stack.push(RemovePanels(tab.scene, [b.id]))
    assert tools.player.item is None
    assert player.playbackState() == QMediaPlayer.PlaybackState.StoppedState


async def test_showing_another_version_or_closing_stops_the_video(
    tab: StoryboardTab, services: Services
) -> None:
    panel = add_panel(tab)
    paths = give_versions(tab, panel, 2, video_at=1)
    item = item_of(tab, panel)
    click(tab, view_point(tab, panel, item.play_rect().center()))
    tools = tab.view.tools
    assert tools.player.item is item
    click(tab, tile_point(tab, panel, 0))
    assert panel.image == paths[0] and tools.player.item is None
    assert not item.shows_video()
    tab.undo_stack.undo()
    click(tab, view_point(tab, panel, item.play_rect().center()))
    assert tools.player.item is item
    player = tools.player.player
    assert player is not None
    services.projects.close()
    assert tools.player.item is None
    assert player.playbackState() == QMediaPlayer.PlaybackState.StoppedState


def test_a_still_panel_has_no_play_control(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    give_versions(tab, panel, 2)
    item = item_of(tab, panel)
    assert not item.shows_video()
    assert item.hit(item.play_rect().center())[0] is Hit.BODY


# -- screenshot ----------------------------------------------------------------------------------


async def write_clip(path: Path, index: int, frames: int = 24) -> None:
    """A short mp4 made with Qt's own encoder: the sun crossing a still from ``frame``."""
    from PySide6.QtCore import QUrl
    from PySide6.QtMultimedia import (
        QMediaCaptureSession,
        QMediaFormat,
        QMediaRecorder,
        QVideoFrame,
        QVideoFrameInput,
    )

    session = QMediaCaptureSession()
    source = QVideoFrameInput()
    session.setVideoFrameInput(source)
    recorder = QMediaRecorder()
    session.setRecorder(recorder)
    recorder.setMediaFormat(QMediaFormat(QMediaFormat.FileFormat.MPEG4))
    recorder.setVideoResolution(320, 180)
    recorder.setVideoFrameRate(12)
    recorder.setQuality(QMediaRecorder.Quality.VeryHighQuality)
    recorder.setOutputLocation(QUrl.fromLocalFile(str(path)))
    sent = [0]

    def send() -> None:
        while sent[0] < frames:
            image = frame(index, 320, 180).convertToFormat(QImage.Format.Format_RGBA8888)
            painter = QPainter(image)
            painter.setBrush(QColor(255, 240, 200))
            painter.drawEllipse(QPointF(40 + sent[0] * 10, 50 + sent[0]), 14, 14)
            painter.end()
            video_frame = QVideoFrame(image)
            video_frame.setStartTime(sent[0] * 1_000_000 // 12)
            video_frame.setEndTime((sent[0] + 1) * 1_000_000 // 12)
            if not source.sendVideoFrame(video_frame):
                return
            sent[0] += 1
        recorder.stop()

    source.readyToSendVideoFrame.connect(send)
    recorder.record()
    await wait_until(
        lambda: (
            sent[0] >= frames
            and recorder.recorderState() == QMediaRecorder.RecorderState.StoppedState
        ),
        timeout=15,
    )


async def test_screenshot_of_panels(tab: StoryboardTab, tmp_path: Path) -> None:
    import os

    from PySide6.QtWidgets import QApplication

    from directors_console.ui.common.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    panels = [add_panel(tab) for _ in range(6)]
    for i, panel in enumerate(panels):
        col, row = i % 3, i // 3
        tab.scene.set_geometry(panel.id, (col * 420.0, row * 380.0, 390.0, 350.0))
    names = ["Dusk_Wide", "Door_Push_In", "Reverse_OTS", "Hands_Insert", "Crowd", "Final_Look"]
    for panel, name in zip(panels, names, strict=True):
        panel.name = name
    give_versions(tab, panels[0], 4)
    # Panel 2: two stills, then a rendered clip (the current version).
    give_versions(tab, panels[1], 2)
    clip = f"{panels[1].name}/Film_{panels[1].name}_v3.mp4"
    await write_clip(folder(tab) / clip, 4)
    panels[1].history.append(
        HistoryEntry(path=clip, kind=MediaKind.VIDEO, version=3, seed=77, node="gpu-a")
    )
    panels[1].image = clip
    give_versions(tab, panels[2], 2)
    clip = f"{panels[2].name}/Film_{panels[2].name}_v3.mp4"
    await write_clip(folder(tab) / clip, 1)
    panels[2].history.append(HistoryEntry(path=clip, kind=MediaKind.VIDEO, version=3, seed=78))
    panels[2].image = clip
    give_versions(tab, panels[3], 12)
    panels[3].image = panels[3].history[6].path
    give_versions(tab, panels[5], 3)
    notes = {
        0: "# Scene 4 — Dusk\nWide on the ridge. **Hold** until the sun touches the hills.\n"
        "- slow push in\n- wind in the grass",
        1: "## Push in\nThe door creaks open; *no music* here.",
        2: "Over the shoulder, reverse on Mara.",
        3: "Insert: her hands on the map.\n1. fold\n2. tuck into the coat",
    }
    for i, text in notes.items():
        panels[i].notes = text
    panels[0].rating, panels[1].rating, panels[3].rating = 4, 5, 2
    for panel in panels:
        if panel.history:
            panel.status = PanelStatus.COMPLETE
    for panel in panels:
        tab.scene.refresh(panel.id)
        tab.scene.request_image(panel)
    tab.generation.sidebar.hide()  # this picture is about the panels
    tab.resize(1300, 800)
    tab.view.resetTransform()
    tab.view.centerOn(tab.scene.panels_rect().center())
    tab.view.viewport().repaint()
    media = tab.scene.media
    await wait_until(
        lambda: all(media.thumbnail(e.path, p.id) is not None for p in panels for e in p.history),
        timeout=15,
    )
    # Play the clip of the second panel, and edit the last panel's notes.
    tools = tab.view.tools
    click(tab, view_point(tab, panels[1], item_of(tab, panels[1]).play_rect().center()))
    player = tools.player.player
    assert player is not None
    click(tab, notes_point(tab, panels[5]))
    type_lines(tab, "Last look back at the valley.", "**Cut** to black")
    await wait_until(lambda: player.position() > 600, timeout=10)
    assert tools.notes.item is item_of(tab, panels[5])
    tab.view.viewport().repaint()
    shot = tab.view.grab().toImage()
    out = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    assert shot.save(str(out / "storyboard_panels.png"))
    colours = {
        shot.pixel(x, y) for x in range(0, shot.width(), 13) for y in range(0, shot.height(), 11)
    }
    assert len(colours) > 50


async def test_keys_n_edits_notes_k_plays_m_mutes(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    give_versions(tab, panel, 1, video_at=0)
    tab.scene.select_only([panel.id])
    tab.view.setFocus()
    tools = tab.view.tools
    QTest.keyClick(tab.view, Qt.Key.Key_K)
    assert tools.player.item is item_of(tab, panel) and tools.player.playing
    assert tools.player.muted  # a board full of clips starts silent
    QTest.keyClick(tab.view, Qt.Key.Key_M)
    assert not tools.player.muted
    QTest.keyClick(tab.view, Qt.Key.Key_M)
    assert tools.player.muted
    QTest.keyClick(tab.view, Qt.Key.Key_K)
    assert tools.player.item is item_of(tab, panel) and not tools.player.playing
    QTest.keyClick(tab.view, Qt.Key.Key_N)
    assert tools.notes.item is item_of(tab, panel)
    QTest.keyClicks(tab.view, "Nk")  # typed into the notes, not taken as shortcuts
    assert tools.notes.edit is not None and tools.notes.edit.toPlainText() == "Nk"
    assert not tools.player.playing
    QTest.keyClick(tab.view, Qt.Key.Key_Escape)
    assert tools.notes.item is None and panel.notes == "Nk"
    QTest.keyClick(tab.view, Qt.Key.Key_K)  # the canvas has the keys again
    assert tools.player.playing
    # Leaving the tab commits notes typed just now and stops the video.
    QTest.keyClick(tab.view, Qt.Key.Key_N)
    QTest.keyClicks(tab.view, "!")
    tab.hide()
    assert panel.notes == "Nk!" and tools.notes.item is None and tools.player.item is None


def test_deleting_the_panel_being_edited_drops_the_editor(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    click(tab, notes_point(tab, panel))
    tools = tab.view.tools
    assert tools.notes.proxy is not None
    tab.delete([panel.id])
    assert tools.notes.item is None and tools.notes.proxy is None
    assert not tab.scene.items_by_id
    tab.undo_stack.undo()
    assert tab.scene.board.get(panel.id) is not None
    QTest.keyClick(tab.view, Qt.Key.Key_F)  # the canvas has its keys back


def test_notes_typed_just_before_a_delete_or_copy_are_kept(tab: StoryboardTab) -> None:
    panel = add_panel(tab)
    click(tab, notes_point(tab, panel))
    QTest.keyClicks(tab.view, "Slow push")  # the debounce has not fired yet
    tab.scene.select_only([panel.id])
    tab.copy()
    assert tab.clipboard[0].notes == "Slow push"
    QTest.keyClicks(tab.view, " in")
    tab.delete([panel.id])
    tab.undo_stack.undo()
    assert tab.scene.board.get(panel.id).notes == "Slow push in"  # type: ignore[union-attr]


def test_notes_keep_the_line_breaks_as_typed(qapp: object) -> None:
    """A slug line then an action line are two lines on the canvas, as in print."""
    two = render_markdown("EXT. ROOFTOP\nMara runs.", 300)
    one = render_markdown("EXT. ROOFTOP Mara runs.", 300)
    assert two.toPlainText() == "EXT. ROOFTOP\nMara runs."
    assert (
        two.documentLayout().documentSize().height() > one.documentLayout().documentSize().height()
    )
