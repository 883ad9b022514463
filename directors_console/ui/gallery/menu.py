"""The grid's right-click menu, built fresh for the selection it was opened on.

Each entry calls one method of the tab (open, reveal, copy path, rename, move, trash,
rate, tag, send to Storyboard, restore workflow, compare); shortcut texts are shown,
the keys themselves are handled by the grid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from directors_console.core.gallery.scanner import FileEntry
from directors_console.ui.gallery.batchbar import swatch

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
    add("Batch Rename…", lambda: tab.ask_batch_rename(paths), "Ctrl+F2", enabled=len(paths) > 1)
    add("Move to…", lambda: tab.ask_move(paths))
    add("New Folder and Move…", lambda: tab.ask_new_folder_move(paths))
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
    colors = tab.tag_colors()
    for name in sorted(colors, key=str.casefold):
        action = tags.addAction(swatch(colors[name]), name)
        action.setCheckable(True)
        action.setChecked(name in current)
        action.toggled.connect(lambda on, n=name: tab.tag(paths, n, on))
    if tab.known_tags():
        tags.addSeparator()
    new_tag = tags.addAction("New Tag…")
    new_tag.triggered.connect(lambda: tab.ask_new_tag(paths))
    tags.addAction("Manage Tags…").triggered.connect(tab.open_tag_manager)
    menu.addSeparator()
    send = add(
        "Send to Storyboard as Reference",
        lambda: tab.send_reference(paths[0]),
        enabled=one and entries[0].kind == "image",
    )
    send.setObjectName("send_to_storyboard")
    _add_viewer_items(menu, add, tab, entries)
    return menu


def _add_viewer_items(
    menu: QMenu, add: Callable[..., QAction], tab: GalleryActions, entries: list[FileEntry]
) -> None:
    """Restore Workflow and Compare, when the tab has them (viewers.py)."""
    restore = getattr(tab, "restore_workflow", None)
    check = getattr(tab, "check_workflow", None)
    one = len(entries) == 1
    if callable(restore) and callable(check):
        path = entries[0].path
        action = add("Restore Workflow to Storyboard", lambda: restore(path), enabled=False)
        action.setObjectName("restore_workflow")
        if one and entries[0].kind in ("image", "video"):
            check(path, action)  # enabled once the file is known to carry metadata
    compare = getattr(tab, "compare", None)
    if callable(compare):
        images = [e.path for e in entries if e.kind == "image"]
        ok = 2 <= len(entries) <= 4 and len(images) == len(entries)
        menu.addSeparator()
        add("Compare", lambda: compare(images), "C", enabled=ok).setObjectName("compare")
