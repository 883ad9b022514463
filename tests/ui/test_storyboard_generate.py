"""The Storyboard's generate sidebar and progress sidebar with a real engine and fake nodes.

Two panels, two variations each, spread across two fake ComfyUI servers: the progress
sidebar groups rows by panel and node and shows "KSampler · Step n/14"; one render is
cancelled from its row; the others land in their panels (image + history) and the
sidebar hides when nothing runs. The screenshot goes to tmp_path, or to
``DC_SCREENSHOT_DIR`` (docs/screenshots) when set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QSpinBox

from directors_console.app.services import Services
from directors_console.core.events import SendPrompt, SendReferenceImage
from directors_console.core.farm.engine import FarmEngine
from directors_console.core.farm.jobs import JobState
from directors_console.core.storyboard.generate import panel_prompt
from directors_console.core.storyboard.model import PanelStatus
from directors_console.core.templates import Lora
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard.generate_panel import format_loras, parse_loras
from directors_console.ui.storyboard.progress_panel import WAITING_NODE
from tests.ui.conftest import wait_until
from tests.ui.farm_helpers import Servers, add_nodes, engine, quiet_teardown, servers
from tests.ui.storyboard_helpers import open_dark_board

__all__ = ["engine", "servers"]  # fixtures used below

CKPT = "v1-5-pruned-emaonly-fp16.safetensors"


def save(image: QImage, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert image.save(str(path))
    return path


@quiet_teardown
async def test_generate_two_panels_across_two_nodes(
    make_window: Callable[[], MainWindow],
    services: Services,
    engine: FarmEngine,
    servers: Servers,
    tmp_path: Path,
) -> None:
    window, tab = open_dark_board(make_window, services, tmp_path / "Nightfall", (1600, 940))
    gen = tab.generation
    side = gen.sidebar
    assert side.reason.text() == "The render farm is not running yet."
    assert not side.generate_button.isEnabled()

    models = {"checkpoints": [CKPT], "loras": ["film-grain.safetensors"]}
    a = await servers(step_delay=0.12, models=models)
    b = await servers(step_delay=0.12, models=models)
    add_nodes(services, engine, **{"studio-4090": a.url, "render-a6000": b.url})
    window.attach_farm(engine)
    await wait_until(lambda: len(gen._online()) == 2, 10)
    assert side.reason.text() == "Select one or more panels to render."

    first = tab.add_panel()
    second = tab.add_panel()
    assert first is not None and second is not None
    tab.scene.select_only([first.id])
    services.bus.publish(SendPrompt("rain on a neon street, night", "blurry", "sd15", {}))
    assert panel_prompt(tab.scene.board.panels[0]) == ("rain on a neon street, night", "blurry")
    assert side.prompt.toPlainText() == "rain on a neon street, night"

    # An editing template needs a reference image: Generate says so until one is sent.
    side.categories.setCurrentIndex(2)
    assert "needs a reference image" in side.reason.text()
    ref = tmp_path / "ref.png"
    QImage(8, 8, QImage.Format.Format_RGB32).save(str(ref))
    services.bus.publish(SendReferenceImage(ref, "storyboard"))
    assert tab.scene.board.panels[0].references == [str(ref)]
    assert "reference" not in side.reason.text()
    tab.undo_stack.undo()
    assert tab.scene.board.panels[0].references == []

    side.categories.setCurrentIndex(0)
    assert side.select_template("sd15_txt2img")
    steps = side.findChild(QSpinBox, "param_steps")
    assert steps is not None
    steps.setValue(14)
    side.variations.setValue(2)
    side.loras.setText("film-grain.safetensors:0.6")
    side.spread.setChecked(True)
    side.set_angle("wide-eye-000")
    tab.scene.select_only([first.id, second.id])
    assert side.generate_button.isEnabled(), side.reason.text()
    side.generate_button.click()

    jobs = list(gen.progress.rows)
    assert len(jobs) == 4
    assert gen.progress.isVisible()
    panels = tab.scene.board.panels
    assert all(p.status is PanelStatus.GENERATING for p in panels)

    def sampling_on_both() -> bool:
        groups = gen.progress.groups()
        nodes = {n for by_node in groups.values() for n in by_node if n != WAITING_NODE}
        texts = [r.text.text() for r in gen.progress.rows.values()]
        return nodes == {"studio-4090", "render-a6000"} and (
            sum("KSampler · Step" in t for t in texts) >= 2
        )

    await wait_until(sampling_on_both, 15)
    await wait_until(
        lambda: any(int(r.text.text().split("Step ")[1].split("/")[0]) >= 4
                    for r in gen.progress.rows.values() if "Step " in r.text.text()),
        10,
    )  # fmt: skip
    groups = gen.progress.groups()
    assert set(groups) == {"Panel_01", "Panel_02"}
    running = next(r for r in gen.progress.rows.values() if "Step" in r.text.text())
    assert "Phase 1/1 · KSampler · Step" in running.text.text()
    assert running.bar.value() > 0
    assert tab.scene.items_by_id[panels[0].id].progress is not None

    tab.view.fit_all()
    shot = window.grab().toImage()
    save(shot, "storyboard_generate.png", tmp_path)

    # Cancel a render that has not finished yet from its row.
    victim = next(
        j
        for j in jobs
        if not engine.queue.get(j).is_final  # type: ignore[union-attr]
    )
    gen.progress.rows[victim].cancel.click()
    await wait_until(lambda: engine.queue.get(victim).state is JobState.CANCELLED, 10)  # type: ignore[union-attr]
    await wait_until(lambda: all(engine.queue.get(j).is_final for j in jobs), 30)  # type: ignore[union-attr]
    await wait_until(lambda: not gen.progress.isVisible(), 5)
    assert gen.progress.rows == {}

    histories = sorted(len(p.history) for p in panels)
    assert histories == [1, 2]
    for panel in panels:
        assert panel.status is PanelStatus.COMPLETE
        assert panel.image is not None
        assert (tab.project.folder / panel.image).is_file()  # type: ignore[union-attr]
        assert panel.angle.startswith("wide-")
        assert [(lo.name, lo.strength) for lo in panel.loras] == [("film-grain.safetensors", 0.6)]
    await wait_until(lambda: all(tab.scene.items_by_id[p.id].image is not None for p in panels), 10)
    assert all(tab.scene.items_by_id[p.id].progress is None for p in panels)
    tab.view.fit_all()
    save(window.grab().toImage(), "storyboard_generate_done.png", tmp_path)

    # The new versions are in project.json (autosave) with their shot details.
    saves = tab.save_count
    tab.save_now()
    await wait_until(lambda: tab.save_count > saves, 5)
    stored = json.loads((tmp_path / "Nightfall" / "project.json").read_text())
    by_name = {p["name"]: p for p in stored["storyboard"]["panels"]}
    entries = by_name["Panel_01"]["history"] + by_name["Panel_02"]["history"]
    assert len(entries) == 3
    assert {e["node"] for e in entries} <= {"studio-4090", "render-a6000"}
    assert all(e["template"] == "sd15_txt2img" and e["parameters"]["steps"] == 14 for e in entries)


def test_parse_loras() -> None:
    assert parse_loras(" a.safetensors:0.8, b.safetensors ,") == (
        Lora("a.safetensors", 0.8, 0.8),
        Lora("b.safetensors", 1.0, 1.0),
    )
    assert format_loras([("a.safetensors", 0.8), ("b.safetensors", 1.0)]) == (
        "a.safetensors:0.8, b.safetensors"
    )
    with pytest.raises(ValueError, match="strength"):
        parse_loras("a.safetensors:strong")
