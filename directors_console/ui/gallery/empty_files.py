"""What the files area says when it shows no file.

An empty grid reads as "broken" or "still loading". :class:`EmptyFilesNote` sits over
the files page (click-through) whenever the shown view has no row, and says why: the
search found nothing, the filters hide every file, the folder only holds sub-folders,
or it is really empty. :func:`empty_text` picks the words; the tab gives the facts.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget


def empty_text(folder: str, listed: int, words: str, sub_folders: int, recursive: bool) -> str:
    """Why nothing is shown, and what to do about it."""
    if words:
        return f"No file matches “{words}”.\nTry fewer words, or clear the search."
    place = f"“{folder}”" if folder else "the project folder"
    if listed:
        shown = "1 file" if listed == 1 else f"{listed} files"
        return f"The filters hide every file here ({shown} in {place}).\nLoosen them to see more."
    if sub_folders and not recursive:
        kind = "sub-folder" if sub_folders == 1 else "sub-folders"
        return (
            f"No files directly in {place}; it has {sub_folders} {kind}.\n"
            "Pick one in the tree, or list “With sub-folders”."
        )
    return f"{place[0].upper()}{place[1:]} is empty.\nNew renders saved here show up by themselves."


class EmptyFilesNote(QLabel):
    """A centred, click-through note over ``stack`` while ``files_page`` shows no row."""

    def __init__(self, stack: QStackedWidget, files_page: QWidget) -> None:
        super().__init__(stack)
        self.setObjectName("GalleryEmptyNote")
        self.stack = stack
        self.files_page = files_page
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("color: #9a9ca3; font-size: 11pt;")
        self._empty = False
        stack.installEventFilter(self)
        stack.currentChanged.connect(lambda _i: self._place())
        self.hide()

    def show_state(self, empty: bool, text: str) -> None:
        self._empty = empty
        self.setText(text)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.stack and event.type() == QEvent.Type.Resize:
            self._place()
        return super().eventFilter(watched, event)

    def _place(self) -> None:
        on_files = self.stack.currentWidget() is self.files_page
        visible = self._empty and on_files
        self.setVisible(visible)
        if visible:
            margin = 40
            rect = self.stack.rect().adjusted(margin, margin, -margin, -margin)
            self.setGeometry(rect)
            self.raise_()
