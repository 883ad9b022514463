"""The exported storyboard PDF as a reader sees it: rendered by poppler, checked by pixel.

``pdftoppm -png -r 40`` turns page 1 into an image and ``pdftotext`` into text; the
tests find each panel's boxes from ``core.storyboard.sheets`` (points × 40/72) and
check the image, the Markdown notes (bold heading heavier than body, no asterisks,
long notes cut with "…" inside their box) and the video tiles. Without poppler-utils
they are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from directors_console.core.storyboard.model import Board, HistoryEntry, MediaKind, Panel
from directors_console.core.storyboard.sheets import Box, Cell, SheetOptions, layout_pages
from directors_console.ui.storyboard.export import ExportJob, write_pdf

DPI = 40
SCALE = DPI / 72
IMAGE_COLOUR = QColor(200, 60, 40)
FRAME_COLOUR = QColor(40, 110, 210)
HEADING = "EXT. ROOFTOP – NIGHT"
LONG_NOTES = "## Insert\n" + " ".join(f"word{i}" for i in range(200)) + " LASTWORD"
FILM = QColor("#2b2d33")


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        reason = f"{tool} (poppler-utils) is not installed; apt-get install poppler-utils"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _still(folder: Path, name: str, colour: QColor) -> str:
    image = QImage(320, 180, QImage.Format.Format_RGB32)
    image.fill(colour)
    assert image.save(str(folder / f"{name}.png"))
    return f"{name}.png"


def _board(folder: Path) -> Board:
    """Reading order = list order: a still with notes, long notes, two videos."""
    still = _still(folder, "rooftop", IMAGE_COLOUR)
    other = _still(folder, "insert", QColor(90, 160, 90))
    notes = f"# {HEADING}\n{HEADING}\n**Lena** at the *edge*, city below\n- push in"
    video = HistoryEntry(
        path="clip_v2.mp4", kind=MediaKind.VIDEO, version=2, parameters={"length": 81, "fps": 16}
    )
    framed = HistoryEntry(path="clip_v1.mp4", kind=MediaKind.VIDEO)
    return Board(
        panels=[
            Panel(name="Rooftop", x=0, y=0, image=still, notes=notes, rating=3),
            Panel(name="Insert", x=400, y=0, image=other, notes=LONG_NOTES),
            Panel(name="Clip", x=0, y=300, image=video.path, history=[video]),
            Panel(name="Framed", x=400, y=300, image=framed.path, history=[framed]),
        ]
    )


@pytest.fixture
def exported(qapp, tmp_path: Path) -> tuple[QImage, str, list[Cell]]:  # type: ignore[no-untyped-def]
    pdftoppm = poppler("pdftoppm")
    board = _board(tmp_path)
    frame = QImage(640, 360, QImage.Format.Format_RGB32)
    frame.fill(FRAME_COLOUR)

    def first_frame(path: str, _panel_id: str) -> QImage | None:
        return frame if path == "clip_v1.mp4" else None

    options = SheetOptions(per_row=2)
    job = ExportJob.of(board, tmp_path, "Night", options, first_frame)
    pdf = tmp_path / "board.pdf"
    write_pdf(pdf, job)
    page_args = ["-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(
        [pdftoppm, *page_args, str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    page = QImage(str(tmp_path / "page.png"))
    assert not page.isNull()
    text = ""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        text = out.stdout
    return page, text, list(layout_pages(len(board.panels), options)[0].cells)


def _px(box: Box) -> tuple[int, int, int, int]:
    """A box in points as pixel bounds (left, top, right, bottom), a pixel inside its edge."""
    return (
        round(box.x * SCALE) + 1,
        round(box.y * SCALE) + 1,
        round((box.x + box.width) * SCALE) - 1,
        round((box.y + box.height) * SCALE) - 1,
    )


def _ink(image: QImage, left: int, right: int, y: int) -> int:
    """How much darker than white a pixel row is, summed over [left, right)."""
    return sum(255 - image.pixelColor(x, y).lightness() for x in range(left, right))


def _ink_runs(image: QImage, box: Box) -> list[tuple[int, int, int]]:
    """Text lines in ``box``: (first row, last row, ink) of each run of inked rows."""
    left, top, right, bottom = _px(box)
    runs: list[tuple[int, int, int]] = []
    start = -1
    total = 0
    for y in range(top - 1, bottom + 2):
        ink = _ink(image, left, right, y)
        if ink > 40:
            if start < 0:
                start, total = y, 0
            total += ink
        elif start >= 0:
            runs.append((start, y - 1, total))
            start = -1
    if start >= 0:
        runs.append((start, bottom + 1, total))
    return runs


def _close(colour: QColor, wanted: QColor, tolerance: int = 18) -> bool:
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(colour.getRgb()[:3], wanted.getRgb()[:3], strict=True)
    )


def test_image_box_shows_the_panel_image(exported: tuple[QImage, str, list[Cell]]):
    page, _text, cells = exported
    left, top, right, bottom = _px(cells[0].image)
    samples = [page.pixelColor(x, y) for x in (left + 3, right - 3) for y in (top + 3, bottom - 3)]
    samples.append(page.pixelColor((left + right) // 2, (top + bottom) // 2))
    assert all(_close(c, IMAGE_COLOUR) for c in samples), [c.name() for c in samples]


def test_notes_are_markdown_with_a_heavier_heading(exported: tuple[QImage, str, list[Cell]]):
    page, _text, cells = exported
    notes = cells[0].notes
    assert notes is not None
    left, top, right, bottom = _px(notes)
    dark = sum(
        page.pixelColor(x, y).lightness() < 140
        for x in range(left, right)
        for y in range(top, bottom)
    )
    assert dark > 50, "the notes box has dark text pixels"
    runs = _ink_runs(page, notes)
    assert len(runs) >= 3, f"heading, the same words as body, more lines: {runs}"
    heading, body = runs[0], runs[1]
    # Same words: set as a bold heading they must carry clearly more ink than as body.
    assert heading[2] > 1.4 * body[2], (heading, body)
    assert heading[1] - heading[0] >= body[1] - body[0]


def test_pdf_text_has_the_words_and_no_markdown_marks(
    exported: tuple[QImage, str, list[Cell]],
):
    _page, text, _cells = exported
    if not text:
        poppler("pdftotext")
    assert text.count(HEADING) >= 2
    assert "Lena at the edge" in text
    assert "**" not in text and "*edge*" not in text and "# EXT" not in text
    assert "push in" in text


def test_long_notes_end_in_an_ellipsis_inside_their_box(
    exported: tuple[QImage, str, list[Cell]],
):
    page, text, cells = exported
    if text:
        assert "…" in text and "LASTWORD" not in text and "word20" in text
    notes = cells[1].notes
    assert notes is not None
    runs = _ink_runs(page, notes)
    _left, _top, _right, bottom = _px(notes)
    assert runs and runs[-1][1] <= bottom + 1, "text stays in the notes box"
    # Between the notes box and the next row's image there is only paper.
    next_image = cells[3].image
    left, _t, right, _b = _px(notes)
    below = range(bottom + 3, round(next_image.y * SCALE) - 1)
    assert len(below) > 3
    assert all(_ink(page, left, right, y) < 30 for y in below), "nothing drawn below the box"


def test_video_panels_show_a_film_tile_or_their_first_frame(
    exported: tuple[QImage, str, list[Cell]],
):
    page, text, cells = exported
    left, top, right, bottom = _px(cells[2].image)
    film = [page.pixelColor(x, (top + bottom) // 2) for x in (left + 3, right - 3)]
    assert all(_close(c, FILM, 24) for c in film), [c.name() for c in film]
    middle = [page.pixelColor(x, y) for x in range(left, right) for y in range(top, bottom)]
    assert sum(c.lightness() > 200 for c in middle) > 40, "sprocket holes, play mark, label"
    left, top, right, bottom = _px(cells[3].image)
    assert _close(page.pixelColor((left + right) // 2, top + 4), FRAME_COLOUR)
    if text:
        assert "video · 5.1 s" in text, "length from 81 frames at 16 fps"
        assert text.count("video") >= 2
