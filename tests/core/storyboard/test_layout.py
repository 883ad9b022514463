"""Alignment, distribution, snapping (threshold edges) and grid placement."""

from __future__ import annotations

import pytest

from directors_console.core.storyboard.layout import (
    Edge,
    Rect,
    align,
    distribute,
    grid_positions,
    snap,
)

RECTS = {
    "a": Rect(0, 0, 100, 50),
    "b": Rect(150, 30, 50, 80),
    "c": Rect(400, -20, 120, 60),
}


@pytest.mark.parametrize(
    ("edge", "expected"),
    [
        (Edge.LEFT, {"a": (0, 0), "b": (0, 30), "c": (0, -20)}),
        (Edge.RIGHT, {"a": (420, 0), "b": (470, 30), "c": (400, -20)}),
        (Edge.TOP, {"a": (0, -20), "b": (150, -20), "c": (400, -20)}),
        (Edge.BOTTOM, {"a": (0, 60), "b": (150, 30), "c": (400, 50)}),
    ],
)
def test_align(edge: Edge, expected: dict[str, tuple[float, float]]):
    assert align(RECTS, edge) == expected


def test_align_single_rect_is_a_no_op():
    assert align({"a": RECTS["a"]}, Edge.RIGHT) == {"a": (0, 0)}


def test_distribute_horizontally_keeps_ends_and_equalises_gaps():
    out = distribute(RECTS, horizontal=True)
    assert out["a"] == (0, 0) and out["c"] == (400, -20)
    # total span 520, widths 270 -> two gaps of 125
    assert out["b"] == (225, 30)


def test_distribute_vertically():
    rects = {"a": Rect(0, 0, 10, 10), "b": Rect(0, 15, 10, 10), "c": Rect(0, 100, 10, 20)}
    out = distribute(rects, horizontal=False)
    assert out == {"a": (0, 0), "b": (0, 50), "c": (0, 100)}


def test_distribute_needs_three():
    two = {"a": RECTS["a"], "b": RECTS["b"]}
    assert distribute(two, horizontal=True) == {"a": (0, 0), "b": (150, 30)}


OTHER = Rect(200, 0, 100, 100)


@pytest.mark.parametrize(
    ("dx", "snaps"),
    [(9.9, True), (10.0, True), (10.1, False), (-9.9, True), (-10.1, False)],
)
def test_snap_threshold_edges(dx: float, snaps: bool):
    # moving's left lands dx away from OTHER's right edge (300); y far from any line
    moving = Rect(300 + dx, 500, 50, 50)
    result = snap(moving, [OTHER], threshold=10.0)
    if snaps:
        assert result.x == pytest.approx(300)
        assert [g.vertical for g in result.guides] == [True]
        guide = result.guides[0]
        assert guide.pos == 300 and guide.start == 0 and guide.end == 550
    else:
        assert result.x == moving.x and not result.snapped
    assert result.y == 500


def test_snap_threshold_in_scene_units_at_zoom_two():
    # 10 screen px at zoom 2 = 5 scene units: 4.95 snaps, 5.05 does not
    assert snap(Rect(304.95, 500, 50, 50), [OTHER], 10 / 2).snapped
    assert not snap(Rect(305.05, 500, 50, 50), [OTHER], 10 / 2).snapped


def test_snap_picks_nearest_line_and_both_axes():
    moving = Rect(196, 43, 100, 110)  # left 4 from 200; top 7 from 50, centre_y 2 from 100
    result = snap(moving, [OTHER], threshold=10)
    assert (result.x, result.y) == (200, 45)
    assert {g.vertical for g in result.guides} == {True, False}


def test_snap_centres():
    moving = Rect(0, 0, 40, 40)  # centre_x 20
    target = Rect(-80, 300, 196, 10)  # centre_x 18
    result = snap(moving, [target], 10)
    assert result.x == pytest.approx(-2)


def test_grid_positions_fill_free_cells():
    size = (100.0, 50.0)
    existing = [Rect(0, 0, 100, 50), Rect(280, 0, 100, 50)]
    out = grid_positions(existing, 3, size, columns=3, gap=40)
    assert out == [(140, 0), (0, 90), (140, 90)]


def test_grid_positions_empty_board():
    out = grid_positions([], 5, (10.0, 10.0), columns=2, gap=5, origin=(1, 2))
    assert out == [(1, 2), (16, 2), (1, 17), (16, 17), (1, 32)]
