"""The storyboard scene: keeps panel items in step with the core :class:`Board`.

Undo commands change the board only through these methods, which update the model
and its item together and emit ``board_changed`` (the tab autosaves on it). The scene
also draws the red snap guides in the foreground while a Shift-drag is snapping.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from directors_console.core.storyboard.layout import Guide, Rect
from directors_console.core.storyboard.model import Board, Panel
from directors_console.ui.storyboard.media import PanelMedia
from directors_console.ui.storyboard.panel_item import PanelItem

GUIDE_COLOUR = QColor("#ff3b3b")
GRID_COLOUR = QColor("#363944")
GRID_STEP = 40.0
Geometry = tuple[float, float, float, float]  # x, y, width, height


def _cache_mode(cached: bool) -> QGraphicsItem.CacheMode:
    if cached:
        return QGraphicsItem.CacheMode.DeviceCoordinateCache
    return QGraphicsItem.CacheMode.NoCache


class BoardScene(QGraphicsScene):
    board_changed = Signal()
    image_wanted = Signal(str, str)  # panel id, absolute image path

    def __init__(self) -> None:
        super().__init__()
        self.board = Board()
        self.folder: Path | None = None
        self.items_by_id: dict[str, PanelItem] = {}
        self.media = PanelMedia(self)  # version thumbnails and video first frames
        self.guides: tuple[Guide, ...] = ()
        self.cached = True  # items keep a device-pixel cache (off while zooming far out)
        self.setBackgroundBrush(QColor("#1b1d22"))
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)

    # -- whole board --------------------------------------------------------------------------

    def set_board(self, board: Board, folder: Path | None) -> None:
        self.clear_guides()
        for item in self.items_by_id.values():
            self.removeItem(item)
        self.items_by_id.clear()
        self.board = board
        self.folder = folder
        self.media.clear()
        for panel in board.panels:
            self._add_item(panel)

    def set_cached(self, cached: bool) -> None:
        """Item caches on or off. A zoom step re-renders every visible item's device
        cache; zoomed far out (1,000 panels in view, each a few rectangles) drawing them
        directly is cheaper, so the view turns caching off while such zooming goes on
        and back on when it stops (panning then reuses the caches)."""
        if cached == self.cached:
            return
        self.cached = cached
        for item in self.items_by_id.values():
            item.setCacheMode(_cache_mode(cached))

    def _add_item(self, panel: Panel) -> PanelItem:
        item = PanelItem(panel, self.media)
        item.setCacheMode(_cache_mode(self.cached))
        self.addItem(item)
        self.items_by_id[panel.id] = item
        self.request_image(panel)
        return item

    def request_image(self, panel: Panel) -> None:
        if panel.image and self.folder is not None:
            path = Path(panel.image)
            absolute = path if path.is_absolute() else self.folder / path
            self.image_wanted.emit(panel.id, str(absolute))
        elif panel.id in self.items_by_id:
            self.items_by_id[panel.id].set_image(None)

    def set_image(self, panel_id: str, image: QImage | None) -> None:
        item = self.items_by_id.get(panel_id)
        if item is not None:
            item.set_image(image)

    # -- edits used by undo commands ---------------------------------------------------------

    def insert_panel(self, panel: Panel, index: int | None = None) -> None:
        if index is None or index > len(self.board.panels):
            index = len(self.board.panels)
        self.board.panels.insert(index, panel)
        self._add_item(panel)
        self.board_changed.emit()

    def remove_panel(self, panel_id: str) -> tuple[Panel, int]:
        index = self.board.index_of(panel_id)
        panel = self.board.panels.pop(index)
        item = self.items_by_id.pop(panel_id)
        self.removeItem(item)
        self.board_changed.emit()
        return panel, index

    def set_geometry(self, panel_id: str, geometry: Geometry) -> None:
        panel = self.board.get(panel_id)
        if panel is None:
            return
        x, y, w, h = geometry
        panel.x, panel.y, panel.width, panel.height = x, y, w, h
        self.items_by_id[panel_id].sync()
        self.board_changed.emit()

    def set_field(self, panel_id: str, field: str, value: object) -> None:
        panel = self.board.get(panel_id)
        if panel is None:
            return
        setattr(panel, field, value)
        self.items_by_id[panel_id].sync()
        self.board_changed.emit()

    def refresh(self, panel_id: str) -> None:
        if panel_id in self.items_by_id:
            self.items_by_id[panel_id].sync()
        self.board_changed.emit()

    # -- queries -------------------------------------------------------------------------------

    def geometry(self, panel_id: str) -> Geometry:
        panel = self.board.get(panel_id)
        if panel is None:
            raise KeyError(panel_id)
        return (panel.x, panel.y, panel.width, panel.height)

    def rect_of(self, panel_id: str) -> Rect:
        return Rect(*self.geometry(panel_id))

    def selected_ids(self) -> list[str]:
        """Selected panels in board order (stable for commands and tests)."""
        chosen = {i.panel_id for i in self.selectedItems() if isinstance(i, PanelItem)}
        return [p.id for p in self.board.panels if p.id in chosen]

    def select_only(self, ids: list[str]) -> None:
        self.clearSelection()
        for panel_id in ids:
            item = self.items_by_id.get(panel_id)
            if item is not None:
                item.setSelected(True)

    def panels_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.items_by_id.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # -- snap guides ---------------------------------------------------------------------------

    def set_guides(self, guides: tuple[Guide, ...]) -> None:
        if guides != self.guides:
            self.guides = guides
            self.update()

    def clear_guides(self) -> None:
        self.set_guides(())

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        super().drawBackground(painter, rect)
        scale = painter.worldTransform().m11()
        if scale < 0.35:
            return
        # A faint dot grid, so the canvas reads as a surface you can place things on.
        area = QRectF(rect)
        step = GRID_STEP
        left = math.floor(area.left() / step) * step
        top = math.floor(area.top() / step) * step
        pen = QPen(GRID_COLOUR, 2.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        points = []
        y = top
        while y < area.bottom():
            x = left
            while x < area.right():
                points.append(QPointF(x, y))
                x += step
            y += step
        painter.drawPoints(points)

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        if not self.guides:
            return
        pen = QPen(GUIDE_COLOUR, 1.5)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for g in self.guides:
            if g.vertical:
                painter.drawLine(QLineF(g.pos, g.start - 20, g.pos, g.end + 20))
            else:
                painter.drawLine(QLineF(g.start - 20, g.pos, g.end + 20, g.pos))
