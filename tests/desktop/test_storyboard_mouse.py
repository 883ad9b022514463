"""The Storyboard canvas in the real program under Xvfb, driven by real (XTEST) mouse input.

A project with four coloured panels is written through the core store before launch.
The test finds each panel on screen by its image colour (so it needs no knowledge of the
view's zoom or scroll: the zoom is the image's width on screen over its width in the
scene), drags one panel by its header, marquee-selects three panels on empty canvas and
clicks "Align top" (found as the toolbar text that lights up when the selection enables
it). After a close request the saved project.json must show both edits.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from directors_console.core.events import EventBus
from directors_console.core.project import ProjectService
from directors_console.core.settings import SettingsStore
from directors_console.core.storyboard.model import Board, Panel
from directors_console.core.storyboard.store import StoryboardStore
from directors_console.ui.storyboard.panel_item import FOOTER, GAP, HEADER, NOTES_EMPTY_H, PAD
from tests.desktop.conftest import RunningApp, XDisplay, assert_clean_exit
from tests.desktop.test_window import screenshot_of_window

pytestmark = pytest.mark.desktop

Launch = Callable[..., RunningApp]
W, H = 320.0, 230.0
# The image area of a panel without notes or versions (the "Add notes…" line below it);
# images of exactly that size fill it, so their screen size gives the zoom.
IMAGE_W, IMAGE_H = int(W - 2 * PAD), int(H - HEADER - FOOTER - 4 - NOTES_EMPTY_H - GAP)
COLOURS = {  # name -> (colour, scene x, scene y)
    "Red": ((230, 20, 20), 0.0, 0.0),
    "Green": ((20, 200, 40), 360.0, 40.0),
    "Blue": ((30, 60, 230), 720.0, -30.0),
    "Yellow": ((240, 220, 20), 0.0, 330.0),
}
DRAG = (60, 45)  # screen pixels


def make_project(folder: Path, config_dir: Path) -> Path:
    project = ProjectService(SettingsStore(config_dir), EventBus()).new(folder, "Mouse test")
    panels = []
    for name, (colour, x, y) in COLOURS.items():
        Image.new("RGB", (IMAGE_W, IMAGE_H), colour).save(folder / f"{name}.png")
        panels.append(Panel(name=name, x=x, y=y, image=f"{name}.png"))
    StoryboardStore().save_board(project, Board(panels=panels))
    return folder


def saved_panels(folder: Path) -> dict[str, Panel]:
    doc = json.loads((folder / "project.json").read_text("utf-8"))
    return {p.name: p for p in Board.model_validate(doc["storyboard"]).panels}


def find_colour(shot: Path, colour: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the pixels of exactly ``colour``."""
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
    r, g, b = colour
    bands = rgb.split()
    masks = [
        band.point(lambda v, c=c: 255 if abs(v - c) <= 2 else 0)
        for band, c in zip(bands, (r, g, b), strict=True)
    ]
    mask = masks[0]
    for other in masks[1:]:
        mask = ImageChops.multiply(mask, other)
    return mask.getbbox()


class Screen:
    """Where the panels are on screen, found in a screenshot."""

    def __init__(self, display: XDisplay, shot: Path) -> None:
        display.screenshot(shot)
        self.shot = shot
        self.boxes: dict[str, tuple[int, int, int, int]] = {}
        for name, (colour, _x, _y) in COLOURS.items():
            box = find_colour(shot, colour)
            assert box is not None, f"panel {name} is not on screen ({shot})"
            self.boxes[name] = box
        left, _top, right, _bottom = self.boxes["Red"]
        self.zoom = (right - left) / IMAGE_W

    def point(self, name: str, sx: float, sy: float) -> tuple[int, int]:
        """Screen position of the scene point (panel x + sx, panel y + sy)."""
        left, top, _r, _b = self.boxes[name]
        return (round(left + (sx - PAD) * self.zoom), round(top + (sy - HEADER - 2) * self.zoom))


def mouse(display: XDisplay, *args: str) -> None:
    display.tool("xdotool", *args)


