"""Markdown notes on printed sheets: sizes, line breaks and the "…" cut to a box."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from directors_console.core.storyboard.sheets import PAGE_NOTE_FONTS, SHEET_NOTE_FONTS
from directors_console.ui.storyboard.print_notes import (
    ELLIPSIS,
    draw_note,
    elide,
    fitted_note,
    note_document,
)

LONG = (
    "# EXT. ROOFTOP – NIGHT\n**Lena** at the *edge*.\n- push in\n- hold on her hands\n\n"
    + " ".join(f"beat{i}" for i in range(120))
)


def _sizes(doc) -> list[tuple[str, int, bool]]:  # type: ignore[no-untyped-def]
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            font = fragment.charFormat().font()
            out.append((fragment.text(), font.pixelSize(), font.bold()))
            it += 1
        block = block.next()
    return out


def test_markdown_becomes_formatted_text_in_the_sheet_sizes(qapp):  # type: ignore[no-untyped-def]
    doc = note_document(
        "# Slug *one*\n## Two\nplain **bold**\nnext line\n- item", 200, PAGE_NOTE_FONTS
    )
    sizes = _sizes(doc)
    assert ("Slug ", 10, True) in sizes and ("one", 10, True) in sizes, sizes
    assert ("Two", PAGE_NOTE_FONTS.heading(2), True) in sizes
    assert ("bold", PAGE_NOTE_FONTS.body, True) in sizes
    text = doc.toPlainText()
    assert "*" not in text and "#" not in text
    block = doc.findBlock(text.index("plain"))
    assert block.text() == "plain bold", "a single newline breaks the line (Qt: a new block)"
    assert block.next().text() == "next line"
    last = doc.lastBlock()
    assert last.text() == "item" and last.textList() is not None
    assert doc.textWidth() == 200


def test_notes_that_fit_are_left_alone(qapp):  # type: ignore[no-untyped-def]
    doc = note_document("one line", 200, PAGE_NOTE_FONTS)
    assert not elide(doc, 48) and doc.toPlainText() == "one line"


@pytest.mark.parametrize("fonts", [PAGE_NOTE_FONTS, SHEET_NOTE_FONTS])
def test_long_notes_are_cut_to_whole_lines_ending_in_an_ellipsis(qapp, fonts):  # type: ignore[no-untyped-def]
    full = note_document(LONG, 150, fonts).toPlainText()
    for width in range(90, 300, 23):
        for height in (fonts.body * 3, fonts.body * 6, fonts.body * 9):
            doc = fitted_note(LONG, width, height, fonts)
            text = doc.toPlainText()
            assert doc.size().height() <= height + 0.01, (width, height)
            assert text.endswith(ELLIPSIS), (width, height, text)
            assert "beat119" not in text
            shown = text[: -len(ELLIPSIS)].replace("\u2028", " ").replace("\n", " ").split()
            assert shown and shown[0] == "EXT."
            flat = full.replace("\u2028", " ").replace("\n", " ").split()
            assert shown == flat[: len(shown)], "a prefix of the notes, word for word"


def test_a_box_lower_than_one_line_shows_nothing(qapp):  # type: ignore[no-untyped-def]
    doc = fitted_note("# Big heading", 200, 4, PAGE_NOTE_FONTS)
    assert doc.toPlainText() == ""


def test_drawing_stays_inside_the_box(qapp):  # type: ignore[no-untyped-def]
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    doc = note_document(LONG, 200, PAGE_NOTE_FONTS)  # not cut: taller than the box
    painter = QPainter(image)
    draw_note(painter, doc, QRectF(20, 20, 200, 40), QColor("black"))
    painter.end()
    dark = [
        (x, y) for x in range(300) for y in range(200) if image.pixelColor(x, y).lightness() < 200
    ]
    assert dark, "something is drawn"
    assert all(20 <= x < 220 and 20 <= y < 60 for x, y in dark), "clipped to the box"
