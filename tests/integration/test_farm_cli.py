"""``directors-console farm ...`` against fake ComfyUI servers, as a user runs it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from directors_console.app.farm_setup import open_farm
from directors_console.app.paths import AppPaths
from directors_console.core.comfy.pngmeta import read_image_metadata
from directors_console.core.settings import Settings
from tests.conftest import FIXTURES, require_fixture
from tests.integration.conftest import FakeFactory
from tests.integration.test_farm_engine import FAIL, SLOW


async def cli(config_dir: Path, *args: str, timeout: float = 90) -> tuple[int, str, str]:
    env = {**os.environ, "DIRECTORS_CONSOLE_CONFIG_DIR": str(config_dir)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "directors_console",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_farm_run_writes_outputs_and_reports(
    fake_comfy_factory: FakeFactory, tmp_path: Path, config_dir: Path
) -> None:
    server = await fake_comfy_factory(step_delay=0.15)
    workflow = tmp_path / "street.json"
    workflow.write_text(json.dumps(SLOW))
    out = tmp_path / "renders"
    code, stdout, stderr = await cli(
        config_dir,
        "farm",
        "run",
        str(workflow),
        "--node",
        server.url,
        "--count",
        "3",
        "--seed",
        "41",
        "--out",
        str(out),
    )
    assert code == 0, stderr
    lines = stdout.split()
    assert [Path(p).name for p in lines] == [f"street_{i:03}.png" for i in (1, 2, 3)]
    assert all(Path(p).is_file() for p in lines)
    assert "Step" in stderr and "3 of 3 job(s) done, 0 failed" in stderr
    shot = read_image_metadata(Path(lines[0])).shot
    assert shot is not None and shot.server == "server-1"


async def test_farm_run_from_a_png_and_failures(
    fake_comfy_factory: FakeFactory, tmp_path: Path, config_dir: Path
) -> None:
    server = await fake_comfy_factory()
    png = require_fixture(FIXTURES / "outputs" / "s02_shot_00001_.png")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(FAIL))
    code, stdout, stderr = await cli(
        config_dir,
        "farm",
        "run",
        str(png),
        str(bad),
        "--node",
        server.url,
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 1
    # That recorded prompt saves two images: both come home, numbered.
    names = [Path(p).name for p in stdout.split()]
    assert names == ["s02_shot_00001__01.png", "s02_shot_00001__02.png"]
    assert "failed: bad: RuntimeError" in stderr and "boom from FailAlways" in stderr


async def test_farm_run_bad_input_and_busy_farm(tmp_path: Path, config_dir: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"1": {"class_type": ')
    code, _, stderr = await cli(config_dir, "farm", "run", str(broken), "--out", str(tmp_path))
    assert code == 2 and "not valid JSON (line 1" in stderr
    not_a_workflow = tmp_path / "list.json"
    not_a_workflow.write_text("[1, 2]")
    code, _, stderr = await cli(config_dir, "farm", "run", str(not_a_workflow), "--out", "x")
    assert code == 2 and "not a ComfyUI workflow" in stderr
    wf = tmp_path / "ok.json"
    wf.write_text(json.dumps(SLOW))
    code, _, stderr = await cli(config_dir, "farm", "run", str(wf), "--out", str(tmp_path))
    assert code == 2 and "no render nodes" in stderr
    farm = open_farm(AppPaths.resolve(config_dir), Settings())
    try:
        code, _, stderr = await cli(
            config_dir, "farm", "run", str(wf), "--node", "http://127.0.0.1:9", "--out", "x"
        )
        assert code == 3 and "already run by" in stderr
    finally:
        await farm.aclose()


async def test_farm_nodes_status_and_queue_listing(
    fake_comfy_factory: FakeFactory, tmp_path: Path, config_dir: Path
) -> None:
    server = await fake_comfy_factory()
    assert (await cli(config_dir, "farm", "add-node", "live", server.url))[0] == 0
    assert (await cli(config_dir, "farm", "add-node", "dead", "http://127.0.0.1:9"))[0] == 0
    code, stdout, _ = await cli(config_dir, "farm", "nodes", "--timeout", "2")
    assert code == 0
    live = next(line for line in stdout.splitlines() if line.startswith("live"))
    dead = next(line for line in stdout.splitlines() if line.startswith("dead"))
    assert "online" in live and "queue 0" in live
    assert "OFFLINE" in dead

    wf = tmp_path / "ok.json"
    wf.write_text(json.dumps(SLOW))
    code, _, _ = await cli(config_dir, "farm", "run", str(wf), "--out", str(tmp_path / "o"))
    assert code == 0
    code, stdout, _ = await cli(config_dir, "farm", "queue", "list", "--all")
    assert code == 0 and "succeeded" in stdout and " ok on " in stdout


async def test_farm_run_a_template_by_name(
    fake_comfy_factory: FakeFactory, tmp_path: Path, config_dir: Path
) -> None:
    server = await fake_comfy_factory(
        models={"checkpoints": ["v1-5-pruned-emaonly-fp16.safetensors"]}, step_delay=0.005
    )
    code, stdout, stderr = await cli(
        config_dir,
        "farm",
        "run",
        "sd15_txt2img",
        "--node",
        server.url,
        "--seed",
        "7",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0, stderr
    assert [Path(p).name for p in stdout.split()] == ["sd15_txt2img.png"]
    code, _, stderr = await cli(config_dir, "farm", "run", "no_such_template", "--out", "x")
    assert code == 2 and "neither a file nor a template" in stderr
