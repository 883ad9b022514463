"""Panel notes on printed sheets: Markdown laid out in a box, cut with "…", drawn clipped.

:func:`note_document` turns a panel's Markdown notes into a ``QTextDocument`` set in the
sheet's font sizes (:class:`~directors_console.core.storyboard.sheets.NoteFonts`) and
laid out to the width of the notes box that ``core.storyboard.sheets`` computed; a
single newline is a line break, as the director typed it. :func:`elide` cuts a document
that is taller than its box after the last whole line that fits and ends it with "…";
:func:`draw_note` paints it clipped to the box, so notes never run into the next panel.
Only ``QImage``/``QPdfWriter`` painting and a parent-less ``QTextDocument`` are used
(both reentrant), so this runs in the export worker threads.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QPainter,
    QPalette,
    QTextBlock,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)

from directors_console.core.storyboard.sheets import NoteFonts, hard_line_breaks

ELLIPSIS = "…"
FONT_FAMILY = "DejaVu Sans"
PARAGRAPH_GAP = 0.25  # of the body size, between paragraphs and after headings
MAX_TRIMS = 40  # words dropped at most to make room for the "…"


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(pixels)  # user units: points on a PDF page, pixels on a contact sheet
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def note_document(markdown: str, width: float, fonts: NoteFonts) -> QTextDocument:
    """The notes as rich text ``width`` wide, in ``fonts``; headings bold at their size."""
    doc = QTextDocument()
    doc.setUndoRedoEnabled(False)
    doc.setUseDesignMetrics(True)  # the same line breaks in a small preview and on paper
    doc.setDefaultFont(_font(fonts.body))
    doc.setDocumentMargin(0)
    doc.setIndentWidth(fonts.indent)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    doc.setDefaultTextOption(option)
    doc.setMarkdown(hard_line_breaks(markdown))
    _style_blocks(doc, fonts)
    doc.setTextWidth(max(1.0, width))
    return doc


def _style_blocks(doc: QTextDocument, fonts: NoteFonts) -> None:
    """Headings in the sheet's sizes (Markdown's own go up to twice the body), small gaps."""
    gap = fonts.body * PARAGRAPH_GAP
    block = doc.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        cursor = QTextCursor(block)
        spacing = QTextBlockFormat()
        spacing.setTopMargin(gap if level and block.previous().isValid() else 0.0)
        spacing.setBottomMargin(gap if block.textList() is None or level else 0.0)
        cursor.mergeBlockFormat(spacing)
        if level:
            _set_heading_size(block, fonts.heading(level))
        block = block.next()


def _set_heading_size(block: QTextBlock, pixels: int) -> None:
    """Each run of a heading in ``pixels``, bold; its own formats (italic, links) kept.

    The size adjustment Markdown gives headings has to go: while it is set, Qt sizes the
    text from the default font and ignores an explicit pixel size."""
    runs = []
    it = block.begin()
    while not it.atEnd():
        fragment = it.fragment()
        runs.append((fragment.position(), fragment.length(), fragment.charFormat()))
        it += 1
    cursor = QTextCursor(block)
    for position, length, char in runs:
        char.clearProperty(QTextFormat.Property.FontSizeAdjustment)
        char.setProperty(QTextFormat.Property.FontPixelSize, pixels)
        char.setFontWeight(QFont.Weight.Bold)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(char)


def _last_fitting_position(doc: QTextDocument, height: float) -> int | None:
    """The document position right after the last line whose bottom is within ``height``."""
    cut = None
    block = doc.begin()
    while block.isValid():
        layout = block.layout()
        top = layout.position().y()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            if top + line.y() + line.height() > height + 0.01:
                return cut
            cut = block.position() + line.textStart() + line.textLength()
        block = block.next()
    return cut


def _fits(doc: QTextDocument, height: float) -> bool:
    return doc.size().height() <= height + 0.01


def elide(doc: QTextDocument, height: float) -> bool:
    """Cut ``doc`` to whole lines within ``height`` ending in "…"; True if it was cut."""
    if _fits(doc, height):
        return False
    cursor = QTextCursor(doc)
    cut = _last_fitting_position(doc, height)
    if cut is None:  # not even one line fits: the box is too small to say anything
        doc.clear()
        return True
    cursor.setPosition(cut)
    cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    cursor.removeSelectedText()
    _trim_spaces(cursor)
    cursor.insertText(ELLIPSIS)
    for _ in range(MAX_TRIMS):
        if _fits(doc, height):
            break
        # The "…" wrapped onto a line of its own: drop the word before it and retry.
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.MoveAnchor)
        end = cursor.position()
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.MoveAnchor)
        cursor.movePosition(QTextCursor.MoveOperation.StartOfWord)
        if cursor.position() >= end:
            break
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        _trim_spaces(cursor)
        cursor.movePosition(QTextCursor.MoveOperation.End)
    return True


def _trim_spaces(cursor: QTextCursor) -> None:
    """Remove spaces before the cursor, so "…" follows the last word."""
    doc = cursor.document()
    while cursor.position() > 0 and doc.characterAt(cursor.position() - 1).isspace():
        if doc.characterAt(cursor.position() - 1) in "\u2029\u2028\n":
            break  # a paragraph or line end: keep the structure, stop trimming
        cursor.deletePreviousChar()


def fitted_note(markdown: str, width: float, height: float, fonts: NoteFonts) -> QTextDocument:
    """:func:`note_document` cut to ``height`` with :func:`elide`."""
    doc = note_document(markdown, width, fonts)
    elide(doc, height)
    return doc


def draw_note(
    painter: QPainter,
    doc: QTextDocument,
    box: QRectF,
    colour: QColor,
    link: QColor | None = None,
) -> None:
    """Paint ``doc`` at the top left of ``box`` in ``colour``, clipped to ``box``."""
    painter.save()
    painter.setClipRect(box, Qt.ClipOperation.IntersectClip)
    painter.translate(box.topLeft())
    context = QAbstractTextDocumentLayout.PaintContext()
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Text, colour)
    palette.setColor(QPalette.ColorRole.Link, link or colour)
    context.palette = palette
    context.clip = QRectF(0, 0, box.width(), box.height())
    doc.documentLayout().draw(painter, context)
    painter.restore()
