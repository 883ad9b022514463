"""The grid's right-click menu, built fresh for the selection it was opened on.

Each entry calls one method of the tab (open, reveal, copy path, rename, move, trash,
rate, tag, send to Storyboard); shortcut texts are shown, the keys themselves are
handled by the grid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from directors_console.core.gallery.scanner import FileEntry

if TYPE_CHECKING:
    from directors_console.ui.gallery.actions import GalleryActions


def build_menu(tab: GalleryActions, entries: list[FileEntry], parent: QWidget) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("GalleryContextMenu")
    paths = [e.path for e in entries]
    one = len(entries) == 1

    def add(text: str, slot: object, key: str | None = None, enabled: bool = True) -> QAction:
        action = menu.addAction(text)
        action.setObjectName(text.rstrip("…").replace(" ", "_").lower())
        if key:
            action.setShortcut(QKeySequence(key))
        action.setEnabled(enabled)
        action.triggered.connect(slot)
        return action

    add("Open", lambda: tab.open_file(paths[0]), enabled=one)
    add("Reveal in File Manager", lambda: tab.reveal(paths[0]), enabled=bool(paths))
    add("Copy Path", lambda: tab.copy_paths(paths))
    menu.addSeparator()
    add("Rename…", lambda: tab.ask_rename(paths[0]), "F2", enabled=one)
    add("Move to…", lambda: tab.ask_move(paths))
    add("Trash", lambda: tab.trash(paths), "Del")
    menu.addSeparator()
    rate = menu.addMenu("Rate")
    for stars in range(6):
        label = "No rating" if stars == 0 else "★" * stars
        action = rate.addAction(label)
        action.setObjectName(f"rate_{stars}")
        action.setShortcut(QKeySequence(str(stars)))
        action.triggered.connect(lambda _=False, s=stars: tab.rate(paths, s))
    tags = menu.addMenu("Tag")
    current = set.intersection(*(tab.tags_of(p) for p in paths)) if paths else set()
    for name in sorted(tab.known_tags()):
        action = tags.addAction(name)
        action.setCheckable(True)
        action.setChecked(name in current)
        action.toggled.connect(lambda on, n=name: tab.tag(paths, n, on))
    if tab.known_tags():
        tags.addSeparator()
    new_tag = tags.addAction("New Tag…")
    new_tag.triggered.connect(lambda: tab.ask_new_tag(paths))
    menu.addSeparator()
    send = add(
        "Send to Storyboard as Reference",
        lambda: tab.send_reference(paths[0]),
        enabled=one and entries[0].kind == "image",
    )
    send.setObjectName("send_to_storyboard")
    return menu
