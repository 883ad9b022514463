"""A panel's Markdown notes: how they are drawn, and the one inline editor.

:class:`NotesDoc` keeps the notes of one panel as a laid-out ``QTextDocument``, rebuilt
only when the text or the width changes, so painting never parses or lays out Markdown.
:class:`NotesEditor` puts a single ``QPlainTextEdit`` (in a ``QGraphicsProxyWidget``, a
child of the panel) over the notes while the user edits them. Typing is committed about
600 ms after the last key as a :class:`SetNotes` command; commands of one editing session
of one panel merge into one undo step. Escape, a click elsewhere or the header toggle
leave edit mode (committing what is pending).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFocusEvent,
    QFont,
    QKeyEvent,
    QLinearGradient,
    QPainter,
    QPalette,
    QTextCursor,
    QTextDocument,
    QUndoStack,
)
from PySide6.QtWidgets import QGraphicsProxyWidget, QPlainTextEdit

from directors_console.core.storyboard.sheets import hard_line_breaks
from directors_console.ui.storyboard.panel_commands import SetNotes

if TYPE_CHECKING:
    from directors_console.ui.storyboard.panel_item import PanelItem
    from directors_console.ui.storyboard.scene import BoardScene

DEBOUNCE_MS = 600
NOTES_POINT_SIZE = 8.5
NOTES_TEXT = QColor("#d4d4d8")
LINK = QColor("#7fb4ff")
PLACEHOLDER = "Notes in Markdown — # heading, **bold**, - list. Esc when done."
EDITOR_STYLE = (
    "QPlainTextEdit { background: #1f2127; color: #e4e4e7; border: 1px solid #f0a830;"
    " border-radius: 4px; padding: 2px; selection-background-color: #4a5a7a; }"
)


class NotesDoc:
    """The laid-out Markdown of one panel's notes; rebuilt on a change of text or width."""

    def __init__(self) -> None:
        self._key: tuple[str, int] | None = None
        self._doc: QTextDocument | None = None

    def document(self, text: str, width: float) -> QTextDocument:
        key = (text, round(width))
        if self._doc is None or key != self._key:
            self._key = key
            self._doc = render_markdown(text, width)
        return self._doc


def render_markdown(text: str, width: float) -> QTextDocument:
    doc = QTextDocument()
    font = QFont()
    font.setPointSizeF(NOTES_POINT_SIZE)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(1)
    doc.setIndentWidth(14)  # lists: the default 40 px indent wastes a small panel
    doc.setMarkdown(hard_line_breaks(text))  # as typed, and as printed
    _tame_headings(doc)
    doc.setTextWidth(max(10.0, width))
    return doc


def _tame_headings(doc: QTextDocument) -> None:
    """Markdown headings come out up to 2x the body size; in a small panel 1.4x reads better."""
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel():
            cursor = QTextCursor(block)
            cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
            fmt = cursor.charFormat()
            fmt.setProperty(
                fmt.Property.FontSizeAdjustment,
                min(2, max(0, 3 - block.blockFormat().headingLevel())),
            )
            fmt.setFontWeight(QFont.Weight.Bold)
            cursor.mergeCharFormat(fmt)
        block = block.next()


@functools.cache
def _notes_palette() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Text, NOTES_TEXT)
    palette.setColor(QPalette.ColorRole.Link, LINK)
    return palette


def paint_notes(painter: QPainter, rect: QRectF, doc: QTextDocument, fade: QColor) -> None:
    """Draw the notes clipped to ``rect``; overflowing text fades out at the bottom."""
    painter.save()
    painter.setClipRect(rect)
    painter.translate(rect.topLeft())
    context = QAbstractTextDocumentLayout.PaintContext()
    context.palette = _notes_palette()
    context.clip = QRectF(0, 0, rect.width(), rect.height())
    doc.documentLayout().draw(painter, context)
    painter.restore()
    if doc.size().height() > rect.height() + 1:
        band = QRectF(rect.left(), rect.bottom() - 14, rect.width(), 14)
        gradient = QLinearGradient(band.topLeft(), band.bottomLeft())
        clear = QColor(fade)
        clear.setAlpha(0)
        gradient.setColorAt(0, clear)
        gradient.setColorAt(1, fade)
        painter.fillRect(band, gradient)


