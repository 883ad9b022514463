"""The Gallery tab on a small real project: tree, grid with thumbnails, rating, trash and
restore, rename, drag-and-drop move, search, and a screenshot.

Set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep the screenshot.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, PngImagePlugin
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.core.events import FilesRenamed, SendReferenceImage, UserNotice
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.gallery import GalleryTab
from directors_console.ui.gallery.grid import MIME_RELS
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until

WORDS = ["lighthouse", "desert", "neon alley", "forest", "harbor", "canyon"]
COLORS = [(18, 40, 90), (190, 120, 60), (120, 30, 110), (30, 90, 50), (40, 80, 120), (150, 70, 40)]


def still(path: Path, index: int, subject: str) -> None:
    """A small PNG with an A1111 'parameters' text chunk."""
    w, h = 192, 128
    top = COLORS[index % len(COLORS)]
    image = Image.new("RGB", (w, h), top)
    draw = ImageDraw.Draw(image)
    for y in range(h):
        k = y / h
        draw.line([(0, y), (w, y)], fill=tuple(int(c * (1 - k) + 230 * k * 0.6) for c in top))
    sun = 30 + (index * 23) % 130
    draw.ellipse([sun, 20, sun + 30, 50], fill=(255, 230, 170))
    pts = [(x, int(90 + 12 * math.sin(x / 25 + index))) for x in range(0, w + 8, 8)]
    draw.polygon([(0, h), *pts, (w, h)], fill=(20, 24, 30))
    info = PngImagePlugin.PngInfo()
    info.add_text(
        "parameters",
        f"cinematic still, {subject}, golden hour\nNegative prompt: blurry\n"
        f"Steps: 20, Sampler: Euler a, CFG scale: 6.5, Seed: {1000 + index}, "
        f"Size: {w}x{h}, Model: dreamshaper_8",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, pnginfo=info)


def make_project(root: Path) -> Path:
    for i in range(12):
        still(root / "shots" / "sc01" / f"sc01_p{i:02d}_v1.png", i, WORDS[i % len(WORDS)])
    for i in range(4):
        still(root / "shots" / "sc02" / f"sc02_p{i:02d}_v1.png", i + 3, WORDS[(i + 3) % 6])
    (root / "refs").mkdir(parents=True)
    (root / "shots" / "sc01" / "clip_v1.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    return root


@pytest.fixture
def gallery_project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "Nightfall")


async def open_gallery(window: MainWindow, services: Services, folder: Path) -> GalleryTab:
    window.new_project(str(folder))
    await wait_until(lambda: services.projects.current.value is not None)
    tab = window.pages[3]
    assert isinstance(tab, GalleryTab)
    window.tabs.setCurrentWidget(tab)
    await wait_until(lambda: "shots/sc01" in tab.tree.folders(), 10)
    return tab


async def open_gallery_for_shots(
    window: MainWindow, services: Services, folder: Path, height: int = 820
) -> GalleryTab:
    """The screenshot tests' set-up: dark theme, no farm dock, 1,400 px wide, gallery open."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    window.farm_dock.hide()
    window.resize(1400, height)
    return await open_gallery(window, services, folder)


async def show_folder(tab: GalleryTab, rel: str, count: int) -> None:
    tab.tree.select_folder(rel)
    await wait_until(lambda: tab.folder == rel and tab.model.rowCount() == count, 10)


def select_row(tab: GalleryTab, row: int) -> str:
    tab.grid.setCurrentIndex(tab.model.index(row))
    return tab.model.entries[row].path


async def test_empty_state_until_a_project_opens(window: MainWindow, services: Services) -> None:
    tab = window.pages[3]
    assert isinstance(tab, GalleryTab)
    assert tab.pages.currentWidget() is tab.empty
    assert "Open or create a project" in tab.empty.text_label.text()


