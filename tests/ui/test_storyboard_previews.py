"""Live sampler previews in the Storyboard's progress sidebar, from a fake ComfyUI server.

The fake KSampler sends a JPEG preview (one flat colour from the seed and node id)
with every step; the engine passes a few per second to the tab, and the job's row
shows it as a small image: the pixels are the colour the server drew. The screenshot
goes to tmp_path, or to ``DC_SCREENSHOT_DIR`` (docs/screenshots) when set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSpinBox

from directors_console.app.services import Services
from directors_console.core.farm.engine import FarmEngine
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard.progress_panel import decode_preview
from tests.fakes.comfy_nodes import _seed_color
from tests.ui.conftest import wait_until
from tests.ui.farm_helpers import Servers, add_nodes, engine, quiet_teardown, servers
from tests.ui.storyboard_helpers import open_dark_board

__all__ = ["engine", "servers"]  # fixtures used below

CKPT = "v1-5-pruned-emaonly-fp16.safetensors"
SEED = 41


def _close(a: QColor, b: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(
        abs(x - y) <= tolerance for x, y in zip((a.red(), a.green(), a.blue()), b, strict=True)
    )


@quiet_teardown
async def test_progress_rows_show_sampler_previews(
    make_window: Callable[[], MainWindow],
    services: Services,
    engine: FarmEngine,
    servers: Servers,
    tmp_path: Path,
) -> None:
    window, tab = open_dark_board(make_window, services, tmp_path / "Nightfall", (1500, 900))
    gen = tab.generation
    server = await servers(step_delay=0.1, models={"checkpoints": [CKPT]})
    add_nodes(services, engine, **{"studio-4090": server.url})
    window.attach_farm(engine)
    await wait_until(lambda: len(gen._online()) == 1, 10)

    panel = tab.add_panel()
    assert panel is not None
    side = gen.sidebar
    assert side.select_template("sd15_txt2img")
    steps = side.findChild(QSpinBox, "param_steps")
    assert steps is not None
    steps.setValue(30)
    for name, value in (("param_seed", str(SEED)),):
        field = next(f for f in side.fields if f.widget.objectName() == name)
        field.widget.setText(value)  # type: ignore[attr-defined]
    side.set_prompt("a lighthouse in a storm", "")
    tab.scene.select_only([panel.id])
    side.variations.setValue(2)
    job, _second = gen.generate()
    row = gen.progress.rows[job.id]
    assert not row.preview.isVisible()

    await wait_until(lambda: row.previews >= 2, 15)
    assert row.preview.isVisible()
    pixmap = row.preview.pixmap()
    assert not pixmap.isNull() and max(pixmap.width(), pixmap.height()) <= 64 * 2
    centre = pixmap.toImage().pixelColor(pixmap.width() // 2, pixmap.height() // 2)
    assert _close(centre, _seed_color(SEED, "3")), centre.name()
    # Throttled: 30 steps at 0.1 s send ~one preview per step; far fewer are shown.
    step = int(row.text.text().split("Step ")[1].split("/")[0]) if "Step " in row.text.text() else 0
    assert row.previews <= max(3, step // 2 + 2)

    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    tab.view.fit_all()
    await wait_until(lambda: "Step" in row.text.text(), 5)
    cancel = row.cancel.mapTo(gen.progress, row.cancel.rect().topRight())
    assert cancel.x() < gen.progress.width(), "the cancel button is off the sidebar"
    shot = gen.progress.grab(QRect(0, 0, gen.progress.width(), 300))
    shot.save(str(folder / "storyboard_progress.png"))
    window.grab().save(str(tmp_path / "window.png"))

    for job_id in list(gen.progress.rows):
        gen.progress.rows[job_id].cancel.click()
    await wait_until(lambda: not gen.progress.rows, 15)


def test_unreadable_preview_bytes_are_ignored() -> None:
    assert decode_preview(b"not an image", 64) is None
