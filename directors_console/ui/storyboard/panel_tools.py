"""What a click inside a panel does: pick a version, play a video, edit the notes.

The board view hands presses to :class:`PanelTools` before its own handling. A click on
a version tile shows that version (one undoable :class:`ShowVersion` per click); the
"+N" tile opens a menu of every version; the play button toggles inline playback
(:class:`PanelPlayer`); the notes toggle in the header, a double-click on the notes, or
a click on the empty "Add notes…" line opens the notes editor (:class:`NotesEditor`).
A press anywhere but on the editor leaves edit mode. :meth:`close` ends both editing
and playback (the project closes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QIcon, QPixmap, QUndoStack
from PySide6.QtWidgets import QMenu, QWidget

from directors_console.ui.storyboard import history_strip as strip
from directors_console.ui.storyboard.notes import NotesEditor
from directors_console.ui.storyboard.panel_commands import ShowVersion
from directors_console.ui.storyboard.panel_item import Hit, PanelItem
from directors_console.ui.storyboard.video import PanelPlayer

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsView

    from directors_console.ui.storyboard.scene import BoardScene


class PanelTools(QObject):
    """The per-panel controls of one board view."""

    def __init__(self, view: QGraphicsView, scene: BoardScene, undo_stack: QUndoStack) -> None:
        super().__init__(view)
        self._view = view
        self._scene = scene
        self._undo = undo_stack
        self.notes = NotesEditor(scene, undo_stack, self._watch)
        self.player = PanelPlayer(scene.media)
        self.menu: QMenu | None = None
        self._closed_by_press = ""
        undo_stack.indexChanged.connect(self._after_change)
        scene.board_changed.connect(self._after_change)

    @property
    def editing(self) -> bool:
        return self.notes.item is not None

    # -- presses routed by the view ---------------------------------------------------------------

    def before_press(self, pos: QPoint) -> bool:
        """True when the press at ``pos`` (viewport) is for the notes editor; otherwise
        a press elsewhere ends editing."""
        if self.editing and self.notes.owns(list(self._view.items(pos))):
            return True
        self._closed_by_press = self.notes.editing_id
        self.notes.finish()
        return False

    def press(self, item: PanelItem, hit: Hit, index: int, parent: QWidget, pos: QPoint) -> bool:
        """Handle a left press on one of the panel's own controls; True if handled."""
        if hit is Hit.HISTORY:
            self.show_version(item, index)
        elif hit is Hit.MORE:
            self.open_versions(item, parent, pos)
        elif hit is Hit.PLAY:
            self.play(item)
        elif hit is Hit.NOTES_TOGGLE:
            if self._closed_by_press != item.panel_id:
                self.notes.begin(item)
        elif hit is Hit.NOTES and not item.model.notes.strip():
            self.notes.begin(item)
        else:
            return False
        return True

    def key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        """N edits the notes of the one selected panel, K plays or pauses its video,
        M turns the playing video's sound on or off."""
        if modifiers & ~Qt.KeyboardModifier.KeypadModifier or key not in (
            Qt.Key.Key_N,
            Qt.Key.Key_K,
            Qt.Key.Key_M,
        ):
            return False
        if key == Qt.Key.Key_M:
            return self.player.toggle_mute()
        ids = self._scene.selected_ids()
        if len(ids) != 1:
            return False
        item = self._scene.items_by_id[ids[0]]
        if key == Qt.Key.Key_N:
            self.notes.begin(item)
            return True
        if item.shows_video():
            self.play(item)
            return True
        return False

    def double_click(self, item: PanelItem, hit: Hit) -> bool:
        if hit is Hit.NOTES:
            self.notes.begin(item)
            return True
        return False

    # -- versions ---------------------------------------------------------------------------------

    def show_version(self, item: PanelItem, index: int) -> None:
        panel = item.model
        if not 0 <= index < len(panel.history):
            return
        entry = panel.history[index]
        if entry.path == panel.image:
            return
        text = f"Show v{entry.version} of {panel.name}"
        self._undo.push(ShowVersion(self._scene, panel.id, panel.image, entry.path, text))

    def open_versions(self, item: PanelItem, parent: QWidget, pos: QPoint) -> QMenu:
        """Every version of the panel in a menu (newest first); picking one shows it."""
        if self.menu is not None:
            self.menu.deleteLater()
        menu = QMenu(parent)
        menu.setObjectName("PanelVersionsMenu")
        panel = item.model
        media = self._scene.media
        for index in reversed(strip.ordered(panel)):
            entry = panel.history[index]
            label = strip.tooltip(entry, entry.path == panel.image).split("\n")[0]
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(entry.path == panel.image)
            thumb = media.thumbnail(entry.path, panel.id)
            if thumb is not None:
                action.setIcon(QIcon(QPixmap.fromImage(thumb)))
            action.triggered.connect(lambda _=False, i=index: self.show_version(item, i))
        self.menu = menu
        menu.popup(parent.mapToGlobal(pos))
        return menu

    # -- keeping editor and player in step with the board --------------------------------------

    def _watch(self, item: PanelItem, _editing: bool) -> None:
        in_use = self.notes.item is item or self.player.item is item
        item.on_leave = self._item_left if in_use else None

    def _item_left(self, item: PanelItem) -> None:
        """The panel is being taken off the board (deleted, or another board loaded)."""
        item.on_leave = None
        if self.notes.item is item:
            self.notes.discard()
        if self.player.item is item:
            self.player.stop()

    def _after_change(self, *_args: object) -> None:
        item = self.player.item
        if item is not None:
            if item.model.image != self.player.path:
                self.player.stop()  # another version is shown now
            else:
                self.player.place()
        self.notes.place()

    def play(self, item: PanelItem) -> None:
        self.player.toggle(item)
        if self.player.item is item:
            item.on_leave = self._item_left

    def close(self) -> None:
        """Commit and close the notes editor and stop playback (project closing)."""
        self.notes.finish()
        self.player.stop()
