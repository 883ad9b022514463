"""Restoring a panel's workflow from a rendered file, and the auto-lock on a first render."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from directors_console.core.comfy.pngmeta import write_shot_metadata
from directors_console.core.data_paths import templates_dir
from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.farm.outputs import shot_metadata
from directors_console.core.storyboard.generate import GenerationRequest, StoryboardService
from directors_console.core.storyboard.model import Board, Panel
from directors_console.core.storyboard.restore import (
    Embedded,
    RestoreError,
    best_template,
    restore_from,
    restore_workflow,
)
from directors_console.core.templates import AngleLibrary, Lora, TemplateLoader
from directors_console.core.templates.model import Template


class FakeFarm:
    def submit(self, jobs: list[Job], group_label: str | None = None) -> list[Job]:
        return jobs


@pytest.fixture(scope="module")
def templates() -> list[Template]:
    return list(TemplateLoader(templates_dir()).load_all().values())


@pytest.fixture(scope="module")
def angles() -> AngleLibrary:
    return AngleLibrary.load()


def _sd15(templates: list[Template]) -> Template:
    return next(t for t in templates if t.id == "sd15_txt2img")


def _render(
    tmp_path: Path, templates: list[Template], angles: AngleLibrary
) -> tuple[Job, StoryboardService, Board]:
    board = Board(panels=[Panel(name="Panel_01")])
    service = StoryboardService(board, tmp_path, "Night")
    request = GenerationRequest(
        _sd15(templates),
        {"steps": 33, "cfg": 5.5, "sampler": "dpmpp_2m", "seed": 41},
        prompt="rain on a neon street",
        negative="blurry",
        angle=angles["wide-low-090"],
        loras=(Lora("film-grain.safetensors", 0.6, 0.6),),
    )
    (job,) = service.generate(FakeFarm(), board.panels[0], request)
    return job, service, board


def _png(path: Path, prompt: dict[str, object] | None) -> Path:
    info = PngInfo()
    if prompt is not None:
        info.add_text("prompt", json.dumps(prompt))
    Image.new("RGB", (8, 8), "red").save(path, pnginfo=info)
    return path


def test_restore_from_shot_metadata(
    tmp_path: Path, templates: list[Template], angles: AngleLibrary
) -> None:
    job, _service, _board = _render(tmp_path, templates, angles)
    path = _png(tmp_path / "out.png", job.prompt)
    write_shot_metadata(path, shot_metadata(job, "gpu1", "pid-1"))
    restored = restore_workflow(path, templates, angles)
    assert restored.source == "shot metadata"
    assert restored.template_id == "sd15_txt2img"
    assert restored.values["steps"] == 33 and restored.values["cfg"] == 5.5
    assert restored.values["sampler"] == "dpmpp_2m" and restored.values["seed"] == 41
    assert (restored.prompt, restored.negative) == ("rain on a neon street", "blurry")
    assert restored.angle == "wide-low-090"
    assert restored.loras == (("film-grain.safetensors", 0.6),)
    assert restored.warnings == ()


def test_restore_from_comfy_prompt_only(
    tmp_path: Path, templates: list[Template], angles: AngleLibrary
) -> None:
    """A file with only ComfyUI's prompt: the template is found by its nodes, the angle
    by its tokens at the end of the prompt, LoRAs from the inserted loader nodes."""
    job, _service, _board = _render(tmp_path, templates, angles)
    path = _png(tmp_path / "comfy.png", job.prompt)
    restored = restore_workflow(path, templates, angles)
    assert restored.source == "ComfyUI prompt"
    assert restored.template_id == "sd15_txt2img"
    assert restored.values["steps"] == 33 and restored.values["seed"] == 41
    assert restored.prompt == "rain on a neon street"
    assert restored.angle == "wide-low-090"
    assert restored.loras == (("film-grain.safetensors", 0.6),)


def test_unknown_template_in_shot_falls_back_to_nodes(
    templates: list[Template], angles: AngleLibrary
) -> None:
    prompt = _sd15(templates).workflow
    restored = restore_from(Embedded({"template": "gone_v2", "angle": None}, prompt), templates)
    assert restored.template_id == "sd15_txt2img"
    assert restored.warnings and "gone_v2" in restored.warnings[0]


def test_nothing_to_restore_is_a_clear_error(
    tmp_path: Path, templates: list[Template], angles: AngleLibrary
) -> None:
    plain = _png(tmp_path / "plain.png", None)
    with pytest.raises(RestoreError, match=r"plain\.png: it carries no workflow metadata"):
        restore_workflow(plain, templates, angles)
    foreign = {"1": {"class_type": "SomethingElse", "inputs": {}}}
    with pytest.raises(RestoreError, match="matches none of the loaded templates"):
        restore_from(Embedded(None, foreign), templates, angles)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(RestoreError, match="not a PNG or WebP"):
        restore_workflow(text, templates, angles)
    with pytest.raises(RestoreError, match=r"clip\.mp4"):
        (tmp_path / "clip.mp4").write_bytes(b"\x00" * 64)
        restore_workflow(tmp_path / "clip.mp4", templates, angles)


def test_best_template_prefers_the_closest(templates: list[Template]) -> None:
    for template in templates:
        assert best_template(template.workflow, templates) is template


def test_first_render_locks_the_panel(
    tmp_path: Path, templates: list[Template], angles: AngleLibrary
) -> None:
    job, service, board = _render(tmp_path, templates, angles)
    panel = board.panels[0]
    assert not panel.locked
    out = tmp_path / "Panel_01" / f"{job.name_stem}.png"
    done = dataclasses.replace(job, state=JobState.SUCCEEDED, node="gpu1", outputs=[str(out)])
    service.job_changed(done)
    assert panel.locked and len(panel.history) == 1
    # Unlocked by the user, a later render does not lock it again.
    panel.locked = False
    request = GenerationRequest(_sd15(templates), {"seed": 1})
    (again,) = service.generate(FakeFarm(), panel, request)
    out2 = out.with_stem(again.name_stem)
    service.job_changed(
        dataclasses.replace(again, state=JobState.SUCCEEDED, node="gpu1", outputs=[str(out2)])
    )
    assert len(panel.history) == 2 and not panel.locked
