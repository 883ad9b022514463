"""A screenshot of the Orchestrator tab with a live farm: three nodes (one offline) and
jobs in every state, in the main window beside the Render Farm dock.

Images go to tmp_path; set ``DC_SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to keep
them. The test only checks the pixels are not blank: the look is judged by eye.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.core.farm.engine import FarmEngine
from directors_console.core.farm.jobs import JobState
from directors_console.core.settings import RenderNodeConfig
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.main_window import MainWindow
from directors_console.ui.orchestrator import OrchestratorTab
from tests.ui.conftest import wait_until
from tests.ui.farm_helpers import (
    Servers,
    engine,
    failing,
    gpu,
    job,
    quiet_teardown,
    servers,
    slow,
)

__all__ = ["engine", "servers"]  # fixtures used below


def save(image: QImage, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert image.save(str(path))
    return path


def not_blank(image: QImage) -> bool:
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 13) for y in range(0, image.height(), 11)
    }
    return len(colours) > 20


@quiet_teardown
async def test_screenshot_of_a_busy_farm(
    make_window: Callable[[], MainWindow],
    services: Services,
    engine: FarmEngine,
    servers: Servers,
    tmp_path: Path,
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    a = await servers(
        step_delay=0.01,
        devices=gpu("cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", 24, 9.5),
    )
    b = await servers(step_delay=0.01, devices=gpu("cuda:0 NVIDIA RTX A6000 : native", 48, 31))
    c = await servers(devices=gpu("cuda:0 NVIDIA GeForce RTX 3090 : cudaMallocAsync", 24, 23))
    nodes = [
        RenderNodeConfig(name="studio-4090", url=a.url, tags=["sdxl", "flux"]),
        RenderNodeConfig(name="render-a6000", url=b.url, tags=["video"]),
        RenderNodeConfig(name="laptop-3090", url=c.url),
    ]
    services.settings.update(render_nodes=nodes)
    window = make_window()
    window.resize(1500, 900)
    window.tabs.setCurrentIndex(2)
    tab = window.pages[2]
    assert isinstance(tab, OrchestratorTab)
    assert "Starting the render farm" in tab.empty.text_label.text()
    assert all(card.view.status == "starting" for card in window.farm_dock.cards.values())
    save(window.grab().toImage(), "orchestrator_starting.png", tmp_path)

    engine.set_nodes(nodes)
    window.attach_farm(engine)
    await wait_until(lambda: all(n.capabilities_loaded for n in engine.nodes.values()), 10)
    out = tmp_path / "renders"
    done = engine.submit(
        [job(slow(1, 4), out, "sc12_sh01_v1"), job(failing(), out, "sc12_sh02_v1")],
        group_label="Nightfall · scene 12",
    )
    await wait_until(lambda: all(engine.queue.get(j.id).is_final for j in done), 10)  # type: ignore[union-attr]
    await c.kill()
    a.config.step_delay = b.config.step_delay = 0.25
    engine.submit(
        [job(slow(2, 400), out, "sc12_sh03_v2"), job(slow(3, 400), out, "sc12_sh04_v1")],
        group_label="Nightfall · scene 12",
    )
    later = engine.submit(
        [
            job(slow(4, 20), out, "sc13_sh01_v1"),
            job(slow(5, 20), out, "sc13_sh02_v1", pinned_node="laptop-3090"),
            job(slow(6, 20), out, "sc13_sh03_v1"),
        ],
        group_label="Nightfall · scene 13",
    )
    await engine.cancel(later[2].id)
    await wait_until(lambda: engine.queue.counts()[JobState.RUNNING] == 2, 10)
    await wait_until(lambda: tab.nodes.cards["laptop-3090"].view.status == "offline", 10)
    await wait_until(lambda: later[1].id in engine.waiting_reason, 10)
    await asyncio.sleep(2.5)  # some steps done, load history drawn
    tab.jobs.model.flush()
    tab.nodes.refresh()
    window.farm_dock.refresh()
    tab.nodes.select("studio-4090")

    shot = tab.grab().toImage()
    assert not_blank(shot)
    save(shot, "orchestrator.png", tmp_path)
    whole = window.grab().toImage()
    assert not_blank(whole)
    save(whole, "orchestrator_window.png", tmp_path)

    dialog = tab.nodes.open_add_dialog()
    dialog.name.setText("studio-4090")
    dialog.url.setText("192.168.1.20:8188")
    dialog.headers.setPlainText("Authorization: Bearer sk-…")
    dialog.save()
    assert "exists already" in dialog.errors["name"].text() or dialog.errors["url"].text()
    save(dialog.grab().toImage(), "orchestrator_node_dialog.png", tmp_path)
    dialog.reject()
    workflow = tmp_path / "sc14_wide.json"
    workflow.write_text(json.dumps(slow(9, 20)))
    task = tab.open_workflow(workflow)
    assert task is not None
    await task
    assert tab.run_dialog is not None
    tab.run_dialog.count.setValue(4)
    save(tab.run_dialog.grab().toImage(), "orchestrator_run_dialog.png", tmp_path)
    tab.run_dialog.reject()

    apply_theme(app, "light")
    try:
        light = window.grab().toImage()
        assert not_blank(light)
        save(light, "orchestrator_light.png", tmp_path)
    finally:
        apply_theme(app, "dark")
