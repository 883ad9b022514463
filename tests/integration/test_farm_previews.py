"""Sampler previews through the farm engine, and restoring a finished render's workflow.

A fake ComfyUI server sends a JPEG preview with every sampler step; the engine hands
the job's listeners a few per second (the bytes decode to the colour the server drew).
The finished file carries shot metadata from which :func:`restore_workflow` gets the
template, values, angle and prompt back.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

from PIL import Image

from directors_console.core.data_paths import templates_dir
from directors_console.core.farm.engine import FarmEngine
from directors_console.core.farm.jobs import JobState
from directors_console.core.farm.progress import PREVIEW_INTERVAL, PreviewFrame
from directors_console.core.settings import RenderNodeConfig
from directors_console.core.storyboard.generate import GenerationRequest, StoryboardService
from directors_console.core.storyboard.model import Board, Panel
from directors_console.core.storyboard.restore import restore_workflow
from directors_console.core.templates import AngleLibrary, TemplateLoader
from tests.fakes.comfy_nodes import _seed_color
from tests.integration.conftest import FakeFactory, until

CKPT = "v1-5-pruned-emaonly-fp16.safetensors"
STEPS = 20
STEP_DELAY = 0.05


async def test_previews_are_throttled_and_the_render_restores(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    server = await fake_comfy_factory(step_delay=STEP_DELAY, models={"checkpoints": [CKPT]})
    farm.set_nodes([RenderNodeConfig(name="a", url=server.url)])
    await until(lambda: all(n.capabilities_loaded for n in farm.nodes.values()))

    board = Board(panels=[Panel(name="Panel_01")])
    service = StoryboardService(board, tmp_path / "Nightfall", "Nightfall")
    farm.queue.subscribe(service.job_changed)
    frames: list[tuple[str, PreviewFrame]] = []
    times: list[float] = []

    def seen(job_id: str, frame: PreviewFrame) -> None:
        frames.append((job_id, frame))
        times.append(time.monotonic())

    farm.on_preview.append(seen)
    templates = list(TemplateLoader(templates_dir()).load_all().values())
    angles = AngleLibrary.load()
    template = next(t for t in templates if t.id == "sd15_txt2img")
    request = GenerationRequest(
        template,
        {"steps": STEPS, "seed": 77, "width": 256, "height": 256},
        prompt="a lighthouse in a storm",
        angle=angles["close-high-180"],
    )
    (job,) = service.generate(farm, board.panels[0], request)
    await until(lambda: farm.queue.get(job.id).state is JobState.SUCCEEDED, 30)  # type: ignore[union-attr]

    assert frames and all(job_id == job.id for job_id, _ in frames)
    # Not one per step: at most one per interval over the time the previews came in
    # (on a loaded machine the steps, and so the previews, take longer than planned).
    sampling = max(STEPS * STEP_DELAY, times[-1] - times[0])
    assert 2 <= len(frames) <= sampling / PREVIEW_INTERVAL + 2
    image = Image.open(io.BytesIO(frames[-1][1].image)).convert("RGB")
    expected = _seed_color(77, "3")
    got = image.getpixel((image.width // 2, image.height // 2))
    assert all(abs(a - b) <= 12 for a, b in zip(got, expected, strict=True)), got

    panel = board.panels[0]
    assert panel.locked and panel.image is not None
    restored = restore_workflow(tmp_path / "Nightfall" / panel.image, templates, angles)
    assert restored.template_id == "sd15_txt2img" and restored.source == "shot metadata"
    assert restored.values["steps"] == STEPS and restored.values["seed"] == 77
    assert restored.angle == "close-high-180" and restored.prompt == "a lighthouse in a storm"