async def test_tree_grid_thumbnails_and_detail(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    assert {"", "shots", "shots/sc01", "shots/sc02", "refs"} <= set(tab.tree.folders())
    await show_folder(tab, "shots/sc01", 13)
    assert "sc01" in tab.breadcrumb.text()
    first = next(e.path for e in tab.model.entries if e.kind == "image")
    await wait_until(lambda: tab.loader.get(first) is not None, 30)
    thumbs = list((tab.cache_dir / "thumbs").glob("*.jpg"))
    assert thumbs
    video = next(e for e in tab.model.entries if e.kind == "video")
    assert tab.model.data(tab.model.index(tab.model.row_of(video.path)), 1) is not None

    select_row(tab, 1)  # row 0 is the clip
    await wait_until(lambda: "lighthouse" in tab.detail.prompt.toPlainText())
    assert tab.detail.values["seed"].text() == "1000"
    assert tab.detail.values["steps"].text() == "20"
    assert "blurry" in tab.detail.negative.toPlainText()


async def test_rate_with_key_persists(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    path = select_row(tab, 1)
    tab.grid.setFocus()
    QTest.keyClick(tab.grid, Qt.Key.Key_4)
    store_file = gallery_project / ".gallery" / "gallery.json"
    rel = Path(path).relative_to(gallery_project).as_posix()
    await wait_until(lambda: store_file.exists() and rel in store_file.read_text(), 10)
    doc = json.loads(store_file.read_text())
    assert any(v.get("v") == 4 for v in doc["ratings"].values())
    assert tab.session is not None and tab.session.rating(path) == 4
    await wait_until(lambda: tab.detail.star_buttons[3].text() == "★")
    assert tab.detail.star_buttons[4].text() == "☆"


async def test_trash_from_menu_then_restore(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    path = select_row(tab, 0)
    rect = tab.grid.visualRect(tab.model.index(0))
    tab._context_menu(rect.center())
    menu = tab.context_menu
    trash = next(a for a in menu.actions() if a.text() == "Trash")
    menu.close()
    trash.trigger()
    await wait_until(lambda: not Path(path).exists() and tab.model.rowCount() == 3, 10)

    tab.filters.trash_button.click()
    assert tab.center.currentWidget() is tab.trash_view
    original = Path(path).relative_to(gallery_project).as_posix()
    assert tab.trash_view.list.count() == 1
    tab.trash_view.select_original(original)
    tab.trash_view.restore_button.click()
    await wait_until(lambda: Path(path).exists(), 10)
    await wait_until(lambda: tab.trash_view.list.count() == 1 and not tab.session.trash_entries())  # type: ignore[union-attr]
    tab.trash_view.closed.emit()
    await wait_until(lambda: tab.model.rowCount() == 4, 10)


async def test_rename_publishes_files_renamed(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    seen: list[FilesRenamed] = []
    sub = services.bus.subscribe(FilesRenamed, seen.append)
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    path = select_row(tab, 0)
    task = tab.rename_file(path, "hero_shot.png")
    assert task is not None
    await task
    new = gallery_project / "shots" / "sc02" / "hero_shot.png"
    assert new.exists() and not Path(path).exists()
    assert seen and seen[0].moves == ((Path(path), new),)
    await wait_until(lambda: any(e.name == "hero_shot.png" for e in tab.model.entries), 10)
    # A name that would leave the folder is refused in plain words, and nothing moves.
    notices: list[UserNotice] = []
    services.bus.subscribe(UserNotice, notices.append)
    assert tab.rename_file(str(new), "../escape.png") is None
    assert notices[-1].title == "Could not rename hero_shot.png"
    assert "not allowed (/" in notices[-1].text
    assert new.exists() and not (gallery_project / "shots" / "escape.png").exists()
    sub.cancel()


async def test_drop_thumbnails_on_a_folder_moves_them(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    seen: list[FilesRenamed] = []
    sub = services.bus.subscribe(FilesRenamed, seen.append)
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    tab.grid.selectAll()
    picked = tab.grid.selectedIndexes()[:2]
    mime = tab.model.mimeData(picked)
    assert mime.hasFormat(MIME_RELS)
    target = tab.tree._items["refs"]
    pos = tab.tree.visualItemRect(target).center()
    drop = QDropEvent(
        QPointF(pos),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tab.tree.dropEvent(drop)
    await wait_until(lambda: len(list((gallery_project / "refs").glob("*.png"))) == 2, 10)
    await wait_until(lambda: tab.model.rowCount() == 2, 10)
    assert seen and len(seen[0].moves) == 2
    sub.cancel()


async def test_search_finds_a_prompt_word(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    await wait_until(lambda: "indexed" in tab.filters.status.text(), 30)
    tab.filters.search.setText("canyon")
    tab.apply_filters()
    await wait_until(lambda: "match" in tab.filters.status.text(), 10)
    names = {e.name for e in tab.model.entries}
    # canyon is WORDS[5]: sc01 p05 and p11, sc02 p02
    assert names == {"sc01_p05_v1.png", "sc01_p11_v1.png", "sc02_p02_v1.png"}


async def test_send_to_storyboard_and_lightbox(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    sent: list[SendReferenceImage] = []
    sub = services.bus.subscribe(SendReferenceImage, sent.append)
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    path = select_row(tab, 2)
    tab.send_reference(path)
    assert sent == [SendReferenceImage(Path(path), "storyboard")]
    QTest.keyClick(tab.grid, Qt.Key.Key_Space)
    assert tab.lightbox.isVisible()
    await wait_until(lambda: tab.lightbox._pixmap is not None, 10)
    QTest.keyClick(tab.lightbox, Qt.Key.Key_Right)
    assert tab.grid.currentIndex().row() == 3
    QTest.keyClick(tab.lightbox, Qt.Key.Key_Escape)
    assert not tab.lightbox.isVisible()
    sub.cancel()


async def test_new_files_appear_without_refresh(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    still(gallery_project / "shots" / "sc02" / "sc02_p09_v1.png", 9, "harbor")
    await wait_until(lambda: tab.model.rowCount() == 5, 10)


async def test_screenshot(
    window: MainWindow, services: Services, gallery_project: Path, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")  # the program's default look
    tab = await open_gallery(window, services, gallery_project)
    window.farm_dock.hide()
    window.resize(1400, 860)
    await show_folder(tab, "shots/sc01", 13)
    tab.grid.request_visible()
    shown = [tab.model.entries[r] for r in tab.grid.visible_rows()]
    images = [e.path for e in shown if e.kind == "image"]
    assert len(images) >= 6
    await wait_until(lambda: all(tab.loader.get(p) is not None for p in images), 30)
    await tab.session.set_rating(images[:3], 4)  # type: ignore[union-attr]
    select_row(tab, 1)
    await wait_until(lambda: bool(tab.detail.prompt.toPlainText()))
    await wait_until(lambda: "indexed" in tab.filters.status.text(), 30)
    pixmap = tab.grab()
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "gallery.png"
    assert pixmap.save(str(out))
    image = pixmap.toImage()
    colors = {
        image.pixel(QPoint(x, y))
        for x in range(0, image.width(), 37)
        for y in range(0, image.height(), 29)
    }
    assert len(colors) > 50


async def test_tags_filters_keys_and_empty_trash(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    first, second = tab.model.entries[0].path, tab.model.entries[1].path
    select_row(tab, 0)
    tab.tag([first], "hero", True)
    await wait_until(lambda: tab.detail.tags_label.text() == "hero")
    assert tab.known_tags() == {"hero"}
    await tab.session.set_rating([second], 5)  # type: ignore[union-attr]

    tab.filters.rating.setCurrentIndex(5)  # ★★★★★
    await wait_until(lambda: [e.path for e in tab.model.entries] == [second])
    tab.filters.rating.setCurrentIndex(0)
    tab.filters.kind_box.setCurrentIndex(2)  # videos only
    await wait_until(lambda: tab.model.rowCount() == 0)
    tab.filters.kind_box.setCurrentIndex(0)
    await wait_until(lambda: tab.model.rowCount() == 4)

    select_row(tab, 0)
    QTest.keyClick(tab.grid, Qt.Key.Key_F2)
    assert tab.rename_dialog.isVisible() and tab.rename_dialog.textValue() == Path(first).name
    tab.rename_dialog.reject()
    QTest.keyClick(tab.grid, Qt.Key.Key_Delete)
    await wait_until(lambda: not Path(first).exists() and tab.model.rowCount() == 3, 10)

    tab.show_trash()
    assert tab.trash_view.list.count() == 1
    tab.trash_view.confirm_empty()
    box = tab.trash_view.confirm
    assert box is not None and box.isVisible()  # opened with open(), not exec()
    delete = next(b for b in box.buttons() if b.text() == "Delete for Good")
    delete.click()
    await wait_until(lambda: not tab.session.trash_entries(), 10)  # type: ignore[union-attr]
    await wait_until(lambda: "0 files" in tab.trash_view.title.text())
    assert not list((gallery_project / ".gallery" / ".trash").rglob("*.png"))


async def test_moving_on_cancels_the_previous_listing(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    tab.tree.select_folder("shots/sc01")
    token = tab._list_cancel
    tab.tree.select_folder("shots/sc02")
    assert token.cancelled
    await wait_until(lambda: tab.model.rowCount() == 4, 10)
    assert all("sc02" in e.path for e in tab.model.entries)


async def test_a_rescan_of_the_folder_tree_keeps_the_listing_and_selection(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    """After each file operation the tree is scanned again; the folder shown stays, and
    neither is it listed anew nor is the selection dropped (it was, on a slow disk)."""
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    picked = select_row(tab, 2)
    lists = tab._list_task
    await tab.refresh_tree()
    assert tab.folder == "shots/sc02" and tab._list_task is lists
    assert [e.path for e in tab.grid.selected_entries()] == [picked]
    # A folder that is gone takes the tab to the project's top folder.
    shutil.rmtree(gallery_project / "shots" / "sc02")
    await tab.refresh_tree()
    assert tab.folder == "" and tab.tree.current_folder() == ""


async def test_new_folder_and_move(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    paths = [e.path for e in tab.listing[:2]]
    names = sorted(Path(p).name for p in paths)
    dialog = tab.ask_new_folder_move(paths)
    assert dialog is not None
    dialog.setTextValue("bad/name")
    dialog.accept()
    assert not (gallery_project / "shots/sc02/bad").exists()  # refused, nothing moved
    dialog = tab.ask_new_folder_move(paths)
    assert dialog is not None
    dialog.setTextValue("Selects")
    dialog.accept()
    target = gallery_project / "shots/sc02/Selects"
    await wait_until(lambda: sorted(p.name for p in target.glob("*.png")) == names, 10)
    await wait_until(lambda: tab.model.rowCount() == 2, 10)
    await wait_until(lambda: "shots/sc02/Selects" in tab.tree.folders(), 10)


async def test_tool_rows_scroll_sideways_instead_of_widening_the_tab(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    """The filter rows and the batch bar never make the Gallery wider than 640 px: they
    scroll sideways when they do not fit, stay whole when there is room, and the batch
    bar's row shows and hides with the bar."""
    from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

    from directors_console.ui.common.overflow import OverflowRow

    tab = await open_gallery(window, services, gallery_project)
    await show_folder(tab, "shots/sc02", 4)
    assert tab.minimumSizeHint().width() <= 640
    bar_row = next(w for w in tab.findChildren(OverflowRow) if w.row is tab.batch_bar)
    assert not bar_row.isVisible()
    tab.grid.selectAll()
    await wait_until(bar_row.isVisible)
    rows = [w for w in tab.findChildren(OverflowRow) if w.isVisible()]
    assert len(rows) >= 3  # search row, filter row, batch bar
    for row in rows:
        assert row.height() >= row.row.sizeHint().height()
        for child in row.row.findChildren(QWidget):
            if child.isVisibleTo(row.row) and child.parentWidget() is row.row:
                box = child.geometry()  # nothing clipped at the top or bottom
                assert box.top() >= 0 and box.bottom() < row.row.height(), (child, box)
    tab.grid.clearSelection()
    await wait_until(lambda: not bar_row.isVisible())

    holder = QWidget()
    layout = QVBoxLayout(holder)
    buttons = QWidget()
    line = QHBoxLayout(buttons)
    for i in range(12):
        line.addWidget(QPushButton(f"Button number {i}"))
    row = OverflowRow(buttons)
    assert not row.isVisible()  # made without a parent, it must not open as a window
    layout.addWidget(row)
    holder.resize(3000, 200)
    holder.show()
    await wait_until(lambda: row.width() > 2000)
    assert not row.horizontalScrollBar().isVisible()
    whole = row.height()
    holder.resize(400, 200)
    await wait_until(lambda: row.horizontalScrollBar().isVisible())
    assert row.height() > whole  # room for the scroll bar; the buttons keep their size
    assert holder.minimumSizeHint().width() < 400
    holder.close()


async def test_an_empty_view_says_why(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await open_gallery(window, services, gallery_project)
    note = tab.empty_note
    await show_folder(tab, "shots", 0)  # only sub-folders
    await wait_until(lambda: note.isVisible() and "2 sub-folders" in note.text())
    assert "With sub-folders" in note.text()
    await show_folder(tab, "refs", 0)
    await wait_until(lambda: "is empty" in note.text())
    await show_folder(tab, "shots/sc02", 4)
    await wait_until(lambda: not note.isVisible())
    tab.filters.search.setText("zzzqqq")
    tab.apply_filters()
    await wait_until(lambda: note.isVisible() and "zzzqqq" in note.text(), 10)
    tab.filters.search.setText("")
    tab.apply_filters()
    await wait_until(lambda: tab.model.rowCount() == 4 and not note.isVisible(), 10)
