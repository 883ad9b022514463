"""The farm engine against several fake ComfyUI servers with different capabilities."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

from directors_console.core.farm.engine import FarmEngine, FarmOptions
from directors_console.core.farm.jobs import ErrorKind, Job, JobState
from directors_console.core.farm.queue import JobQueue
from directors_console.core.settings import RenderNodeConfig
from tests.fakes import FakeComfyConfig, FakeComfyServer
from tests.fakes.prompts import failing_prompt, plain_prompt, slow_prompt
from tests.integration.conftest import FakeFactory, until

SLOW = slow_prompt(6, prefix="farm/slow")
PLAIN = plain_prompt(prefix="farm/plain")
FAIL = failing_prompt(prefix="farm/x")


def prompt(base: dict, color: int) -> dict:
    p = copy.deepcopy(base)
    p["1"]["inputs"]["color"] = color  # different prompts: no server-side cache hits
    return p


def without(info: dict, *classes: str) -> dict:
    return {k: v for k, v in info.items() if k not in classes}


def configure(engine: FarmEngine, *servers: tuple[str, FakeComfyServer]) -> None:
    engine.set_nodes([RenderNodeConfig(name=n, url=s.url) for n, s in servers])


def job(p: dict, out: Path, label: str, **kw: object) -> Job:
    return Job(prompt=p, destination=str(out), label=label, name_stem=label, **kw)  # type: ignore[arg-type]


def outputs_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_jobs_land_only_on_capable_nodes(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, comfy_fixtures: Path, tmp_path: Path
) -> None:
    info = json.loads((comfy_fixtures / "object_info_core.json").read_text())
    full = await fake_comfy_factory(step_delay=0.005)
    no_slow = await fake_comfy_factory(FakeComfyConfig(object_info=without(info, "SlowCounter")))
    configure(farm, ("full", full), ("basic", no_slow))
    await until(lambda: all(n.capabilities_loaded for n in farm.nodes.values()))
    out = tmp_path / "out"
    jobs = [job(prompt(SLOW, i), out, f"slow{i}") for i in range(4)]
    jobs += [job(prompt(PLAIN, 100 + i), out, f"plain{i}") for i in range(4)]
    farm.submit(jobs)
    await until(lambda: farm.queue.counts()[JobState.SUCCEEDED] == 8)
    for done in farm.queue.jobs():
        if done.label.startswith("slow"):
            assert done.node == "full", done.label
    assert len(outputs_in(out)) == 8
    assert "slow0.png" in outputs_in(out)


async def test_unrunnable_job_says_what_is_missing(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, comfy_fixtures: Path, tmp_path: Path
) -> None:
    info = json.loads((comfy_fixtures / "object_info_core.json").read_text())
    server = await fake_comfy_factory(FakeComfyConfig(object_info=without(info, "SlowCounter")))
    configure(farm, ("B", server))
    await until(lambda: farm.nodes["B"].capabilities_loaded)
    (queued,) = farm.submit([job(prompt(SLOW, 1), tmp_path, "s")])
    await until(lambda: queued.id in farm.waiting_reason)
    assert farm.waiting_reason[queued.id] == "node B lacks SlowCounter"


async def test_node_killed_mid_job_finishes_elsewhere_once(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    first = await fake_comfy_factory(step_delay=0.2)
    configure(farm, ("first", first))
    out = tmp_path / "out"
    (moved,) = farm.submit([job(prompt(SLOW, 9), out, "shot")])
    await until(lambda: farm.queue.get(moved.id).state is JobState.RUNNING)  # type: ignore[union-attr]
    second = await fake_comfy_factory(step_delay=0.01)
    configure(farm, ("first", first), ("second", second))
    await first.kill()
    await until(lambda: farm.queue.get(moved.id).state is JobState.SUCCEEDED, timeout=30)  # type: ignore[union-attr]
    done = farm.queue.get(moved.id)
    assert done is not None
    assert done.node == "second"
    assert done.attempts == 1 and done.excluded_nodes == ["first"]
    assert outputs_in(out) == ["shot.png"]
    # The first server comes back with the old prompt still queued: it is cleaned up.
    await first.restart(keep_history=True)
    await asyncio.sleep(1.0)
    assert outputs_in(out) == ["shot.png"], "never a second output for one job"


async def test_cancel_in_every_state(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    server = await fake_comfy_factory(step_delay=0.2)
    configure(farm, ("n", server))
    farm.nodes["n"].config.max_concurrent = 2
    farm.nodes["n"].state.max_concurrent = 2
    farm.queue.set_paused(True)
    running, pending, queued = farm.submit(
        [job(prompt(SLOW, c), tmp_path / "o", f"j{c}") for c in (1, 2, 3)]
    )
    cancelled = await farm.cancel(queued.id)
    assert cancelled.state is JobState.CANCELLED
    farm.queue.set_paused(False)
    farm.wake()
    await until(lambda: farm.queue.get(running.id).state is JobState.RUNNING)  # type: ignore[union-attr]
    await until(lambda: pending.id in [j.id for j in farm.queue.active()])
    await until(lambda: len(server.pending_prompt_ids) == 1)
    assert (await farm.cancel(pending.id)).state is JobState.CANCELLED
    await until(lambda: not server.pending_prompt_ids)
    assert (await farm.cancel(running.id)).state is JobState.CANCELLED
    await until(lambda: server.running_prompt_id is None)
    assert outputs_in(tmp_path / "o") == []


async def test_workflow_error_fails_without_retry(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    a = await fake_comfy_factory()
    b = await fake_comfy_factory()
    configure(farm, ("a", a), ("b", b))
    (failing,) = farm.submit([job(FAIL, tmp_path, "bad")])
    await until(lambda: farm.queue.get(failing.id).state is JobState.FAILED)  # type: ignore[union-attr]
    done = farm.queue.get(failing.id)
    assert done is not None
    assert done.error_kind is ErrorKind.WORKFLOW
    assert "boom from FailAlways" in (done.error or "")
    assert done.attempts == 0


async def test_validation_error_is_shown(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    server = await fake_comfy_factory()
    configure(farm, ("n", server))
    broken = prompt(PLAIN, 5)
    broken["1"]["inputs"]["width"] = -4
    (bad,) = farm.submit([job(broken, tmp_path, "bad")])
    await until(lambda: farm.queue.get(bad.id).state is JobState.FAILED)  # type: ignore[union-attr]
    done = farm.queue.get(bad.id)
    assert done is not None and done.error_kind is ErrorKind.WORKFLOW
    assert "width" in (done.error or "")


async def test_live_gpu_figures_from_monitor_messages(
    farm: FarmEngine, fake_comfy_factory: FakeFactory
) -> None:
    server = await fake_comfy_factory()
    configure(farm, ("gpu", server))
    node = farm.nodes["gpu"]
    await until(lambda: node.capabilities_loaded and server.connected_clients)
    payload = {
        "cpu_utilization": 12.5,
        "ram_total": 64 << 30,
        "ram_used": 8 << 30,
        "device_type": "cuda",
        "gpus": [
            {
                "gpu_utilization": 97,
                "gpu_temperature": 71,
                "vram_total": 24 << 30,
                "vram_used": 20 << 30,
                "vram_used_percent": 83.3,
            }
        ],
    }
    server.hub.send_json("crystools.monitor", payload, None)
    await until(lambda: node.live is not None)
    assert node.live is not None
    assert (node.live.gpu_utilization, node.live.temperature) == (97, 71)
    assert node.state.free_vram == 4 << 30


async def test_running_job_without_progress_is_marked_stuck(
    fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    server = await fake_comfy_factory(step_delay=3.0)
    queue = JobQueue(tmp_path / "stuck.sqlite")
    engine = FarmEngine(queue, FarmOptions(poll_interval=0.2, stuck_after=0.6))
    await engine.start()
    try:
        configure(engine, ("slow", server))
        (slow,) = engine.submit([job(prompt(SLOW, 77), tmp_path, "slow")])
        await until(lambda: queue.get(slow.id).state is JobState.STUCK, timeout=10)  # type: ignore[union-attr]
        cancelled = await engine.cancel(slow.id)
        assert cancelled.state is JobState.CANCELLED
    finally:
        await engine.stop()
        queue.close()


async def test_local_input_files_are_uploaded_to_the_node_that_runs_the_job(
    farm: FarmEngine, fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    from PIL import Image

    server = await fake_comfy_factory()
    configure(farm, ("n", server))
    reference = tmp_path / "reference.png"
    Image.new("RGB", (16, 16), (200, 30, 30)).save(reference)
    prompt = {
        "1": {"class_type": "LoadImage", "inputs": {"image": str(reference)}},
        "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "up"}},
    }
    farm.submit(
        [
            Job(
                prompt=prompt,
                destination=str(tmp_path / "o"),
                name_stem=f"r{i}",
                uploads={"1/image": str(reference)},
            )
            for i in range(2)
        ]
    )
    await until(lambda: farm.queue.counts()[JobState.SUCCEEDED] == 2)
    assert len(server.uploads) == 1, "the same file is uploaded once per server"
    assert outputs_in(tmp_path / "o") == ["r0.png", "r1.png"]
    missing = Job(
        prompt=prompt,
        destination=str(tmp_path / "o"),
        uploads={"1/image": str(tmp_path / "gone.png")},
    )
    (bad,) = farm.submit([missing])
    await until(lambda: farm.queue.get(bad.id).state is JobState.FAILED)  # type: ignore[union-attr]
    assert "cannot read" in (farm.queue.get(bad.id).error or "")  # type: ignore[union-attr]
