"""Layout maths for the canvas, in scene units: align, distribute, snap, grid placement.

Pure functions on :class:`Rect`; the canvas turns their results into undo commands.
Snapping compares a moving rectangle's left/centre/right and top/centre/bottom with
those of the other rectangles and pulls it onto the nearest one within a threshold
(the canvas passes 10 screen pixels divided by the zoom), returning guide lines to draw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return self.x

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def top(self) -> float:
        return self.y

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2

    @property
    def centre_y(self) -> float:
        return self.y + self.height / 2

    def moved_to(self, x: float, y: float) -> Rect:
        return Rect(x, y, self.width, self.height)

    def intersects(self, other: Rect, margin: float = 0.0) -> bool:
        return not (
            self.right + margin <= other.left
            or other.right + margin <= self.left
            or self.bottom + margin <= other.top
            or other.bottom + margin <= self.top
        )


class Edge(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    TOP = "top"
    BOTTOM = "bottom"
    CENTRE_X = "centre_x"
    CENTRE_Y = "centre_y"


Positions = dict[str, tuple[float, float]]


def align(rects: Mapping[str, Rect], edge: Edge) -> Positions:
    """New top-left positions that line every rect up on the outermost ``edge``."""
    if len(rects) < 2:
        return {k: (r.x, r.y) for k, r in rects.items()}
    values = list(rects.values())
    out: Positions = {}
    if edge is Edge.LEFT:
        left = min(r.left for r in values)
        out = {k: (left, r.y) for k, r in rects.items()}
    elif edge is Edge.RIGHT:
        right = max(r.right for r in values)
        out = {k: (right - r.width, r.y) for k, r in rects.items()}
    elif edge is Edge.TOP:
        top = min(r.top for r in values)
        out = {k: (r.x, top) for k, r in rects.items()}
    elif edge is Edge.BOTTOM:
        bottom = max(r.bottom for r in values)
        out = {k: (r.x, bottom - r.height) for k, r in rects.items()}
    elif edge is Edge.CENTRE_X:
        cx = sum(r.centre_x for r in values) / len(values)
        out = {k: (cx - r.width / 2, r.y) for k, r in rects.items()}
    else:
        cy = sum(r.centre_y for r in values) / len(values)
        out = {k: (r.x, cy - r.height / 2) for k, r in rects.items()}
    return out


def distribute(rects: Mapping[str, Rect], horizontal: bool) -> Positions:
    """Equal gaps between rects, keeping the first and last (by position) in place."""
    out: Positions = {k: (r.x, r.y) for k, r in rects.items()}
    if len(rects) < 3:
        return out
    if horizontal:
        order = sorted(rects.items(), key=lambda kv: (kv[1].x, kv[0]))
        start, end = order[0][1].left, order[-1][1].right
        total = sum(r.width for _k, r in order)
    else:
        order = sorted(rects.items(), key=lambda kv: (kv[1].y, kv[0]))
        start, end = order[0][1].top, order[-1][1].bottom
        total = sum(r.height for _k, r in order)
    gap = (end - start - total) / (len(order) - 1)
    cursor = start
    for key, r in order:
        if horizontal:
            out[key] = (cursor, r.y)
            cursor += r.width + gap
        else:
            out[key] = (r.x, cursor)
            cursor += r.height + gap
    return out


@dataclass(frozen=True)
class Guide:
    """A line to draw while snapping: vertical when ``vertical`` (at x=pos), else horizontal."""

    vertical: bool
    pos: float
    start: float
    end: float


@dataclass(frozen=True)
class Snap:
    x: float
    y: float
    guides: tuple[Guide, ...] = ()

    @property
    def snapped(self) -> bool:
        return bool(self.guides)


def _best(
    moving: tuple[float, ...], targets: Iterable[tuple[float, Rect]], threshold: float
) -> tuple[float, float, Rect] | None:
    """(offset to add, target line, target rect) of the nearest pair within threshold."""
    best: tuple[float, float, Rect] | None = None
    for line, rect in targets:
        for value in moving:
            offset = line - value
            if abs(offset) <= threshold and (best is None or abs(offset) < abs(best[0])):
                best = (offset, line, rect)
    return best


def snap(moving: Rect, others: Iterable[Rect], threshold: float) -> Snap:
    """Snap ``moving`` onto the nearest edge or centre of ``others`` within ``threshold``."""
    rects = list(others)
    xs = [(v, r) for r in rects for v in (r.left, r.centre_x, r.right)]
    ys = [(v, r) for r in rects for v in (r.top, r.centre_y, r.bottom)]
    bx = _best((moving.left, moving.centre_x, moving.right), xs, threshold)
    by = _best((moving.top, moving.centre_y, moving.bottom), ys, threshold)
    x = moving.x + (bx[0] if bx else 0.0)
    y = moving.y + (by[0] if by else 0.0)
    placed = moving.moved_to(x, y)
    guides: list[Guide] = []
    if bx is not None:
        _off, line, rect = bx
        guides.append(Guide(True, line, min(placed.top, rect.top), max(placed.bottom, rect.bottom)))
    if by is not None:
        _off, line, rect = by
        guides.append(
            Guide(False, line, min(placed.left, rect.left), max(placed.right, rect.right))
        )
    return Snap(x, y, tuple(guides))


def grid_positions(
    existing: Iterable[Rect],
    count: int,
    size: tuple[float, float],
    columns: int = 4,
    gap: float = 40.0,
    origin: tuple[float, float] = (0.0, 0.0),
) -> list[tuple[float, float]]:
    """Top-left corners for ``count`` new panels in the first free grid cells (row-major)."""
    taken = list(existing)
    width, height = size
    out: list[tuple[float, float]] = []
    cell = 0
    while len(out) < count:
        row, col = divmod(cell, max(1, columns))
        x = origin[0] + col * (width + gap)
        y = origin[1] + row * (height + gap)
        candidate = Rect(x, y, width, height)
        if not any(candidate.intersects(r, margin=gap / 2 - 0.001) for r in taken):
            out.append((x, y))
            taken.append(candidate)
        cell += 1
    return out
