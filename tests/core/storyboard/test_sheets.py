"""Sheet layout, reading order, contact-sheet grid, captions and shot lists (no Qt)."""

from __future__ import annotations

import csv
import io

import pytest

from directors_console.core.storyboard.model import Board, HistoryEntry, Panel
from directors_console.core.storyboard.sheets import (
    NOTE_LINES,
    SHOT_LIST_COLUMNS,
    Orientation,
    Paper,
    SheetOptions,
    caption,
    contact_sheet,
    layout_pages,
    markdown_to_text,
    metadata_line,
    page_size,
    reading_order,
    rows_per_page,
    shot_list_csv,
    shot_list_rows,
)


def test_paper_sizes_in_points_turn_with_orientation():
    w, h = page_size(Paper.A4, Orientation.PORTRAIT)
    assert (round(w), round(h)) == (595, 842)
    assert page_size(Paper.A4, Orientation.LANDSCAPE) == (h, w)
    lw, lh = page_size(Paper.LETTER, Orientation.PORTRAIT)
    assert (round(lw), round(lh)) == (612, 792)


def test_options_reject_bad_panels_per_row():
    for bad in (0, 5):
        with pytest.raises(ValueError):
            SheetOptions(per_row=bad)


@pytest.mark.parametrize("per_row", [1, 2, 3, 4])
def test_layout_puts_every_panel_once_in_rows_inside_the_page(per_row: int):
    options = SheetOptions(per_row=per_row)
    width, height = page_size(options.paper, options.orientation)
    pages = layout_pages(23, options)
    rows = rows_per_page(options, (width, height))
    assert len(pages) == -(-23 // (rows * per_row))
    indices = [c.index for p in pages for c in p.cells]
    assert indices == list(range(23))
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    for page in pages:
        assert len(page.cells) <= rows * per_row
        for cell in page.cells:
            assert cell.image.x >= 0 and cell.image.x + cell.image.width <= width + 1e-6
            assert cell.caption.bottom <= height
            assert cell.caption.y > cell.image.y
        xs = sorted({round(c.image.x, 3) for c in page.cells})
        assert len(xs) <= per_row


def test_fewer_captions_fit_more_rows_and_landscape_changes_the_count():
    full = SheetOptions(per_row=2)
    bare = SheetOptions(per_row=2, notes=False, metadata=False)
    size = page_size(Paper.A4, Orientation.PORTRAIT)
    assert rows_per_page(bare, size) > rows_per_page(full, size)
    land = SheetOptions(per_row=2, orientation=Orientation.LANDSCAPE)
    assert len(layout_pages(12, land)) != len(layout_pages(12, full))


def test_empty_board_still_prints_one_page():
    pages = layout_pages(0, SheetOptions())
    assert len(pages) == 1 and pages[0].cells == ()


def test_reading_order_rows_top_to_bottom_then_left_to_right():
    panels = [
        Panel(name="c", x=700, y=10),
        Panel(name="a", x=0, y=30),  # a little lower, same row
        Panel(name="b", x=350, y=0),
        Panel(name="d", x=0, y=300),
    ]
    assert [p.name for p in reading_order(panels)] == ["a", "b", "c", "d"]


def test_contact_sheet_grid():
    sheet = contact_sheet(10, columns=4, thumb_width=200, gap=10, aspect=2.0)
    assert sheet.width == 10 + 4 * 210
    assert sheet.height == 10 + 3 * (100 + sheet.label_height + 10)
    assert len(sheet.thumbs) == 10
    assert sheet.thumbs[5].x == 10 + 210 and sheet.thumbs[5].y > sheet.thumbs[0].y
    assert contact_sheet(2, columns=6).width < contact_sheet(6, columns=6).width
    with pytest.raises(ValueError):
        contact_sheet(3, columns=0)


def test_markdown_notes_become_plain_lines():
    text = "# Scene 4\n\n- **Wide** shot of [the pier](http://x)\n> _dusk_, `35mm`\n"
    assert markdown_to_text(text) == ["Scene 4", "• Wide shot of the pier", "dusk, 35mm"]


def _panel_with_history() -> Panel:
    return Panel(
        name="Panel_01",
        rating=4,
        image="Panel_01/f_v2.png",
        template="t-default",
        notes="line 1\nline 2\nline 3\nline 4\nline 5",
        history=[
            HistoryEntry(path="Panel_01/f_v1.png", version=1, seed=1, template="old"),
            HistoryEntry(path="Panel_01/f_v2.png", version=2, seed=77, template="sdxl-shot"),
        ],
    )


def test_caption_follows_toggles_and_cuts_long_notes():
    panel = _panel_with_history()
    full = caption(panel, SheetOptions())
    assert full.rating == "★★★★☆"
    assert full.metadata == metadata_line(panel) == "v2 · seed 77 · sdxl-shot"
    assert len(full.notes) == NOTE_LINES and full.notes[-1].endswith("…")
    bare = caption(panel, SheetOptions(notes=False, metadata=False, ratings=False))
    assert (bare.rating, bare.metadata, bare.notes) == ("", "", ())
    assert metadata_line(Panel(name="x")) == "no render yet"


def test_shot_list_rows_and_csv():
    board = Board(panels=[_panel_with_history(), Panel(name="Panel_02", x=400, notes="")])
    rows = shot_list_rows(board)
    assert rows[0] == {
        "panel": "Panel_01",
        "version": "2",
        "rating": "4",
        "notes": "line 1",
        "image": "Panel_01/f_v2.png",
        "template": "sdxl-shot",
        "seed": "77",
    }
    assert rows[1]["version"] == "" and rows[1]["seed"] == ""
    parsed = list(csv.DictReader(io.StringIO(shot_list_csv(board))))
    assert tuple(parsed[0]) == SHOT_LIST_COLUMNS
    assert [r["panel"] for r in parsed] == ["Panel_01", "Panel_02"]
