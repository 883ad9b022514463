"""The storyboard view: selection, header drags with snapping, resize, zoom and pan.

Mouse handling lives here, not in the items. A press on a panel header starts a drag
of every selected unlocked panel; with Shift held the dragged panel snaps to the
other panels' edges and centres within 10 *screen* pixels (10 / zoom in scene units)
and the scene draws red guides. A press on the corner handle resizes. Ctrl+click
toggles selection; a press on empty canvas draws a rubber band. The wheel zooms
around the cursor; the middle button or Space+drag pans; F fits all panels. Each
finished gesture pushes one undo command. A right-click on a panel selects it and asks
the tab for its menu (``panel_menu_requested``). An empty board shows a centred hint.
Clicks on a panel's own controls (version strip, play button, notes) and the N/K keys
go to :class:`PanelTools`; while the notes editor is open, keys go to it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QLabel, QLineEdit, QWidget

from directors_console.core.storyboard.layout import Rect, snap
from directors_console.core.storyboard.model import MIN_HEIGHT, MIN_WIDTH
from directors_console.ui.storyboard.commands import SetField, SetGeometry
from directors_console.ui.storyboard.panel_item import HEADER, Hit, PanelItem
from directors_console.ui.storyboard.panel_tools import PanelTools
from directors_console.ui.storyboard.scene import BoardScene, Geometry

SNAP_PIXELS = 10.0
MIN_ZOOM = 0.1
MAX_ZOOM = 4.0
EMPTY_HINT = "No panels yet — Add panel (Ctrl+Shift+N) or send a prompt from Prompt Studio"


RECACHE_MS = 250  # after the last far-out zoom step


class BoardView(QGraphicsView):
    rename_requested = Signal(str, str)  # panel id, new name
    panel_menu_requested = Signal(str, QPoint)  # panel id, global position

    def __init__(self, scene: BoardScene, undo_stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.board_scene = scene
        self.undo_stack = undo_stack
        self.setObjectName("StoryboardView")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setSceneRect(QRectF(-50_000, -50_000, 100_000, 100_000))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Panning is by middle button or Space+drag; scroll bars would only add clutter.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self._mode = ""  # "", "move", "resize", "pan"
        self._press_scene = QPointF()
        self._press_view = QPoint()
        self._anchor = ""  # the panel under the cursor during a move/resize
        self._start: dict[str, Geometry] = {}
        self._space = False
        self.empty_hint = QLabel(EMPTY_HINT, self.viewport())
        self.empty_hint.setObjectName("EmptyBoardHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.empty_hint.setStyleSheet(
            "color: #9a9ca3; font-size: 12pt; background: rgba(27, 29, 34, 200);"
            " border: 1px dashed #4a4d57; border-radius: 8px; padding: 18px;"
        )
        scene.board_changed.connect(self.update_hint)
        self.viewport().installEventFilter(self)  # keep the hint centred
        self.update_hint()
        self.editor: QLineEdit | None = None
        self._editing = ""
        self.tools = PanelTools(self, scene, undo_stack)  # versions, video, notes
        # Item caches come back once far-out zooming pauses (see BoardScene.set_cached).
        self._recache = QTimer(self)
        self._recache.setSingleShot(True)
        self._recache.setInterval(RECACHE_MS)
        self._recache.timeout.connect(lambda: self.board_scene.set_cached(True))

    # -- helpers -------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        self.scale(factor / self.zoom(), factor / self.zoom())
        # While zooming, draw directly: every step would re-render each visible item's
        # device cache at the new scale (a 4x panel is a 1,300 px pixmap); the caches
        # come back when the zooming pauses, for panning and dragging.
        self.board_scene.set_cached(False)
        self._recache.start()

    def panel_at(self, pos: QPoint) -> PanelItem | None:
        for item in self.items(pos):
            if isinstance(item, PanelItem):
                return item
        return None

    def fit_all(self) -> None:
        rect = self.board_scene.panels_rect()
        if rect.isEmpty():
            self.resetTransform()
            self.board_scene.set_cached(True)
            self.centerOn(0, 0)
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        self.board_scene.set_cached(True)
        if self.zoom() > 1.0:
            self.set_zoom(1.0)
            self.centerOn(rect.center())

    # -- mouse ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        pos = event.position().toPoint()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space
        ):
            self._mode = "pan"
            self._press_view = pos
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if self.tools.before_press(pos):
            super().mousePressEvent(event)  # the notes editor takes it
            return
        item = self.panel_at(pos) if button == Qt.MouseButton.LeftButton else None
        if item is None:
            super().mousePressEvent(event)
            return
        event.accept()
        hit, star = item.hit(item.mapFromScene(self.mapToScene(pos)))
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if hit is Hit.STAR:
            self._rate(item, star)
            return
        if hit is Hit.LOCK:
            self._toggle_lock(item)
            return
        if ctrl:
            item.setSelected(not item.isSelected())
            return
        if not item.isSelected():
            self.board_scene.select_only([item.panel_id])
        if self.tools.press(item, hit, star, self.viewport(), pos):
            return
        if hit in (Hit.HEADER, Hit.HANDLE):
            self._begin(item, "move" if hit is Hit.HEADER else "resize", pos)

    def _begin(self, item: PanelItem, mode: str, pos: QPoint) -> None:
        scene = self.board_scene
        self._mode = mode
        self._anchor = item.panel_id
        self._press_scene = self.mapToScene(pos)
        if mode == "resize":
            ids = [item.panel_id]
        else:
            ids = [i for i in scene.selected_ids() if not scene.items_by_id[i].model.locked]
        self._start = {i: scene.geometry(i) for i in ids}
        if not self._start:
            self._mode = ""

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._mode == "pan":
            delta = pos - self._press_view
            self._press_view = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        if self._mode in ("move", "resize"):
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            moved = self.mapToScene(pos) - self._press_scene
            if self._mode == "move":
                self._drag(moved.x(), moved.y(), shift)
            else:
                self._resize(moved.x(), moved.y())
            return
        super().mouseMoveEvent(event)

    def _drag(self, dx: float, dy: float, shift: bool) -> None:
        scene = self.board_scene
        if shift and self._anchor in self._start:
            x, y, w, h = self._start[self._anchor]
            others = [scene.rect_of(p.id) for p in scene.board.panels if p.id not in self._start]
            result = snap(Rect(x + dx, y + dy, w, h), others, SNAP_PIXELS / self.zoom())
            dx, dy = result.x - x, result.y - y
            scene.set_guides(result.guides)
        else:
            scene.clear_guides()
        for panel_id, (x, y, _w, _h) in self._start.items():
            scene.items_by_id[panel_id].setPos(x + dx, y + dy)

    def _resize(self, dx: float, dy: float) -> None:
        _x, _y, w, h = self._start[self._anchor]
        item = self.board_scene.items_by_id[self._anchor]
        item.prepareGeometryChange()
        # The item reads its size from the model; the command re-applies it on release.
        item.model.width = max(MIN_WIDTH, w + dx)
        item.model.height = max(MIN_HEIGHT, h + dy)
        item.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        mode, self._mode = self._mode, ""
        if mode == "pan":
            self.viewport().unsetCursor()
            return
        if mode in ("move", "resize"):
            self._finish(mode)
            return
        super().mouseReleaseEvent(event)

    def _finish(self, mode: str) -> None:
        scene = self.board_scene
        scene.clear_guides()
        after: dict[str, Geometry] = {}
        for panel_id, (x, y, w, h) in self._start.items():
            item = scene.items_by_id[panel_id]
            if mode == "move":
                after[panel_id] = (item.pos().x(), item.pos().y(), w, h)
            else:
                after[panel_id] = (x, y, item.model.width, item.model.height)
        before, self._start = self._start, {}
        if after == before:
            return
        if mode == "resize":
            text = "Resize panel"
        else:
            text = "Move panel" if len(after) == 1 else f"Move {len(after)} panels"
        self.undo_stack.push(SetGeometry(scene, before, after, text))

    def update_hint(self) -> None:
        """Show the "add a panel" hint, centred, while the board has no panel."""
        empty = not self.board_scene.board.panels
        self.empty_hint.setVisible(empty)
        if empty:
            width = min(460, max(200, self.viewport().width() - 40))
            self.empty_hint.setFixedWidth(width)
            self.empty_hint.adjustSize()
            area = self.viewport().rect()
            hint = self.empty_hint.rect()
            self.empty_hint.move(area.center() - hint.center())

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        hint = getattr(self, "empty_hint", None)  # scrolled before it exists
        if hint is not None and hint.isVisible():  # scrolling moves the viewport's children
            self.update_hint()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.viewport():
            self.update_hint()
        return super().eventFilter(watched, event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item = self.panel_at(event.pos())
        if item is None:
            super().contextMenuEvent(event)
            return
        if not item.isSelected():
            self.board_scene.select_only([item.panel_id])
        self.panel_menu_requested.emit(item.panel_id, event.globalPos())
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.tools.editing and self.tools.before_press(event.position().toPoint()):
            super().mouseDoubleClickEvent(event)
            return
        item = self.panel_at(event.position().toPoint())
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            hit, _ = item.hit(item.mapFromScene(self.mapToScene(event.position().toPoint())))
            if hit is Hit.HEADER:
                self.start_rename(item.panel_id)
                event.accept()
                return
            if self.tools.double_click(item, hit):
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    # -- rating and lock -----------------------------------------------------------------------

    def _rate(self, item: PanelItem, star: int) -> None:
        old = item.model.rating
        new = 0 if old == star else star
        text = f"Rate {item.model.name} {new}" if new else f"Clear rating of {item.model.name}"
        self.undo_stack.push(SetField(self.board_scene, "rating", {item.panel_id: old}, new, text))

    def _toggle_lock(self, item: PanelItem) -> None:
        old = item.model.locked
        text = f"{'Unlock' if old else 'Lock'} {item.model.name}"
        self.undo_stack.push(
            SetField(self.board_scene, "locked", {item.panel_id: old}, not old, text)
        )

    # -- rename editor -------------------------------------------------------------------------

    def start_rename(self, panel_id: str) -> QLineEdit:
        item = self.board_scene.items_by_id[panel_id]
        self.cancel_rename()
        editor = QLineEdit(item.model.name, self.viewport())
        editor.setObjectName("PanelNameEditor")
        top_left = self.mapFromScene(item.scenePos())
        width = int(item.model.width * self.zoom() * 0.6)
        editor.setGeometry(top_left.x() + 4, top_left.y() + 2, max(120, width), int(HEADER) - 4)
        editor.selectAll()
        editor.returnPressed.connect(self._commit_rename)
        editor.editingFinished.connect(self._commit_rename)
        editor.show()
        editor.setFocus()
        self.editor = editor
        self._editing = panel_id
        return editor

    def _commit_rename(self) -> None:
        editor, panel_id = self.editor, self._editing
        if editor is None:
            return
        self.editor, self._editing = None, ""
        name = editor.text().strip()
        editor.hide()
        editor.deleteLater()
        self.setFocus()
        panel = self.board_scene.board.get(panel_id)
        if panel is not None and name and name != panel.name:
            self.rename_requested.emit(panel_id, name)

    def cancel_rename(self) -> None:
        if self.editor is not None:
            editor, self.editor, self._editing = self.editor, None, ""
            editor.hide()
            editor.deleteLater()

    # -- wheel and keys ------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            cursor = event.position().toPoint()
            under = self.mapToScene(cursor)
            self.set_zoom(self.zoom() * (1.15**steps))
            # Scroll so the scene point that was under the cursor is under it again.
            moved = self.mapFromScene(under) - cursor
            bars = (self.horizontalScrollBar(), self.verticalScrollBar())
            bars[0].setValue(bars[0].value() + moved.x())
            bars[1].setValue(bars[1].value() + moved.y())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.tools.editing:  # typing notes: keys go to the editor, not the canvas
            super().keyPressEvent(event)
            return
        if event.key() == Qt.Key.Key_Escape and self.editor is not None:
            self.cancel_rename()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if event.key() == Qt.Key.Key_F and not event.modifiers():
            self.fit_all()
            return
        if self.tools.key(event.key(), event.modifiers()):  # N: notes, K: play/pause
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if self.tools.editing:
            super().keyReleaseEvent(event)
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            return
        super().keyReleaseEvent(event)
