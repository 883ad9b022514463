"""Four render nodes with different node classes and models: every job lands only where
it can run; first-start detection and one-run servers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from directors_console.app.farm_setup import autodetect_local, open_farm
from directors_console.app.paths import AppPaths
from directors_console.core.data_paths import templates_dir
from directors_console.core.farm.engine import FarmEngine, FarmOptions
from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.farm.queue import JobQueue
from directors_console.core.farm.seeds import with_seed
from directors_console.core.settings import RenderNodeConfig, Settings, SettingsStore
from tests.fakes import FakeComfyConfig
from tests.fakes.prompts import slow_prompt
from tests.integration.conftest import FakeFactory


def txt2img(checkpoint: str, seed: int) -> dict:
    prompt = json.loads((templates_dir() / "sd15_txt2img.api.json").read_text())
    prompt["4"]["inputs"]["ckpt_name"] = checkpoint
    prompt["5"]["inputs"].update(width=64, height=64)
    prompt["3"]["inputs"]["steps"] = 3
    return with_seed(prompt, seed)


async def test_each_job_runs_only_where_its_classes_and_models_are(
    fake_comfy_factory: FakeFactory, comfy_fixtures: Path, tmp_path: Path
) -> None:
    info = json.loads((comfy_fixtures / "object_info_core.json").read_text())
    both = ["sd15.safetensors", "sdxl.safetensors"]
    servers = {
        "A": FakeComfyConfig(models={"checkpoints": ["sd15.safetensors"]}, step_delay=0.01),
        "B": FakeComfyConfig(models={"checkpoints": ["sdxl.safetensors"]}, step_delay=0.01),
        "C": FakeComfyConfig(
            models={"checkpoints": both},
            object_info={k: v for k, v in info.items() if k != "SlowCounter"},
            step_delay=0.01,
        ),
        "D": FakeComfyConfig(
            models={"checkpoints": both},
            object_info={k: v for k, v in info.items() if k != "KSampler"},
            step_delay=0.01,
        ),
    }
    started = {name: await fake_comfy_factory(cfg) for name, cfg in servers.items()}
    queue = JobQueue(tmp_path / "jobs.sqlite")
    engine = FarmEngine(queue, FarmOptions(poll_interval=0.2))
    engine.set_nodes([RenderNodeConfig(name=n, url=s.url) for n, s in started.items()])
    await engine.start()
    allowed = {"sd15": {"A", "C"}, "sdxl": {"B", "C"}, "slow": {"A", "B", "D"}}
    jobs: list[Job] = []
    for i in range(4):
        for kind, prompt in (
            ("sd15", txt2img("sd15.safetensors", i)),
            ("sdxl", txt2img("sdxl.safetensors", i)),
            ("slow", slow_prompt(4, color=i)),
        ):
            jobs.append(Job(prompt=prompt, destination=str(tmp_path / "out"), label=f"{kind}-{i}"))
    try:
        engine.submit(jobs)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while queue.counts()[JobState.SUCCEEDED] < len(jobs):
            assert loop.time() < deadline, queue.counts()
            failed = queue.jobs([JobState.FAILED])
            assert not failed, [(j.label, j.error) for j in failed]
            await asyncio.sleep(0.05)
    finally:
        await engine.stop()
        queue.close()
    ran_on: dict[str, set[str]] = {}
    for job in JobQueue(tmp_path / "jobs.sqlite").jobs():
        kind = job.label.split("-")[0]
        assert job.node in allowed[kind], f"{job.label} ran on {job.node}"
        ran_on.setdefault(kind, set()).add(job.node or "")
    assert len(list((tmp_path / "out").iterdir())) == len(jobs)
    assert ran_on["sd15"] and ran_on["sdxl"] and ran_on["slow"]


async def test_first_start_finds_a_local_comfyui_once(
    fake_comfy_factory: FakeFactory, tmp_path: Path, monkeypatch
) -> None:
    server = await fake_comfy_factory()
    monkeypatch.setenv("COMFYUI_URL", server.url)
    store = SettingsStore(tmp_path / "cfg")
    store.load()
    found = await autodetect_local(store)
    assert found is not None and found.url == server.url
    assert [n.name for n in store.settings.render_nodes] == ["local"]
    assert store.settings.farm.autodetect_done
    store.update(render_nodes=[])  # the user removed it: it is not added back
    assert await autodetect_local(store) is None
    assert store.settings.render_nodes == []


async def test_nothing_found_is_remembered(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COMFYUI_URL", "http://127.0.0.1:9")
    store = SettingsStore(tmp_path / "cfg")
    store.load()
    assert await autodetect_local(store, timeout=0.5) is None
    assert store.settings.render_nodes == [] and store.settings.farm.autodetect_done


async def test_server_url_adds_a_node_for_one_run(tmp_path: Path) -> None:
    paths = AppPaths.resolve(tmp_path / "cfg")
    settings = Settings(render_nodes=[RenderNodeConfig(name="saved", url="http://10.0.0.2:8188")])
    farm = open_farm(paths, settings, ["http://127.0.0.1:8190"])
    try:
        assert [n.name for n in farm.nodes(settings)] == ["saved", "server-1"]
        assert [n.url for n in settings.render_nodes] == ["http://10.0.0.2:8188"]
    finally:
        await farm.aclose()


async def test_node_classes_of_the_whole_farm(
    fake_comfy_factory: FakeFactory, comfy_fixtures: Path, tmp_path: Path
) -> None:
    info = json.loads((comfy_fixtures / "object_info_core.json").read_text())
    a = await fake_comfy_factory(FakeComfyConfig(object_info=dict(list(info.items())[:5])))
    b = await fake_comfy_factory(FakeComfyConfig(object_info=dict(list(info.items())[5:])))
    queue = JobQueue(tmp_path / "jobs.sqlite")
    engine = FarmEngine(queue, FarmOptions(poll_interval=0.2))
    engine.set_nodes([RenderNodeConfig(name="a", url=a.url), RenderNodeConfig(name="b", url=b.url)])
    try:
        union = await engine.object_info_union()
        assert union is not None and set(union) == set(info)
        await a.kill()
        await b.kill()
        engine.nodes["a"].client.refresh()
        engine.nodes["b"].client.refresh()
        assert await engine.object_info_union(timeout=2) is None
    finally:
        await engine.stop()
        queue.close()
