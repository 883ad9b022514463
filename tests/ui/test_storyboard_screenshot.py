"""A screenshot of the Storyboard tab: eight panels with images, ratings and states, three
selected, caught in the middle of a Shift-drag with its red snap guide.

Images go to tmp_path; set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep them.
The test checks the pixels are not blank and that the guide is drawn; the look is judged
by eye.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPolygonF
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.core.storyboard.model import HistoryEntry, PanelStatus
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.main_window import MainWindow
from tests.ui.conftest import wait_until
from tests.ui.storyboard_helpers import SHIFT, header, move, open_board, press, release

SKIES = [
    ("#0b1a3a", "#f28c38"),
    ("#1d2b53", "#7e5aa6"),
    ("#87b6de", "#e8eef4"),
    ("#2b1a12", "#d0662a"),
    ("#0a0f1c", "#314a7a"),
    ("#5c7fa3", "#d8c7a6"),
    ("#1a2a1f", "#6f8f5a"),
    ("#3a0f1f", "#f05a5a"),
]


def frame(index: int, width: int = 640, height: int = 360) -> QImage:
    """A small stand-in film still: sky gradient, sun, hills and a figure."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    top, bottom = SKIES[index % len(SKIES)]
    sky = QLinearGradient(0, 0, 0, height)
    sky.setColorAt(0, QColor(top))
    sky.setColorAt(1, QColor(bottom))
    painter.fillRect(image.rect(), sky)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 236, 180, 220))
    painter.drawEllipse(QPointF(width * (0.2 + 0.08 * index), height * 0.42), 34, 34)
    for layer, shade in enumerate((70, 40, 20)):
        points = [QPointF(0, height)]
        for x in range(0, width + 40, 40):
            wave = math.sin(x / (90 + 30 * layer) + index + layer) * 22
            points.append(QPointF(x, height * (0.62 + 0.1 * layer) + wave))
        points.append(QPointF(width, height))
        painter.setBrush(QColor(shade, shade + 8, shade + 14))
        painter.drawPolygon(QPolygonF(points))
    painter.setBrush(QColor(12, 12, 14))
    fx = width * (0.55 + 0.04 * (index % 3))
    painter.drawEllipse(QPointF(fx, height * 0.6), 9, 9)
    painter.drawRect(QRectF(fx - 8, height * 0.6 + 8, 16, 42))
    painter.end()
    return image


def save(image: QImage, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert image.save(str(path))
    return path


async def test_screenshot_of_a_storyboard(
    window: MainWindow, services: Services, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    window.resize(1500, 900)
    project = tmp_path / "Nightfall"
    tab = open_board(window, services, project)
    for _ in range(8):
        tab.act_add.trigger()
    panels = tab.scene.board.panels
    notes = {
        2: (PanelStatus.GENERATING, "Phase 1/2 · KSampler · Step 5/14 · 38%"),
        6: (PanelStatus.ERROR, "gpu-b went offline; queued again"),
    }
    for i, panel in enumerate(panels):
        panel.rating = [5, 3, 0, 4, 2, 0, 1, 4][i]
        if i in (5,):
            continue  # one panel without an image yet
        folder = project / panel.name
        folder.mkdir()
        rel = f"{panel.name}/Nightfall_{panel.name}_v{i % 3 + 1}.png"
        assert frame(i).save(str(project / rel))
        panel.image = rel
        panel.history = [HistoryEntry(path=rel, version=i % 3 + 1, seed=1000 + i)]
        panel.status = PanelStatus.COMPLETE
        if i in notes:
            panel.status, panel.status_text = notes[i]
        tab.scene.request_image(panel)
    panels[3].locked = True
    panels[5].name = "Panel_06 close-up"
    for panel in panels:
        tab.scene.refresh(panel.id)
    await wait_until(lambda: sum(i.image is not None for i in tab.scene.items_by_id.values()) == 7)
    # Nudge panel 7 off the grid, then catch a Shift-drag that snaps it into its column.
    mover = panels[6]
    tab.scene.set_geometry(mover.id, (mover.x + 23, mover.y + 250, mover.width, mover.height))
    tab.view.fit_all()
    grab = header(tab, mover)
    press(tab, grab, SHIFT)
    move(tab, grab + QPoint(-10, -20), SHIFT)
    move(tab, grab + QPoint(-15, -42), SHIFT)
    # Show a multi-selection too (the drag in progress moves only the panel it grabbed).
    tab.scene.select_only([panels[0].id, panels[1].id, mover.id])
    assert tab.scene.guides, "the drag should be snapping"
    shot = tab.grab().toImage()
    path = save(shot, "storyboard.png", tmp_path)
    release(tab, grab + QPoint(-15, -42), SHIFT)
    assert path.exists()
    colours = {
        shot.pixel(x, y) for x in range(0, shot.width(), 13) for y in range(0, shot.height(), 11)
    }
    assert len(colours) > 50
    await wait_until(lambda: tab.save_count >= 1, timeout=5)
