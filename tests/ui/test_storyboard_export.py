"""Storyboard print and export: PDF pages, contact sheet, shot list, the non-modal dialog."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter

from directors_console.app.services import Services
from directors_console.core.storyboard.model import HistoryEntry, MediaKind, Panel
from directors_console.core.storyboard.sheets import (
    SHEET_NOTE_HEIGHT,
    Orientation,
    Paper,
    SheetOptions,
    contact_sheet,
    layout_pages,
    page_size,
)
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard import StoryboardTab
from directors_console.ui.storyboard.export import (
    ExportCancelled,
    ExportJob,
    render_page,
    write_contact_sheet,
    write_pdf,
)
from tests.ui.conftest import wait_until
from tests.ui.storyboard_helpers import open_board


@pytest.fixture
def tab(window: MainWindow, services: Services, tmp_path: Path) -> StoryboardTab:
    return open_board(window, services, tmp_path / "Film")


def fill_board(tab: StoryboardTab, count: int) -> list[Panel]:
    assert tab.project is not None
    folder = tab.project.folder
    for _ in range(count):
        tab.act_add.trigger()
    panels = list(tab.scene.board.panels)
    for i, panel in enumerate(panels):
        image = QImage(160, 90, QImage.Format.Format_RGB32)
        image.fill(QColor.fromHsv((i * 37) % 360, 180, 200))
        (folder / panel.name).mkdir(exist_ok=True)
        rel = f"{panel.name}/{panel.name}_v1.png"
        assert image.save(str(folder / rel))
        panel.image = rel
        panel.rating = i % 6
        panel.notes = f"**Shot {i + 1}**: the hero\n- second line"
        panel.history = [HistoryEntry(path=rel, version=1, seed=1000 + i, template="sdxl")]
    return panels


def _pdfinfo(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in out.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


@pytest.mark.parametrize("per_row", [1, 2, 4])
def test_pdf_has_the_page_count_of_the_layout(tab: StoryboardTab, tmp_path: Path, per_row: int):
    fill_board(tab, 9)
    assert tab.project is not None
    options = SheetOptions(per_row=per_row, orientation=Orientation.LANDSCAPE)
    job = ExportJob.of(tab.scene.board, tab.project.folder, "Film", options)
    seen: list[tuple[int, int]] = []
    out = tmp_path / "board.pdf"
    pages = write_pdf(out, job, lambda done, total: seen.append((done, total)))
    assert pages == len(layout_pages(9, options))
    assert seen[-1] == (9, 9)
    if shutil.which("pdfinfo"):
        assert _pdfinfo(out) == pages
    else:
        assert out.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*.part*")), "temp file left behind"


def test_cancelled_pdf_writes_nothing(tab: StoryboardTab, tmp_path: Path):
    fill_board(tab, 3)
    assert tab.project is not None
    job = ExportJob.of(tab.scene.board, tab.project.folder, "Film", SheetOptions(per_row=1))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled):
        write_pdf(tmp_path / "x.pdf", job, cancel=cancel)
    assert not (tmp_path / "x.pdf").exists()
    assert not list(tmp_path.glob(".x.*"))


def test_contact_sheet_png_size_and_pixels(tab: StoryboardTab, tmp_path: Path):
    fill_board(tab, 7)
    assert tab.project is not None
    job = ExportJob.of(tab.scene.board, tab.project.folder, "Film", SheetOptions())
    out = tmp_path / "sheet.png"
    size = write_contact_sheet(out, job, columns=3, thumb_width=200)
    grid = contact_sheet(7, 3, 200, note_height=SHEET_NOTE_HEIGHT)
    image = QImage(str(out))
    assert (image.width(), image.height()) == size == (grid.width, grid.height)
    first = grid.thumbs[0]
    centre = image.pixelColor(int(first.x + first.width / 2), int(first.y + first.height / 2))
    assert centre.saturation() > 100, "the panel image is drawn in its thumbnail"
    # The notes ("**Shot 1**: the hero / - second line") are light text on the dark sheet.
    notes = grid.notes[0]
    bright = sum(
        image.pixelColor(x, y).lightness() > 150
        for x in range(int(notes.x), int(notes.x + notes.width))
        for y in range(int(notes.y), int(notes.y + notes.height))
    )
    assert bright > 80, "notes are written under the label"

    bare = ExportJob.of(tab.scene.board, tab.project.folder, "Film", SheetOptions(notes=False))
    size = write_contact_sheet(out, bare, columns=3, thumb_width=200)
    assert size == (grid.width, contact_sheet(7, 3, 200).height), "no notes, no notes rows"


def test_preview_page_renders_names(tab: StoryboardTab):
    fill_board(tab, 2)
    assert tab.project is not None
    job = ExportJob.of(tab.scene.board, tab.project.folder, "Film", SheetOptions())
    image = render_page(job, 1, 400)
    assert image.width() == 400 and image.height() > 500
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 7) for y in range(0, 560, 7)}
    assert len(colours) > 10


async def test_dialog_is_non_modal_and_preview_follows_toggles(tab: StoryboardTab):
    fill_board(tab, 5)
    tab.act_export.trigger()
    dialog = tab.export_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.isModal()
    assert tab.isEnabled() and tab.view.isEnabled()
    shown: list[int] = []
    dialog.preview_ready.connect(shown.append)
    await wait_until(lambda: dialog.preview_image is not None and shown, timeout=10)
    first = dialog.preview_image
    assert first is not None

    dialog.notes.setChecked(False)
    dialog.metadata.setChecked(False)
    before = len(shown)
    await wait_until(lambda: len(shown) > before, timeout=10)
    assert dialog.preview_image is not None and dialog.preview_image != first

    dialog.per_row.setValue(1)
    await wait_until(lambda: dialog.page_count > 1, timeout=5)
    dialog.page.setValue(2)
    await wait_until(lambda: shown[-1] == 2, timeout=10)
    assert dialog.page_label.text() == f"of {dialog.page_count}"
    dialog.close()


async def test_preview_draws_a_video_tile_then_the_first_frame_once_it_loads(tab: StoryboardTab):
    panels = fill_board(tab, 2)
    clip = f"{panels[1].name}/{panels[1].name}_v2.mp4"
    panels[1].history.append(HistoryEntry(path=clip, kind=MediaKind.VIDEO, version=2))
    panels[1].image = clip
    dialog = tab.open_export()
    assert dialog is not None
    assert dialog.video_frame == tab.scene.media.poster, "frames come from the canvas cache"
    frame = QImage(320, 180, QImage.Format.Format_RGB32)
    frame.fill(QColor(30, 200, 60))
    asked: list[str] = []
    loaded = False

    def first_frame(path: str, panel_id: str) -> QImage | None:
        asked.append(panel_id)  # like the canvas cache: asking starts the load
        return frame if loaded else None

    dialog.video_frame = first_frame
    previews: list[QImage] = []
    dialog.preview_ready.connect(lambda _n: previews.append(dialog.preview_image))
    cell = layout_pages(2, dialog.options())[0].cells[1]
    page_w = page_size(Paper.A4, Orientation.PORTRAIT)[0]

    def shows(colour: str) -> Callable[[], bool]:
        def check() -> bool:
            if not previews:
                return False
            scale = previews[-1].width() / page_w
            x = round((cell.image.x + 4) * scale)
            y = round((cell.image.y + cell.image.height / 2) * scale)
            return previews[-1].pixelColor(x, y).name() == colour

        return check

    dialog.refresh_preview()
    tile = shows("#2b2d33")
    await wait_until(lambda: asked and tile(), timeout=10)  # the film strip while it loads
    assert set(asked) == {panels[1].id}, "only the video panel is asked"
    loaded = True
    # Nothing else changes: the dialog draws the preview again by itself.
    await wait_until(shows(frame.pixelColor(0, 0).name()), timeout=10)
    dialog.close()


async def test_dialog_exports_pdf_png_csv_with_progress(tab: StoryboardTab, tmp_path: Path):
    panels = fill_board(tab, 6)
    dialog = tab.open_export()
    assert dialog is not None
    results: list[tuple[str, str]] = []
    dialog.export_finished.connect(lambda kind, error: results.append((kind, error)))

    dialog.per_row.setValue(3)
    dialog.start_export("pdf", tmp_path / "out.pdf")
    assert dialog.busy() and dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    await wait_until(lambda: len(results) == 1, timeout=10)
    assert results[-1] == ("pdf", "")
    assert not dialog.busy() and not dialog.progress.isVisible()
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert "Saved out.pdf" in dialog.status.text()

    dialog.start_export("png", tmp_path / "out.png")
    await wait_until(lambda: len(results) == 2, timeout=10)
    assert results[-1] == ("png", "") and not QImage(str(tmp_path / "out.png")).isNull()

    dialog.start_export("csv", tmp_path / "out.csv")
    await wait_until(lambda: len(results) == 3, timeout=10)
    text = (tmp_path / "out.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["panel"] for r in rows] == [p.name for p in panels]
    assert rows[0]["seed"] == "1000" and rows[0]["notes"] == "Shot 1: the hero"
    assert rows[0]["image"] == f"{panels[0].name}/{panels[0].name}_v1.png"
    dialog.close()


async def test_dialog_cancel_keeps_no_file(tab: StoryboardTab, tmp_path: Path):
    fill_board(tab, 4)
    dialog = tab.open_export()
    assert dialog is not None
    results: list[tuple[str, str]] = []
    dialog.export_finished.connect(lambda kind, error: results.append((kind, error)))
    dialog.start_export("pdf", tmp_path / "gone.pdf")
    dialog.cancel_export()
    await wait_until(lambda: results, timeout=10)
    assert "cancelled" in results[0][1]
    assert not (tmp_path / "gone.pdf").exists()
    dialog.close()


async def test_print_to_a_pdf_printer_and_the_print_dialog_opens_without_blocking(
    tab: StoryboardTab, tmp_path: Path
):
    fill_board(tab, 5)
    dialog = tab.open_export()
    assert dialog is not None
    dialog.per_row.setValue(1)
    setup = dialog.choose_printer()
    assert setup.isVisible(), "open() shows it and returns at once"
    setup.reject()

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    results: list[tuple[str, str]] = []
    dialog.export_finished.connect(lambda kind, error: results.append((kind, error)))
    dialog.start_export("print", printer)
    await wait_until(lambda: results, timeout=10)
    assert results == [("print", "")]
    assert "Printed" in dialog.status.text()
    expected = len(layout_pages(5, dialog.options()))
    if shutil.which("pdfinfo"):
        assert _pdfinfo(tmp_path / "printed.pdf") == expected
    dialog.close()


async def test_closing_the_window_writes_a_pending_edit_at_once(
    tab: StoryboardTab, window: MainWindow, tmp_path: Path
):
    # Shutdown cancels queued tasks, so the last edit must not wait for a worker thread.
    (panel,) = fill_board(tab, 1)
    tab.scene.set_geometry(panel.id, (123.0, 45.0, panel.width, panel.height))
    tab.save_timer.start()
    saves = tab.save_count
    window.close()
    assert tab.save_count == saves + 1
    text = (tmp_path / "Film" / "project.json").read_text("utf-8")
    assert "123.0" in text
