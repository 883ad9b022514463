"""The print dialog and page 1 of the PDF, end to end, with a real video's first frame.

Six panels: stills with a director's Markdown notes, one panel showing a real MP4 (its
first frame comes through the canvas's frame cache into the preview and the PDF) and
one whose video file is gone (a film-strip tile with its length). The dialog is grabbed
and page 1 of the exported PDF rendered with ``pdftoppm``; set ``DC_SCREENSHOT_DIR``
(e.g. ``docs/screenshots``) to keep ``storyboard_print_dialog.png`` and
``storyboard_pdf_page1.png``. Pixels are checked; the look is judged by eye.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.core.storyboard.model import HistoryEntry, MediaKind
from directors_console.core.storyboard.sheets import layout_pages, page_size
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard.export import write_pdf
from directors_console.ui.storyboard.print_dialog import PREVIEW_WIDTH
from tests.ui.conftest import wait_until
from tests.ui.media_fixtures import FPS, make_mp4
from tests.ui.storyboard_helpers import open_board

NOTES = [
    "# EXT. ROOFTOP – NIGHT\nWind. **Lena** at the edge, the city below.\n- wide, 24 mm\n"
    "- slow push in",
    "## Close-up\nHer hands on the rail — *knuckles white*.\nSiren far off.",
    "**CLIP** — the sun crosses the water.\n- 2 s, locked off",
    "### Insert\nThe letter, ink still wet. She folds it twice, slips it into the coat "
    "pocket and looks up at the sound of the door behind her; a long beat before she "
    "turns, and the light from the stairwell spills across the roof.",
    "**Missing render** — re-queue on gpu-b.",
    "# EXT. STREET – CONTINUOUS\n- crane down\n- hold on the doorway",
]
SKIES = [("#0b1a3a", "#f28c38"), ("#1d2b53", "#7e5aa6"), ("#2b1a12", "#d0662a")]


def still(index: int) -> QImage:
    """A stand-in film still: a sky gradient, a sun and a dark skyline."""
    image = QImage(640, 360, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    top, bottom = SKIES[index % len(SKIES)]
    sky = QLinearGradient(0, 0, 0, 360)
    sky.setColorAt(0, QColor(top))
    sky.setColorAt(1, QColor(bottom))
    painter.fillRect(image.rect(), sky)
    painter.setBrush(QColor(255, 236, 180))
    painter.drawEllipse(QPointF(160 + 90 * index, 150), 30, 30)
    painter.setBrush(QColor(14, 14, 18))
    for k in range(12):
        height = 60 + (k * 37 + index * 11) % 90
        painter.drawRect(k * 56, 360 - height, 50, height)
    painter.end()
    return image


def keep(image: QImage, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert image.save(str(path))
    return path


async def test_print_dialog_and_pdf_page_with_notes_and_videos(
    window: MainWindow, services: Services, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    project = tmp_path / "Nightfall"
    tab = open_board(window, services, project)
    for _ in range(6):
        tab.act_add.trigger()
    panels = tab.scene.board.panels
    for i, panel in enumerate(panels):
        (project / panel.name).mkdir()
        panel.notes = NOTES[i]
        panel.rating = [5, 3, 4, 0, 1, 2][i]
        if i in (2, 4):
            rel = f"{panel.name}/Nightfall_{panel.name}_v2.mp4"
            entry = HistoryEntry(
                path=rel, kind=MediaKind.VIDEO, version=2, parameters={"length": 24, "fps": FPS}
            )
            if i == 2:
                await make_mp4(project / rel, frames=24, size=QSize(320, 180))
        else:
            rel = f"{panel.name}/Nightfall_{panel.name}_v1.png"
            assert still(i).save(str(project / rel))
            entry = HistoryEntry(path=rel, version=1, seed=4100 + i, template="flux-dev")
        panel.image = rel
        panel.history = [entry]
        tab.scene.refresh(panel.id)

    dialog = tab.open_export()
    assert dialog is not None
    dialog.move(40, 40)
    dialog.resize(1000, 860)  # the preview page grows with the dialog
    video_cell = layout_pages(6, dialog.options())[0].cells[2]
    page_w = page_size(dialog.options().paper, dialog.options().orientation)[0]
    spot = (
        video_cell.image.x + video_cell.image.width * 0.75,
        video_cell.image.y + video_cell.image.height * 0.5,
    )
    first = QColor.fromHsv(0, 220, 230)  # frame 0 of make_mp4: red, white bar at the left

    def is_first_frame(image: QImage, scale: float) -> bool:
        seen = image.pixelColor(round(spot[0] * scale), round(spot[1] * scale))
        return abs(seen.red() - first.red()) < 40 and seen.green() < 90

    def frame_in_preview() -> bool:
        image = dialog.preview_image
        return image is not None and is_first_frame(image, image.width() / page_w)

    # The canvas cache decodes the clip's first frame; the dialog draws the preview again.
    await wait_until(frame_in_preview, timeout=15)
    await wait_until(lambda: dialog.preview_image.width() > PREVIEW_WIDTH + 100, timeout=5)
    await wait_until(frame_in_preview, timeout=5)
    job = dialog.job()
    assert set(job.frames) == {panels[2].id}, "the gone file has no frame: a tile"
    shot = dialog.grab().toImage()
    keep(shot, "storyboard_print_dialog.png", tmp_path)
    colours = {
        shot.pixel(i, j) for i in range(0, shot.width(), 9) for j in range(0, shot.height(), 9)
    }
    assert len(colours) > 60

    pdf = tmp_path / "Nightfall.pdf"
    assert write_pdf(pdf, job) == 1
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is needed to look at the PDF")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(tmp_path / "page1")],
        check=True,
        timeout=60,
    )
    page = QImage(str(tmp_path / "page1.png"))
    assert is_first_frame(page, 110 / 72), "the first frame is in the PDF"
    keep(page, "storyboard_pdf_page1.png", tmp_path)
    dialog.close()