def drag(display: XDisplay, start: tuple[int, int], end: tuple[int, int], steps: int = 8) -> None:
    mouse(display, "mousemove", "--sync", str(start[0]), str(start[1]))
    time.sleep(0.1)
    mouse(display, "mousedown", "1")
    for i in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * i // steps
        y = start[1] + (end[1] - start[1]) * i // steps
        mouse(display, "mousemove", "--sync", str(x), str(y))
        time.sleep(0.03)
    time.sleep(0.1)
    mouse(display, "mouseup", "1")
    time.sleep(0.3)


CANVAS_BG = (27, 29, 34)


def canvas_span(shot: Path, y: int) -> tuple[int, int]:
    """Left and right of the widest stretch of canvas background on screen row ``y``."""
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
    runs: list[list[int]] = []
    for x in range(rgb.width):
        pixel = rgb.getpixel((x, y))
        assert isinstance(pixel, tuple)
        if max(abs(a - b) for a, b in zip(pixel, CANVAS_BG, strict=False)) <= 1:
            if runs and x - runs[-1][1] <= 4:  # the grid dots are 2 px
                runs[-1][1] = x
            else:
                runs.append([x, x])
    assert runs, f"no canvas on row {y} of {shot}"
    left, right = max(runs, key=lambda r: r[1] - r[0])
    assert right - left > 200, f"canvas too narrow on row {y}: {runs}"
    return (left, right)


def _diff(before: Path, after: Path) -> Image.Image:
    with Image.open(before) as a, Image.open(after) as b:
        return ImageChops.difference(a.convert("L"), b.convert("L"))


def changed_columns(
    before: Path, after: Path, row: tuple[int, int], span: tuple[int, int]
) -> list[tuple[int, int]]:
    """Runs of columns in ``span`` where the band of rows ``row`` differs between shots."""
    diff = _diff(before, after)
    band = diff.crop((span[0], row[0], span[1], row[1])).point(lambda v: 255 if v > 40 else 0)
    cols = [x for x in range(band.width) if band.crop((x, 0, x + 1, band.height)).getbbox()]
    runs: list[tuple[int, int]] = []
    for x in cols:
        if runs and x - runs[-1][1] <= 9:  # a word gap, not a gap between buttons
            runs[-1] = (runs[-1][0], x)
        else:
            runs.append((x, x))
    return [(span[0] + a, span[0] + b) for a, b in runs]


def changed_rows(
    before: Path, after: Path, top: int, bottom: int, span: tuple[int, int]
) -> list[int]:
    diff = _diff(before, after)
    band = diff.crop((span[0], top, span[1], bottom)).point(lambda v: 255 if v > 40 else 0)
    return [top + y for y in range(band.height) if band.crop((0, y, band.width, y + 1)).getbbox()]


