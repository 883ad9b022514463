"""The Gallery tab in the real program under Xvfb, driven by real (XTEST) mouse and keys.

A project with four solid-colour images in its root folder and an empty sub-folder
``keep`` is written before launch. The test finds each thumbnail on screen by its
colour, right-clicks one and picks Trash from the context menu, restores it from the
trash bin, then drags another thumbnail onto ``keep`` in the folder tree (the row under
the highlighted project row) and checks the files on disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from directors_console.core.events import EventBus
from directors_console.core.project import ProjectService
from directors_console.core.settings import SettingsStore
from tests.desktop.conftest import RunningApp, XDisplay, assert_clean_exit
from tests.desktop.test_storyboard_mouse import drag, mouse
from tests.desktop.test_window import screenshot_of_window

pytestmark = pytest.mark.desktop

Launch = Callable[..., RunningApp]
COLOURS = {
    "a_red": (230, 20, 20),
    "b_green": (20, 200, 40),
    "c_blue": (30, 60, 230),
    "d_magenta": (220, 30, 220),
}
HIGHLIGHT = (0xC9, 0x8A, 0x1C)  # the dark theme's selection colour


def make_project(folder: Path, config_dir: Path) -> Path:
    ProjectService(SettingsStore(config_dir), EventBus()).new(folder, "Gallery mouse")
    for name, colour in COLOURS.items():
        Image.new("RGB", (320, 200), colour).save(folder / f"{name}.png")
    (folder / "keep").mkdir()
    return folder


def find_colour(
    shot: Path, colour: tuple[int, int, int], region: tuple[int, int, int, int] | None = None
) -> tuple[int, int, int, int] | None:
    """Bounding box of pixels within a small tolerance of ``colour`` (JPEG thumbnails)."""
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
    if region is not None:
        rgb = rgb.crop(region)
    bands = rgb.split()
    mask = None
    for band, c in zip(bands, colour, strict=True):
        m = band.point(lambda v, c=c: 255 if abs(v - c) <= 12 else 0)
        mask = m if mask is None else Image.composite(m, mask.point(lambda _v: 0), mask)
    assert mask is not None
    box = mask.getbbox()
    if box is None or region is None:
        return box
    return (box[0] + region[0], box[1] + region[1], box[2] + region[0], box[3] + region[1])


def centre(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)


def wait_for(check: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def wait_tiles(display: XDisplay, shot: Path, names: list[str]) -> dict[str, tuple[int, ...]]:
    boxes: dict[str, tuple[int, ...]] = {}

    def found() -> bool:
        display.screenshot(shot)
        boxes.clear()
        for name in names:
            box = find_colour(shot, COLOURS[name])
            if box is None or box[2] - box[0] < 40:
                return False
            boxes[name] = box
        return True

    wait_for(found, f"thumbnails of {names} (see {shot})")
    return boxes


def test_trash_restore_and_drag_to_folder_with_the_mouse(
    launch: Launch, xdisplay: XDisplay, tmp_path: Path
) -> None:
    folder = make_project(tmp_path / "Film", tmp_path / "seed")
    app = launch("--project", str(folder))
    window = app.wait_window()
    screenshot_of_window(xdisplay, window, tmp_path / "g-0-start.png")
    wx, wy, ww, wh = xdisplay.geometry(window)
    xdisplay.focus(window)
    xdisplay.key(window, "ctrl+4")
    boxes = wait_tiles(xdisplay, tmp_path / "g-1-tiles.png", list(COLOURS))

    # 1. Right-click the green tile, then Trash (7th enabled entry: Open, Reveal, Copy
    #    Path, Rename, Move to, New Folder and Move, Trash; Batch Rename is disabled for
    #    one file and skipped) with the menu's own keyboard navigation.
    green = centre(boxes["b_green"])  # type: ignore[arg-type]
    mouse(xdisplay, "mousemove", "--sync", str(green[0]), str(green[1]), "click", "3")
    time.sleep(0.5)
    xdisplay.screenshot(tmp_path / "g-2-menu.png")
    xdisplay.tool("xdotool", "key", *(["Down"] * 7), "Return")
    wait_for(lambda: not (folder / "b_green.png").exists(), "the green image to be trashed")
    assert list((folder / ".gallery" / ".trash").rglob("b_green.png"))

    # 2. Open the trash bin (Alt+T, the button's mnemonic) and restore (Alt+R).
    xdisplay.key(window, "alt+t")
    time.sleep(0.5)
    xdisplay.screenshot(tmp_path / "g-3-trash.png")
    xdisplay.key(window, "alt+r")
    wait_for(lambda: (folder / "b_green.png").exists(), "the green image to be restored")
    time.sleep(0.5)
    xdisplay.key(window, "alt+b")  # Back to the files
    time.sleep(0.3)

    # 3. Drag the blue tile onto "keep": the row under the highlighted project row.
    shot = tmp_path / "g-4-before-drag.png"
    xdisplay.screenshot(shot)
    tree_region = (wx, wy, wx + ww // 4, wy + wh)
    root_row = find_colour(shot, HIGHLIGHT, tree_region)
    assert root_row is not None, f"no selected folder row in the tree ({shot})"
    row_h = root_row[3] - root_row[1]
    keep = (root_row[0] + 60, root_row[3] + row_h // 2 + 1)
    boxes = wait_tiles(xdisplay, tmp_path / "g-5-tiles.png", ["a_red", "c_blue"])
    blue = centre(boxes["c_blue"])  # type: ignore[arg-type]
    drag(xdisplay, blue, keep, steps=12)
    wait_for(lambda: (folder / "keep" / "c_blue.png").exists(), "the blue image in keep/")
    assert not (folder / "c_blue.png").exists()
    xdisplay.screenshot(tmp_path / "g-6-dropped.png")

    xdisplay.close_request(window)
    assert_clean_exit(app, app.wait_exit())
