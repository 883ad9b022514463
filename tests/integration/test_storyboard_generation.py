"""One storyboard panel rendered on two real fake ComfyUI servers through the farm engine.

Four variations of the shipped SD 1.5 template, spread across both nodes, land in the
panel folder as ``{project}_{panel}_v001..v004.png`` with shot metadata. Cancelling
one variation mid-way is final: its version is never written (no re-run), the other
three finish, and the panel ends complete with three history entries.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from directors_console.core.comfy.pngmeta import read_image_metadata
from directors_console.core.data_paths import templates_dir
from directors_console.core.farm.engine import FarmEngine
from directors_console.core.farm.jobs import JobState
from directors_console.core.farm.progress import ProgressSnapshot
from directors_console.core.settings import RenderNodeConfig
from directors_console.core.storyboard.generate import (
    GenerationRequest,
    StoryboardService,
    schedulable_nodes,
)
from directors_console.core.storyboard.model import Board, Panel, PanelStatus
from directors_console.core.templates import SeedMode, load_template_file
from tests.integration.conftest import FakeFactory, until

CKPT = "v1-5-pruned-emaonly-fp16.safetensors"


async def test_four_variations_across_two_nodes_one_cancelled(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    models = {"checkpoints": [CKPT]}
    a = await fake_comfy_factory(step_delay=0.06, models=models)
    b = await fake_comfy_factory(step_delay=0.06, models=models)
    farm.set_nodes([RenderNodeConfig(name="a", url=a.url), RenderNodeConfig(name="b", url=b.url)])
    await until(lambda: all(n.capabilities_loaded for n in farm.nodes.values()))
    await until(lambda: schedulable_nodes(n.state for n in farm.nodes.values()) == ["a", "b"])

    project = tmp_path / "Nightfall"
    board = Board(panels=[Panel(name="Panel_01")])
    panel = board.panels[0]
    service = StoryboardService(board, project, "Nightfall")
    farm.queue.subscribe(service.job_changed)
    seen: list[tuple[str, ProgressSnapshot]] = []

    def on_progress(job_id: str, snap: ProgressSnapshot) -> None:
        job = farm.queue.get(job_id)
        seen.append((job.node if job and job.node else "?", snap))

    farm.on_progress.append(on_progress)
    template = load_template_file(templates_dir() / "sd15_txt2img.yaml")
    request = GenerationRequest(
        template,
        {"steps": 14, "seed": 500, "width": 256, "height": 256},
        prompt="a lighthouse in a storm",
        variations=4,
        seed_mode=SeedMode.INCREMENT,
        spread=True,
        preset="noir",
    )
    nodes = schedulable_nodes(n.state for n in farm.nodes.values())
    jobs = service.generate(farm, panel, request, nodes)
    assert [j.pinned_node for j in jobs] == ["a", "b", "a", "b"]
    assert panel.status is PanelStatus.GENERATING

    # v004 waits behind v002 on node b; cancel it once it is a few steps in.
    last = jobs[3]

    def last_is_sampling() -> bool:
        current = farm.queue.get(last.id)
        if current is None or current.state is not JobState.RUNNING:
            return False
        snap = farm.progress_of(last.id)
        return snap is not None and snap.current_class == "KSampler" and snap.step >= 3

    await until(last_is_sampling)
    cancelled = await farm.cancel(last.id)
    assert cancelled.state is JobState.CANCELLED
    await until(lambda: all(farm.queue.get(j.id).is_final for j in jobs))  # type: ignore[union-attr]
    await until(lambda: panel.status is not PanelStatus.GENERATING)
    await asyncio.sleep(0.3)  # nothing more may arrive for the cancelled version

    states = [farm.queue.get(j.id).state for j in jobs]  # type: ignore[union-attr]
    assert states == [JobState.SUCCEEDED] * 3 + [JobState.CANCELLED]
    folder = project / "Panel_01"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"Nightfall_Panel_01_v00{v}.png" for v in (1, 2, 3)]
    for version, name in enumerate(names, start=1):
        shot = read_image_metadata(folder / name).shot
        assert shot is not None
        assert (shot.project, shot.panel, shot.version) == ("Nightfall", "Panel_01", version)
        assert shot.seed == 500 + version - 1
        assert shot.template == "sd15_txt2img" and shot.preset == "noir"
        assert shot.server == ["a", "b", "a"][version - 1]

    # Progress rows came from both nodes, phrased the way the sidebar shows them.
    assert {node for node, _ in seen} >= {"a", "b"}
    texts = [snap.text() for _, snap in seen if snap.state == "running"]
    assert any("KSampler · Step" in t for t in texts)

    assert panel.status is PanelStatus.COMPLETE
    # History is in the order the renders finished; the last one is the current image.
    assert sorted((h.version, h.seed, h.node) for h in panel.history) == [
        (1, 500, "a"),
        (2, 501, "b"),
        (3, 502, "a"),
    ]
    assert panel.image == panel.history[-1].path
    assert {h.path for h in panel.history} == {f"Panel_01/{n}" for n in names}
    assert service.job_panel == {}

    # The next render continues after the highest version on disk: v004 is free again.
    (again,) = service.generate(farm, panel, GenerationRequest(template, {"steps": 2}), nodes)
    assert again.name_stem == "Nightfall_Panel_01_v004"
    await until(lambda: farm.queue.get(again.id).state is JobState.SUCCEEDED)  # type: ignore[union-attr]
    await until(lambda: panel.status is PanelStatus.COMPLETE)
    assert (folder / "Nightfall_Panel_01_v004.png").exists()