def test_drag_marquee_and_align_with_the_real_mouse(
    launch: Launch, xdisplay: XDisplay, tmp_path: Path
) -> None:
    folder = make_project(tmp_path / "Film", tmp_path / "seed")
    app = launch("--project", str(folder))
    window = app.wait_window()
    screenshot_of_window(xdisplay, window, tmp_path / "sb-0-start.png")
    _wx, wy, _ww, wh = xdisplay.geometry(window)
    xdisplay.focus(window)
    xdisplay.key(window, "ctrl+2")
    time.sleep(0.5)

    # Panels were fitted while the tab was hidden: focus the canvas (click on empty
    # canvas, found by its colour) and fit all with F.
    canvas = _wait_canvas(xdisplay, tmp_path / "sb-1-tab.png", wy + wh // 2)
    middle = ((canvas[0] + canvas[1]) // 2, wy + wh // 2)
    mouse(xdisplay, "mousemove", "--sync", str(middle[0]), str(middle[1]), "click", "1")
    xdisplay.key(window, "f")
    time.sleep(0.5)
    screen = _wait_screen(xdisplay, tmp_path / "sb-2-fitted.png")
    zoom = screen.zoom
    assert 0.1 <= zoom <= 1.0 + 1e-3, zoom
    # The canvas's full width, measured on a row between the toolbar and the fitted
    # panels (before fitting, panels may have covered the middle row's left part).
    top = min(box[1] for box in screen.boxes.values()) - round((HEADER + 12) * zoom)
    canvas = canvas_span(screen.shot, top)

    # 1. Drag Green by its header.
    start = screen.point("Green", 60, HEADER / 2)
    drag(xdisplay, start, (start[0] + DRAG[0], start[1] + DRAG[1]))
    moved = Screen(xdisplay, tmp_path / "sb-3-dragged.png")
    gl, gt, _, _ = moved.boxes["Green"]
    ol, ot, _, _ = screen.boxes["Green"]
    assert (gl - ol, gt - ot) == DRAG, "the panel follows the mouse pixel for pixel"
    # The autosave (about a second after the drop) has the move in scene units.
    dragged = _wait_saved(folder, "Green", lambda p: p.x != 360.0)
    tolerance = 1.0 / zoom + 0.5
    assert abs(dragged.x - 360.0 - DRAG[0] / zoom) <= tolerance, (dragged, zoom)
    assert abs(dragged.y - 40.0 - DRAG[1] / zoom) <= tolerance, (dragged, zoom)

    # 2. Marquee over Red, Green and Blue from empty canvas above-left of Red.
    before = moved.shot
    corner = moved.point("Red", -20, -60)
    far = moved.point("Blue", W + 20, 0)
    end = (far[0], moved.point("Red", 0, H - 30)[1])  # above Yellow
    assert end[1] < moved.point("Yellow", 0, 0)[1]
    drag(xdisplay, corner, end)
    selected = Screen(xdisplay, tmp_path / "sb-4-selected.png").shot

    # 3. "Align top" lights up once two or more are selected: find it in the toolbar band
    # (the rows above the canvas that changed) and click it.
    panels_top = min(moved.point(n, 0, 0)[1] for n in ("Red", "Green", "Blue")) - 5
    rows = changed_rows(before, selected, wy, panels_top, canvas)
    assert rows, "no toolbar change after the selection (see sb-4-selected.png)"
    toolbar = (min(rows), max(rows) + 1)
    runs = changed_columns(before, selected, toolbar, canvas)
    # Align left, Align right, Align top, Align bottom, Distribute ↔, Distribute ↕
    assert len(runs) >= 4, f"toolbar labels that changed: {runs}"
    top_button = runs[2]
    click = ((top_button[0] + top_button[1]) // 2, (toolbar[0] + toolbar[1]) // 2)
    mouse(xdisplay, "mousemove", "--sync", str(click[0]), str(click[1]), "click", "1")
    time.sleep(0.5)
    Screen(xdisplay, tmp_path / "sb-5-aligned.png")

    xdisplay.close_request(window)
    assert_clean_exit(app, app.wait_exit())
    panels = saved_panels(folder)
    # Align top moved Green up to the top of the three; only y changed.
    assert panels["Green"].x == pytest.approx(dragged.x), "Align top changed only y"
    tops = {n: panels[n].y for n in ("Red", "Green", "Blue")}
    assert len(set(tops.values())) == 1, f"not aligned: {tops}"
    assert tops["Red"] == -30.0, "aligned to the topmost panel (Blue)"
    assert panels["Yellow"].y == 330.0 and panels["Yellow"].x == 0.0


def _wait_saved(
    folder: Path, name: str, check: Callable[[Panel], bool], timeout: float = 10.0
) -> Panel:
    deadline = time.monotonic() + timeout
    while True:
        panel = saved_panels(folder)[name]
        if check(panel):
            return panel
        if time.monotonic() > deadline:
            pytest.fail(f"project.json never showed the change of {name}: {panel}")
        time.sleep(0.2)


def _wait_canvas(display: XDisplay, shot: Path, y: int, timeout: float = 10.0) -> tuple[int, int]:
    """The canvas span once the Storyboard tab is on screen (a loaded machine is slow)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return canvas_span(display.screenshot(shot), y)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _wait_screen(display: XDisplay, shot: Path, timeout: float = 10.0) -> Screen:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return Screen(display, shot)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