class NotesEdit(QPlainTextEdit):
    """The inline editor; says when the user is done (Escape, Ctrl+Enter, focus moved away)."""

    done = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_Escape or (ctrl and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            event.accept()
            self.done.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # Another window coming to the front or a context menu is not "done".
        if event.reason() in (
            Qt.FocusReason.MouseFocusReason,
            Qt.FocusReason.TabFocusReason,
            Qt.FocusReason.BacktabFocusReason,
            Qt.FocusReason.ShortcutFocusReason,
        ):
            self.done.emit()


class NotesEditor(QObject):
    """At most one notes editor on the board; commits typing as merged undo commands."""

    def __init__(
        self,
        scene: BoardScene,
        undo_stack: QUndoStack,
        hook: Callable[[PanelItem, bool], None],
    ) -> None:
        super().__init__()
        self._scene = scene
        self._undo = undo_stack
        self._hook = hook  # tells the tools which item to watch for removal
        self.item: PanelItem | None = None
        self.edit: NotesEdit | None = None
        self.proxy: QGraphicsProxyWidget | None = None
        self._session = 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.commit)
        undo_stack.indexChanged.connect(self._follow_model)

    @property
    def editing_id(self) -> str:
        return self.item.panel_id if self.item is not None else ""

    def begin(self, item: PanelItem) -> NotesEdit:
        """Open the editor on ``item`` (closing any other one first)."""
        if self.item is item and self.edit is not None:
            return self.edit
        self.finish()
        self._session += 1
        edit = NotesEdit()
        edit.setObjectName("PanelNotesEditor")
        edit.setStyleSheet(EDITOR_STYLE)
        font = QFont()
        font.setPointSizeF(9)
        edit.setFont(font)
        edit.setPlaceholderText(PLACEHOLDER)
        edit.setPlainText(item.model.notes)
        edit.moveCursor(QTextCursor.MoveOperation.End)
        edit.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        proxy = QGraphicsProxyWidget(item)
        proxy.setWidget(edit)
        proxy.setZValue(20)
        self.item, self.edit, self.proxy = item, edit, proxy
        self.place()
        edit.textChanged.connect(self.timer.start)
        edit.done.connect(self.finish)
        item.notes_editing = True
        item.update()
        self._hook(item, True)
        for view in self._scene.views():
            view.setFocus(Qt.FocusReason.OtherFocusReason)
        proxy.setFocus(Qt.FocusReason.OtherFocusReason)
        edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return edit

    def place(self) -> None:
        """Put the editor over the notes (the panel moved, was resized or changed layout)."""
        if self.item is None or self.proxy is None or self.edit is None:
            return
        rect = self.item.notes_editor_rect()
        self.proxy.setPos(rect.topLeft())
        self.edit.resize(rect.size().toSize())

    def owns(self, scene_items: list[object]) -> bool:
        return self.proxy is not None and self.proxy in scene_items

    def commit(self) -> None:
        """Write the editor's text to the model (one undoable step per editing session)."""
        self.timer.stop()
        item, edit = self.item, self.edit
        if item is None or edit is None or item.scene() is None:
            return
        text = edit.toPlainText()
        before = item.model.notes
        if text != before:
            self._undo.push(SetNotes(self._scene, item.panel_id, before, text, self._session))

    def finish(self) -> None:
        """Leave edit mode, committing any text still waiting for the debounce."""
        if self.item is None:
            return
        self.commit()
        self.discard()

    def discard(self) -> None:
        """Drop the editor without committing (its panel left the board)."""
        self.timer.stop()
        item, proxy, edit = self.item, self.proxy, self.edit
        self.item = self.proxy = self.edit = None
        if edit is not None:
            edit.done.disconnect(self.finish)
            edit.textChanged.disconnect(self.timer.start)
        if item is not None:
            item.notes_editing = False
            item.update()
            self._hook(item, False)
        if proxy is not None:
            # The view keeps keyboard focus, so canvas keys work again at once; focus
            # the user moved to another widget stays there.
            if proxy.scene() is not None:
                proxy.scene().removeItem(proxy)
            proxy.deleteLater()

    def _follow_model(self, _index: int) -> None:
        """Undo/redo while editing: show the model's notes unless typing is pending."""
        item, edit = self.item, self.edit
        if item is None or edit is None or self.timer.isActive():
            return
        if edit.toPlainText() != item.model.notes:
            position = edit.textCursor().position()
            edit.blockSignals(True)
            edit.setPlainText(item.model.notes)
            edit.blockSignals(False)
            cursor = edit.textCursor()
            cursor.setPosition(min(position, len(item.model.notes)))
            edit.setTextCursor(cursor)
