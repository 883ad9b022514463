"""StoryboardService: version reservation, job building, panel updates from job states."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from directors_console.core.data_paths import templates_dir
from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.farm.scheduler import Health, NodeState
from directors_console.core.storyboard.generate import (
    GenerationRequest,
    StoryboardService,
    add_reference,
    panel_prompt,
    reserve_versions,
    schedulable_nodes,
    set_panel_prompt,
)
from directors_console.core.storyboard.model import Board, Panel, PanelStatus
from directors_console.core.templates import AngleLibrary, Lora, SeedMode, load_template_file
from directors_console.core.templates.builder import BuildError

NAMING = "{project}_{panel}_v{version}"
WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class FakeFarm:
    def __init__(self) -> None:
        self.submitted: list[tuple[list[Job], str | None]] = []

    def submit(self, jobs: list[Job], group_label: str | None = None) -> list[Job]:
        self.submitted.append((jobs, group_label))
        return jobs


@pytest.fixture
def template():  # type: ignore[no-untyped-def]
    return load_template_file(templates_dir() / "sd15_txt2img.yaml")


@pytest.fixture
def board() -> Board:
    return Board(panels=[Panel(name="Panel_01")])


@pytest.fixture
def service(board: Board, tmp_path: Path) -> StoryboardService:
    return StoryboardService(board, tmp_path, "Night", clock=lambda: WHEN)


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"x")


def test_reserve_versions_after_disk_and_in_flight(tmp_path: Path) -> None:
    folder = tmp_path / "Panel_01"
    assert reserve_versions(folder, NAMING, "Night", "Panel_01", 3) == [1, 2, 3]
    touch(folder, "Night_Panel_01_v2.png", "Night_Panel_01_v005.mp4", "other_v9.png")
    assert reserve_versions(folder, NAMING, "Night", "Panel_01", 2) == [6, 7]
    assert reserve_versions(folder, NAMING, "Night", "Panel_01", 1, in_flight=[8]) == [9]


def test_build_jobs_names_seeds_metadata(
    service: StoryboardService, board: Board, template, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    touch(tmp_path / "Panel_01", "Night_Panel_01_v001.png")
    angle = AngleLibrary.load().ids[0]
    request = GenerationRequest(
        template,
        {"steps": 12, "seed": 100},
        prompt="a lighthouse",
        negative="blurry",
        angle=AngleLibrary.load()[angle],
        variations=3,
        seed_mode=SeedMode.INCREMENT,
        preset="noir",
    )
    jobs = service.build_jobs(board.panels[0], request)
    assert [j.name_stem for j in jobs] == [f"Night_Panel_01_v00{v}" for v in (2, 3, 4)]
    assert {j.destination for j in jobs} == {str(tmp_path / "Panel_01")}
    assert [j.metadata["seed"] for j in jobs] == [100, 101, 102]
    assert [j.prompt["3"]["inputs"]["seed"] for j in jobs] == [100, 101, 102]
    assert all(j.prompt["3"]["inputs"]["steps"] == 12 for j in jobs)
    assert jobs[0].prompt["6"]["inputs"]["text"].startswith("a lighthouse")
    assert AngleLibrary.load()[angle].prompt in jobs[0].prompt["6"]["inputs"]["text"]
    assert jobs[0].prompt["7"]["inputs"]["text"] == "blurry"
    meta = jobs[1].metadata
    assert meta["project"] == "Night" and meta["panel"] == "Panel_01"
    assert meta["version"] == 3 and meta["template"] == "sd15_txt2img"
    assert meta["preset"] == "noir" and meta["angle"] == angle
    assert all(j.pinned_node is None for j in jobs)


def test_spread_pins_round_robin(service: StoryboardService, board: Board, template) -> None:  # type: ignore[no-untyped-def]
    request = GenerationRequest(template, variations=4, spread=True)
    jobs = service.build_jobs(board.panels[0], request, ["a", "b"])
    assert [j.pinned_node for j in jobs] == ["a", "b", "a", "b"]
    with pytest.raises(ValueError, match="online"):
        service.build_jobs(board.panels[0], request, [])


def test_random_seeds_and_loras(service: StoryboardService, board: Board, template) -> None:  # type: ignore[no-untyped-def]
    request = GenerationRequest(
        template, variations=2, seed_mode=SeedMode.RANDOM, loras=(Lora("style.safetensors", 0.7),)
    )
    jobs = service.build_jobs(board.panels[0], request)
    classes = [n["class_type"] for n in jobs[0].prompt.values()]
    assert "LoraLoader" in classes
    assert all(isinstance(j.metadata["seed"], int) for j in jobs)


def test_bad_values_raise_build_error(service: StoryboardService, board: Board, template) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BuildError, match="steps"):
        service.build_jobs(board.panels[0], GenerationRequest(template, {"steps": 0}))
    with pytest.raises(ValueError, match="Variations"):
        service.build_jobs(board.panels[0], GenerationRequest(template, variations=0))


def test_parallel_generates_never_share_a_version(
    service: StoryboardService, board: Board, template
) -> None:  # type: ignore[no-untyped-def]
    farm = FakeFarm()
    panel = board.panels[0]
    first = service.generate(farm, panel, GenerationRequest(template, variations=2))
    second = service.generate(farm, panel, GenerationRequest(template, variations=2))
    assert [j.metadata["version"] for j in first + second] == [1, 2, 3, 4]
    assert farm.submitted[0][1] == "Panel_01 ×2"
    assert panel.status is PanelStatus.GENERATING


def _done(job: Job, state: JobState, **fields: object) -> Job:
    return dataclasses.replace(job, state=state, **fields)  # type: ignore[arg-type]


def test_success_appends_history_and_sets_image(
    service: StoryboardService, board: Board, template, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    changed: list[str] = []
    service.on_panel_changed.append(changed.append)
    panel = board.panels[0]
    request = GenerationRequest(template, {"seed": 7}, prompt="rain", variations=2)
    a, b = service.generate(FakeFarm(), panel, request)
    service.job_changed(_done(a, JobState.RUNNING, node="gpu1"))
    assert panel.status is PanelStatus.GENERATING and panel.status_text == "Generating 0/2"
    out = tmp_path / "Panel_01" / f"{a.name_stem}.png"
    service.job_changed(_done(a, JobState.SUCCEEDED, node="gpu1", outputs=[str(out)]))
    assert panel.image == "Panel_01/Night_Panel_01_v001.png"
    (entry,) = panel.history
    assert (entry.version, entry.seed, entry.node, entry.template) == (1, 7, "gpu1", "sd15_txt2img")
    assert entry.parameters["prompt"] == "rain" and entry.parameters["seed"] == 7
    assert entry.created == WHEN
    assert panel.status_text == "Generating 1/2"
    service.job_changed(
        _done(b, JobState.SUCCEEDED, node="gpu2", outputs=[str(out.with_stem(b.name_stem))])
    )
    assert panel.status is PanelStatus.COMPLETE and panel.status_text == ""
    assert panel.image == "Panel_01/Night_Panel_01_v002.png"
    assert [h.seed for h in panel.history] == [7, 8]
    assert not service.is_generating(panel.id)
    assert changed and set(changed) == {panel.id}


def test_failure_sets_error_with_message(
    service: StoryboardService, board: Board, template
) -> None:  # type: ignore[no-untyped-def]
    panel = board.panels[0]
    (job,) = service.generate(FakeFarm(), panel, GenerationRequest(template))
    service.job_changed(_done(job, JobState.FAILED, error="boom from KSampler"))
    assert panel.status is PanelStatus.ERROR
    assert panel.status_text == "boom from KSampler"
    assert panel.history == []


def test_partial_failure_and_cancel(service: StoryboardService, board: Board, template) -> None:  # type: ignore[no-untyped-def]
    panel = board.panels[0]
    a, b, c = service.generate(FakeFarm(), panel, GenerationRequest(template, variations=3))
    service.job_changed(_done(a, JobState.SUCCEEDED, outputs=[]))
    service.job_changed(_done(b, JobState.CANCELLED))
    service.job_changed(_done(c, JobState.FAILED, error="out of models"))
    assert panel.status is PanelStatus.ERROR
    assert panel.status_text == "1 of 3 failed: out of models"
    (d,) = service.generate(FakeFarm(), panel, GenerationRequest(template))
    service.job_changed(_done(d, JobState.CANCELLED))
    assert panel.status is PanelStatus.EMPTY and panel.status_text == "Cancelled"


def test_unknown_jobs_and_removed_panels_are_ignored(
    service: StoryboardService, board: Board, template
) -> None:  # type: ignore[no-untyped-def]
    service.job_changed(Job(prompt={}, destination="x"))
    (job,) = service.generate(FakeFarm(), board.panels[0], GenerationRequest(template))
    board.panels.clear()
    service.job_changed(_done(job, JobState.SUCCEEDED))
    assert service.job_panel == {}


def test_schedulable_nodes() -> None:
    states = [
        NodeState("b", Health.ONLINE),
        NodeState("a", Health.BUSY),
        NodeState("off", Health.OFFLINE),
        NodeState("dis", Health.ONLINE, enabled=False),
        NodeState("drain", Health.ONLINE, draining=True),
    ]
    assert schedulable_nodes(states) == ["a", "b"]


def test_prompt_and_references_on_panel(tmp_path: Path) -> None:
    panel = Panel(name="P")
    assert panel_prompt(panel) == ("", "")
    set_panel_prompt(panel, "dawn", "noise")
    assert panel_prompt(Panel.model_validate(panel.model_dump())) == ("dawn", "noise")
    assert add_reference(panel, tmp_path / "refs" / "a.png", tmp_path)
    assert not add_reference(panel, tmp_path / "refs" / "a.png", tmp_path)
    assert panel.references == ["refs/a.png"]


def test_adopt_jobs_of_an_earlier_session(board: Board, template, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    earlier = StoryboardService(board, tmp_path, "Night")
    panel = board.panels[0]
    a, b = earlier.generate(FakeFarm(), panel, GenerationRequest(template, variations=2))
    other = Job(prompt={}, destination="x", metadata={"project": "Day", "panel": "Panel_01"})
    stale = Panel(name="Panel_02", status=PanelStatus.GENERATING)
    board.panels.append(stale)
    later = StoryboardService(board, tmp_path, "Night")
    assert later.adopt([a, b, other, _done(a, JobState.SUCCEEDED)]) == 2
    assert later.panel_jobs(panel.id) == [a.id, b.id]
    assert stale.status is PanelStatus.EMPTY and stale.status_text == "Interrupted"
    later.job_changed(_done(a, JobState.SUCCEEDED, outputs=[str(tmp_path / "Panel_01" / "x.png")]))
    later.job_changed(_done(b, JobState.FAILED, error="gone"))
    assert panel.status is PanelStatus.ERROR and panel.image == "Panel_01/x.png"
    assert later.job_panel == {}
