"""Gallery multi-file work: batch rename (preview, clashes, tokens, apply, undo), the
batch bar, and the tag manager; with screenshots of the dialogs.

Set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep the screenshots.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QColorDialog, QInputDialog, QMessageBox, QWidget

from directors_console.app.services import Services
from directors_console.core.events import FilesRenamed
from directors_console.core.gallery.naming import PlannedMove
from directors_console.core.gallery.store import GalleryStore
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.gallery import GalleryTab
from directors_console.ui.gallery.batch_rename import BatchRenameDialog
from directors_console.ui.gallery.session import GallerySession, rename_facts
from directors_console.ui.gallery.tag_manager import TagManager
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until
from tests.ui.test_gallery_tab import make_project, open_gallery, show_folder

SC02 = ["sc02_p00_v1.png", "sc02_p01_v1.png", "sc02_p02_v1.png", "sc02_p03_v1.png"]


@pytest.fixture
def gallery_project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "Nightfall")


def shot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def sc02(window: MainWindow, services: Services, project: Path) -> GalleryTab:
    tab = await open_gallery(window, services, project)
    await show_folder(tab, "shots/sc02", 4)
    return tab


async def open_batch(tab: GalleryTab) -> BatchRenameDialog:
    tab.grid.selectAll()
    QTest.keyClick(tab.grid, Qt.Key.Key_F2)  # F2 with several files selected
    dialog = tab.batch_dialog
    assert dialog is not None and dialog.isVisible()
    await wait_until(lambda: dialog.model.rowCount() == 4)
    return dialog


async def preview(dialog: BatchRenameDialog, text: str) -> None:
    """Wait until the preview of the current inputs is shown and says ``text``."""
    await wait_until(dialog.settled, 10)
    assert text in dialog.status.text()


def new_names(dialog: BatchRenameDialog) -> list[str]:
    return [new for _old, new, _problem in dialog.model.rows]


async def test_preview_lists_every_name_and_flags_collisions(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await sc02(window, services, gallery_project)
    dialog = await open_batch(tab)
    assert [row[0] for row in dialog.model.rows] == SC02
    await preview(dialog, "will be renamed")  # the default {name}_{n:03}
    assert new_names(dialog) == [f"{n[:-4]}_{i:03}.png" for i, n in enumerate(SC02, 1)]
    assert dialog.apply_button.isEnabled()

    dialog.template.setText("take")  # every file gets the same name
    await preview(dialog, "cannot be used")
    assert new_names(dialog) == ["take.png"] * 4
    assert all("same name" in str(problem) for _o, _n, problem in dialog.model.rows)
    red = dialog.model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(red, QColor) and red.red() > 200 and red.green() < 150
    assert not dialog.apply_button.isEnabled()

    # A file outside the batch already has the name: refused too.
    (gallery_project / "shots" / "sc02" / "taken.png").write_bytes(b"x")
    dialog.template.setText("{name}")
    await preview(dialog, "No name changes")
    dialog.modes.setCurrentIndex(1)
    dialog.find_edit.setText("sc02_p00_v1")
    dialog.replace_with.setText("taken")
    await preview(dialog, "cannot be used")
    assert dialog.model.rows[0] == (
        "sc02_p00_v1.png",
        "taken.png",
        "a file with this name already exists",
    )
    assert dialog.model.rows[1][1] == ""  # unchanged rows stay listed

    dialog.auto.setChecked(True)  # auto-rename numbers the clash instead
    await preview(dialog, "1 file will be renamed")
    assert dialog.model.rows[0][1] == "taken_2.png"
    dialog.reject()


async def test_tokens_regex_and_numbering(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await sc02(window, services, gallery_project)
    dialog = await open_batch(tab)
    dialog.template.setText("{seed}_{prompt:10}")  # read from each file, off the UI thread
    await wait_until(lambda: new_names(dialog)[0] == "1003_cinematic.png", 10)
    assert new_names(dialog)[3] == "1006_cinematic.png"
    dialog.template.setText("{seed")
    await preview(dialog, "not valid")
    assert not dialog.apply_button.isEnabled()

    dialog.modes.setCurrentIndex(1)
    dialog.use_regex.setChecked(True)
    dialog.find_edit.setText(r"P(\d+)")
    dialog.replace_with.setText(r"panel\1")
    await preview(dialog, "No name changes")  # case matters by default
    dialog.match_case.setChecked(False)
    await preview(dialog, "4 files will be renamed")
    assert new_names(dialog)[2] == "sc02_panel02_v1.png"
    dialog.find_edit.setText("(")
    await preview(dialog, "pattern is not valid")

    dialog.modes.setCurrentIndex(2)
    dialog.prefix.setText("hero_{x}_")  # braces in a prefix are text, not tokens
    dialog.start.setValue(7)
    dialog.digits.setValue(2)
    await preview(dialog, "4 files will be renamed")
    assert new_names(dialog) == [f"hero_{{x}}_{n:02}.png" for n in range(7, 11)]
    dialog.reject()


async def test_apply_moves_files_ratings_and_tags_then_undo(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    seen: list[FilesRenamed] = []
    sub = services.bus.subscribe(FilesRenamed, seen.append)
    tab = await sc02(window, services, gallery_project)
    session = tab.session
    assert session is not None
    folder = gallery_project / "shots" / "sc02"
    await session.set_rating([str(folder / SC02[1])], 5)
    await session.tag([str(folder / SC02[2])], "hero", True)
    dialog = await open_batch(tab)
    dialog.template.setText("sunset_{n:02}")
    await preview(dialog, "4 files will be renamed")
    dialog.apply_button.click()
    dialog.reject()  # Esc while the batch runs: refused, the batch finishes
    assert dialog.isVisible() and dialog.progress.isVisible()
    await wait_until(lambda: tab.batch_dialog is None, 10)

    new = [folder / f"sunset_{n:02}.png" for n in range(1, 5)]
    assert all(p.exists() for p in new) and not any((folder / n).exists() for n in SC02)
    assert len(seen) == 1 and len(seen[0].moves) == 4
    assert (folder / SC02[0], new[0]) in seen[0].moves
    assert session.rating(str(new[1])) == 5 and session.tags_of(str(new[2])) == {"hero"}
    doc = json.loads((gallery_project / ".gallery" / "gallery.json").read_text())
    assert any(v.get("v") == 5 for k, v in doc["ratings"].items() if "sunset_02" in k)
    # The renamed files are listed and stay selected; the batch bar offers undo.
    await wait_until(lambda: sorted(tab._selection()) == [str(p) for p in new], 10)
    assert tab.batch_bar.isVisible() and tab.batch_bar.count_label.text() == "4 selected"
    assert tab.batch_bar.undo_button.text() == "Undo Batch rename 4 files"

    window.act_undo.trigger()  # Edit ▸ Undo follows the Gallery's stack
    await wait_until(lambda: len(seen) == 2, 10)
    assert all((folder / n).exists() for n in SC02) and not any(p.exists() for p in new)
    assert (new[0], folder / SC02[0]) in seen[1].moves
    assert session.rating(str(folder / SC02[1])) == 5
    await wait_until(lambda: sorted(e.name for e in tab.model.entries) == SC02, 10)

    window.act_redo.trigger()
    await wait_until(lambda: len(seen) == 3, 10)
    assert all(p.exists() for p in new)
    sub.cancel()


async def test_single_rename_is_undoable(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await sc02(window, services, gallery_project)
    old = tab.model.entries[0].path
    task = tab.rename_file(old, "keeper.png")
    assert task is not None
    await task
    keeper = str(Path(old).parent / "keeper.png")
    shown = [e.name for e in tab.model.entries]
    assert tab._selection() == [keeper], f"selected {tab._selection()} of {shown}"
    assert tab.undo_stack.undoText() == "Rename file"
    tab.undo_stack.undo()
    try:
        await wait_until(lambda: tab._selection() == [old], 10)  # relisted and selected
    except AssertionError:
        shown = [e.name for e in tab.model.entries]
        raise AssertionError(f"selected {tab._selection()} of {shown}") from None
    assert Path(old).exists() and not (Path(old).parent / "keeper.png").exists()


async def test_batch_bar_and_menu(
    window: MainWindow, services: Services, gallery_project: Path, tmp_path: Path
) -> None:
    tab = await sc02(window, services, gallery_project)
    bar = tab.batch_bar
    tab.grid.setCurrentIndex(tab.model.index(0))
    assert not bar.isVisible()
    rect = tab.grid.visualRect(tab.model.index(0))
    tab._context_menu(rect.center())
    batch = next(a for a in tab.context_menu.actions() if a.text() == "Batch Rename…")
    assert not batch.isEnabled()
    tab.context_menu.close()

    first, second = tab.model.entries[1].path, tab.model.entries[3].path
    tab.select_paths([first, second])
    assert bar.isVisible() and bar.count_label.text() == "2 selected"
    assert not bar.compare_button.isVisible() or callable(getattr(tab, "compare", None))
    tab._context_menu(tab.grid.visualRect(tab.model.index(1)).center())
    batch = next(a for a in tab.context_menu.actions() if a.text() == "Batch Rename…")
    assert batch.isEnabled()
    tab.context_menu.close()
    window.activateWindow()
    tab.grid.setFocus()
    QTest.keyClick(tab.grid, Qt.Key.Key_F2, Qt.KeyboardModifier.ControlModifier)
    dialog = tab.batch_dialog
    assert dialog is not None and dialog.isVisible() and len(dialog.rels) == 2
    dialog.reject()

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    window.farm_dock.hide()
    window.resize(1400, 860)
    await wait_until(lambda: bar.isVisible())
    assert bar.grab().save(str(tmp_path / "bar.png"))

    session = tab.session
    assert session is not None
    await session.tag([first, second], "hero", True)
    await session.tag([first], "wip", True)
    bar.tag_menu.aboutToShow.emit()
    checked = {a.text(): a.isChecked() for a in bar.tag_menu.actions() if a.isCheckable()}
    assert checked == {"hero": True, "wip": False}  # checked: all selected files carry it

    bar.star_buttons[2].click()
    await wait_until(lambda: session.rating(first) == 3 and session.rating(second) == 3)

    bar.trash_button.click()
    await wait_until(lambda: not Path(first).exists() and not Path(second).exists(), 10)
    await wait_until(lambda: tab.model.rowCount() == 2, 10)
    assert len(session.trash_entries()) == 2
    await wait_until(lambda: not bar.isVisible())


async def test_tag_manager_rename_recolour_delete(
    window: MainWindow, services: Services, gallery_project: Path
) -> None:
    tab = await sc02(window, services, gallery_project)
    session = tab.session
    assert session is not None
    paths = [e.path for e in tab.model.entries]
    await session.tag(paths[:3], "wip", True)
    await session.tag(paths[3:], "hero", True)
    tab.filters.tags_button.click()
    manager = tab.tag_manager
    assert isinstance(manager, TagManager) and manager.isVisible()
    rows = {manager.list.topLevelItem(i).text(0): manager.list.topLevelItem(i).text(1)  # type: ignore[union-attr]
            for i in range(manager.list.topLevelItemCount())}  # fmt: skip
    assert rows == {"hero": "1", "wip": "3"}

    manager.ask_add()
    ask = manager.child
    assert isinstance(ask, QInputDialog) and ask.isVisible()
    ask.setTextValue("keeper")
    ask.accept()
    await wait_until(lambda: manager.current() == "keeper", 10)
    assert "keeper" in session.store.tags()
    manager.add_tag("  ")
    assert "needs a name" in manager.message.text()

    manager.select("wip")
    manager.ask_rename()
    ask = manager.child
    assert isinstance(ask, QInputDialog) and ask.isVisible()
    ask.setTextValue("review")
    ask.accept()
    await wait_until(lambda: manager.current() == "review", 10)
    assert all(session.tags_of(p) == {"review"} for p in paths[:3])
    assert "Renamed wip to review" in manager.message.text()

    manager.ask_color()
    picker = manager.child
    assert isinstance(picker, QColorDialog) and picker.isVisible()
    picker.setCurrentColor(QColor("#3fa7d6"))
    picker.accept()
    store_file = gallery_project / ".gallery" / "gallery.json"
    await wait_until(lambda: '"#3fa7d6"' in store_file.read_text(), 10)
    doc = json.loads(store_file.read_text())
    assert doc["tags"]["review"]["color"] == "#3fa7d6"
    assert not any(e.get("tag") == "wip" and not e.get("gone") for e in doc["file_tags"].values())

    tab.grid.setCurrentIndex(tab.model.index(0))  # the detail panel shows the new name
    await wait_until(lambda: tab.detail.tags_label.text() == "review")

    manager.select("hero")
    manager.ask_delete()
    box = manager.child
    assert isinstance(box, QMessageBox) and "on 1 file" in box.text()
    next(b for b in box.buttons() if b.text() == "Delete Tag").click()
    await wait_until(lambda: "Deleted hero" in manager.message.text(), 10)
    assert "hero" not in session.store.tags()
    assert manager.list.topLevelItemCount() == 2 and session.tags_of(paths[3]) == set()
    manager.reject()


async def test_screenshots(
    window: MainWindow, services: Services, gallery_project: Path, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    tab = await sc02(window, services, gallery_project)
    session = tab.session
    assert session is not None
    paths = [e.path for e in tab.model.entries]
    await session.tag(paths[:2], "hero", True)
    await session.tag(paths[1:], "needs fix", True)
    await session.tag(paths[3:], "client pick", True)
    (gallery_project / "shots" / "sc02" / "cinematic_02.png").write_bytes(b"x")
    dialog = await open_batch(tab)
    dialog.template.setText("{prompt:9}_{n:02}")  # "cinematic_02" exists outside the batch
    await wait_until(lambda: new_names(dialog)[0] == "cinematic_01.png", 10)
    await preview(dialog, "cannot be used")
    assert [bool(row[2]) for row in dialog.model.rows] == [False, True, False, False]
    folder = shot_dir(tmp_path)
    assert dialog.grab().save(str(folder / "gallery_batch_rename.png"))
    dialog.reject()

    tab.open_tag_manager()
    manager = tab.tag_manager
    assert manager is not None
    colors = {"hero": "#e0a800", "client pick": "#5cb85c", "needs fix": "#e05d5d"}

    def paint(store: GalleryStore) -> None:
        for name, color in colors.items():
            store.define_tag(name, color)

    manager.edit(paint, "", "needs fix")
    await wait_until(lambda: manager.current() == "needs fix", 10)
    assert session.store.tags() == colors
    manager.message.setText("")
    assert manager.grab().save(str(folder / "gallery_tags.png"))
    manager.reject()
    window.farm_dock.hide()
    window.resize(1400, 860)
    tab.grid.selectAll()
    await wait_until(lambda: tab.batch_bar.isVisible())
    widget: QWidget = tab
    assert widget.grab().save(str(folder / "gallery_batch_bar.png"))


async def test_undo_of_an_older_batch_leaves_the_later_one_alone(
    services: Services, gallery_project: Path
) -> None:
    """Undo reverses the command's own moves even when another batch (a trash) came later."""
    seen: list[FilesRenamed] = []
    sub = services.bus.subscribe(FilesRenamed, seen.append)
    session = GallerySession(
        gallery_project, services.paths.cache_dir, services.workers, services.bus
    )
    await session.open()
    folder = gallery_project / "shots" / "sc02"
    plan = [PlannedMove(f"shots/sc02/{n}", f"shots/sc02/x_{n}") for n in SC02[:2]]
    result = await session.apply_plan(plan)
    await session.trash([str(folder / SC02[3])])  # now the last batch on disk
    await session.undo_moves(result.moves)
    assert (folder / SC02[0]).exists() and (folder / SC02[1]).exists()
    assert not (folder / SC02[3]).exists() and len(session.trash_entries()) == 1
    assert seen[-1].moves == ((folder / f"x_{SC02[1]}", folder / SC02[1]),
                              (folder / f"x_{SC02[0]}", folder / SC02[0]))  # fmt: skip

    assert await session.batch_progress() is None  # no batch running
    assert session.ops is not None
    session.ops._write_journal("rename", [{"old": "a", "new": "b", "done": True},
                                          {"old": "c", "new": "d", "done": False}])  # fmt: skip
    assert await session.batch_progress() == (1, 2)
    session.ops.journal.unlink()
    await session.close()
    sub.cancel()


def test_rename_facts_prefer_a_current_index_row(gallery_project: Path) -> None:
    rel = f"shots/sc02/{SC02[0]}"
    mtime = (gallery_project / rel).stat().st_mtime

    class Index:  # stands in for GalleryIndex.row
        def __init__(self, row_mtime: float) -> None:
            self.row_mtime = row_mtime

        def row(self, _rel: str) -> dict[str, object]:
            return {"mtime": self.row_mtime, "seed": 42, "positive": "from the index"}

    current = rename_facts(gallery_project, [rel], {rel: 2}, Index(mtime))  # type: ignore[arg-type]
    assert current[rel] == (mtime, {"rating": 2, "seed": 42, "positive": "from the index"})
    stale = rename_facts(gallery_project, [rel], {}, Index(mtime - 5))  # type: ignore[arg-type]
    assert stale[rel][1]["seed"] == 1003  # the file changed since: read from the file
    assert "forest" in stale[rel][1]["positive"]
    bare = rename_facts(gallery_project, [rel], {}, None, need_meta=False)
    assert bare[rel] == (mtime, {"rating": 0})
