"""Sheet boxes for names, metadata and notes; line breaks in notes; video labels (no Qt)."""

from __future__ import annotations

import pytest

from directors_console.core.storyboard.model import HistoryEntry, MediaKind, Panel
from directors_console.core.storyboard.sheets import (
    NOTE_LINES,
    PAGE_NOTE_FONTS,
    SHEET_NOTE_HEIGHT,
    Metrics,
    SheetOptions,
    contact_sheet,
    duration_text,
    hard_line_breaks,
    is_video,
    layout_pages,
    video_label,
    video_seconds,
)


@pytest.mark.parametrize("per_row", [1, 2, 3, 4])
def test_name_metadata_and_notes_boxes_stack_inside_the_caption(per_row: int):
    line = Metrics().line
    for page in layout_pages(9, SheetOptions(per_row=per_row)):
        for cell in page.cells:
            cap, name, meta, notes = cell.caption, cell.name, cell.metadata, cell.notes
            assert meta is not None and notes is not None
            assert name.y == cap.y and name.height == line
            assert meta.y == name.bottom and notes.y > meta.bottom
            assert notes.height == NOTE_LINES * line
            assert notes.bottom <= cap.bottom
            assert name.x == meta.x == notes.x == cell.image.x
            assert notes.width == cell.image.width


def test_boxes_follow_the_toggles():
    (page,) = layout_pages(1, SheetOptions(metadata=False))
    cell = page.cells[0]
    assert cell.metadata is None and cell.notes is not None
    assert cell.notes.y > cell.name.bottom and cell.notes.y < cell.name.bottom + 4
    (page,) = layout_pages(1, SheetOptions(notes=False))
    assert page.cells[0].notes is None and page.cells[0].metadata is not None


def test_notes_are_no_taller_than_rows_allow_next_panel_starts_below():
    (page,) = layout_pages(4, SheetOptions(per_row=2))
    first, _, below, _ = page.cells
    assert first.notes is not None and first.notes.bottom < below.image.y


def test_contact_sheet_notes_boxes_sit_under_each_label():
    plain = contact_sheet(5, columns=2, thumb_width=200, gap=10, aspect=2.0)
    sheet = contact_sheet(5, columns=2, thumb_width=200, gap=10, aspect=2.0, note_height=60)
    assert plain.notes == () and len(sheet.notes) == 5
    assert sheet.height == plain.height + 3 * (60 + 4)
    for thumb, notes in zip(sheet.thumbs, sheet.notes, strict=True):
        assert notes.y == thumb.bottom + sheet.label_height
        assert (notes.x, notes.width, notes.height) == (thumb.x, thumb.width, 60)
    assert sheet.thumbs[2].y > sheet.notes[0].bottom
    assert SHEET_NOTE_HEIGHT > 0
    with pytest.raises(ValueError):
        contact_sheet(2, note_height=-1)


def test_single_newlines_become_line_breaks_outside_code_and_headings():
    text = "# Slug\nEXT. ROOF\nWind.\n\n- a\n- b\n```\ncode\nmore\n```\n| a |\n| - |\nend  \nx"
    lines = hard_line_breaks(text).split("\n")
    assert lines[0] == "# Slug", "a heading line never gets a break"
    assert lines[1] == "EXT. ROOF  " and lines[2] == "Wind.", "last line of a paragraph"
    assert lines[4] == "- a  " and lines[5] == "- b"
    assert lines[6:10] == ["```", "code", "more", "```"]
    assert lines[10:12] == ["| a |", "| - |"]
    assert lines[12] == "end  ", "an existing break is not doubled"


def test_page_note_fonts_make_headings_larger_than_body():
    fonts = PAGE_NOTE_FONTS
    assert fonts.heading(1) > fonts.body and fonts.heading(6) == fonts.heading(3) > fonts.body


def _video(path: str = "P/clip_v1.mp4", **kwargs: object) -> Panel:
    entry = HistoryEntry(path=path, kind=MediaKind.VIDEO, **kwargs)  # type: ignore[arg-type]
    return Panel(name="P", image=path, history=[entry])


def test_video_label_with_and_without_a_known_length():
    assert video_label(Panel(name="empty")) is None
    assert video_label(Panel(name="still", image="P/a_v1.png")) is None
    assert video_label(_video()) == "video"
    assert video_label(_video(parameters={"length": 81, "fps": 16})) == "video · 5.1 s"
    assert video_label(_video(parameters={"length": 81})) == "video", "no frame rate: no guess"
    assert video_label(_video(duration=75.2)) == "video · 1:15"
    # A video file with no history entry (found on disk) is still a video.
    assert is_video(Panel(name="P", image="P/clip_v3.webm"))


def test_video_seconds_ignores_nonsense():
    entry = HistoryEntry(path="a.mp4", parameters={"length": "81", "fps": 0})
    assert video_seconds(entry) is None
    assert duration_text(3723) == "1:02:03" and duration_text(2.5) == "2.5 s"
