""" "Run workflow…": API JSON, ComfyUI PNGs and editor-format JSON become queued jobs;
broken or foreign files give a message and queue nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from directors_console.app.services import Services
from directors_console.core.farm.engine import FarmEngine
from directors_console.core.farm.jobs import JobState
from directors_console.ui.orchestrator import OrchestratorTab
from directors_console.ui.orchestrator.run_workflow import RunOptions, build_jobs
from tests.conftest import FIXTURES, require_fixture
from tests.ui.conftest import wait_until
from tests.ui.farm_helpers import (
    Servers,
    add_nodes,
    card_status,
    engine,
    job,
    message,
    quiet_teardown,
    servers,
    slow,
    tab,
)

__all__ = ["engine", "servers", "tab"]  # fixtures


def test_build_jobs_sets_every_seed() -> None:
    prompt = {
        "1": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 4, "model": ["2", 0]}},
        "2": {"class_type": "SamplerCustom", "inputs": {"noise_seed": 9, "cfg": 1.0}},
        "3": {"class_type": "Other", "inputs": {"seed": ["1", 0]}},  # a link stays a link
    }
    base = RunOptions(count=3, seed_mode="increment", seed=100, folder=Path("/tmp/o"), stem="s")
    jobs = build_jobs(prompt, base)
    assert [j.prompt["1"]["inputs"]["seed"] for j in jobs] == [100, 101, 102]
    assert [j.prompt["2"]["inputs"]["noise_seed"] for j in jobs] == [100, 101, 102]
    assert all(j.prompt["3"]["inputs"]["seed"] == ["1", 0] for j in jobs)
    assert [j.label for j in jobs] == ["s_001", "s_002", "s_003"]
    fixed = build_jobs(prompt, RunOptions(2, "fixed", 7, Path("/tmp/o"), "s"))
    assert {j.prompt["1"]["inputs"]["seed"] for j in fixed} == {7}
    rand = build_jobs(prompt, RunOptions(4, "random", 0, Path("/tmp/o"), "s", pinned_node="b"))
    assert len({j.prompt["1"]["inputs"]["seed"] for j in rand}) == 4
    assert all(j.pinned_node == "b" for j in rand)
    assert prompt["1"]["inputs"]["seed"] == 5, "the loaded prompt is never changed"


@quiet_teardown
async def test_broken_workflow_files_give_messages(
    tab: OrchestratorTab, engine: FarmEngine, tmp_path: Path
) -> None:
    tab.attach_farm(engine)
    cases = {
        "broken.json": ('{"1": {"class_type": ', "not valid JSON"),
        "list.json": ("[1, 2, 3]", "not a ComfyUI workflow"),
        "noinputs.json": ('{"1": {"class_type": "EmptyImage"}}', "has no inputs"),
        "ui.json": (json.dumps({"nodes": [], "links": []}), "UI-format workflows need"),
    }
    for name, (text, _expected) in cases.items():
        (tmp_path / name).write_text(text)
    plain = QImage(8, 8, QImage.Format.Format_RGB32)
    plain.fill(0x336699)
    assert plain.save(str(tmp_path / "plain.png"))
    cases["plain.png"] = ("", "carries no ComfyUI workflow")
    for name, (_text, expected) in cases.items():
        if name == "ui.json":
            try:
                import directors_console.core.comfy.converter  # noqa: F401
            except ImportError:
                pass
            else:
                expected = "render node online"  # the converter exists; no node to ask
        task = tab.open_workflow(tmp_path / name)
        assert task is not None
        await task
        text = message(tab)
        assert expected in text, (name, text)
        assert tab.run_dialog is None
    assert len(engine.queue) == 0


@quiet_teardown
async def test_run_workflow_from_a_png_queues_jobs(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers, tmp_path: Path
) -> None:
    a = await servers(step_delay=0.005)
    tab.attach_farm(engine)
    add_nodes(services, engine, a=a.url)
    (first,) = engine.submit([job(slow(42, 2), tmp_path / "first", "source")])
    await wait_until(lambda: engine.queue.get(first.id).state is JobState.SUCCEEDED, timeout=10)  # type: ignore[union-attr]
    png = Path(engine.queue.get(first.id).outputs[0])  # type: ignore[union-attr]
    task = tab.open_workflow(png)
    assert task is not None
    await task
    dialog = tab.run_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.count.setValue(3)
    dialog.folder.setText("relative/path")
    dialog.ok_button.click()
    assert "full path" in dialog.error.text()
    dialog.folder.setText(str(tmp_path / "runs"))
    dialog.stem.setText("take")
    dialog.priority.setValue(5)
    dialog.ok_button.click()
    assert not dialog.isVisible()
    runs = [j for j in engine.queue.jobs() if j.destination == str(tmp_path / "runs")]
    assert sorted(j.label for j in runs) == ["take_001", "take_002", "take_003"]
    assert all(j.priority == 5 for j in runs)
    assert engine.queue.group_label(runs[0].group_id or "") == "take ×3"
    await wait_until(lambda: engine.queue.counts()[JobState.SUCCEEDED] == 4, timeout=15)
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "take_001.png",
        "take_002.png",
        "take_003.png",
    ]


@quiet_teardown
async def test_ui_format_workflow_is_converted_against_a_live_node(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers, tmp_path: Path
) -> None:
    pytest.importorskip("directors_console.core.comfy.converter")
    pair = require_fixture(FIXTURES / "ui_api_pairs" / "hand_basic_txt2img.ui.json")
    expected = json.loads(pair.with_name("hand_basic_txt2img.api.json").read_text())
    a = await servers()
    tab.attach_farm(engine)
    add_nodes(services, engine, a=a.url)
    await wait_until(lambda: card_status(tab, "a") == "online")
    task = tab.open_workflow(pair)
    assert task is not None
    await task
    assert message(tab) == ""
    dialog = tab.run_dialog
    assert dialog is not None
    assert set(dialog.workflow.prompt) == set(expected)
    assert dialog.workflow.seeds, "KSampler's seed is found"
    dialog.count.setValue(2)
    dialog.seed.setText("1000")
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.ok_button.click()
    seeds = sorted(
        node["inputs"]["seed"]
        for queued in engine.queue.jobs()
        for node in queued.prompt.values()
        if node["class_type"] == "KSampler"
    )
    assert seeds == [1000, 1001]
