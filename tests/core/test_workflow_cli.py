"""``directors-console workflow convert|inspect``: headless, without Qt."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from directors_console.app.main import main
from tests.conftest import FIXTURES, require_fixture
from tests.core.test_cli import NO_QT_CHECK, run_headless

PAIRS = FIXTURES / "ui_api_pairs"
OBJECT_INFO = FIXTURES / "object_info.json"


def _pair(name: str, kind: str) -> Path:
    return require_fixture(PAIRS / f"{name}.{kind}.json")


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_convert_prints_the_editor_prompt_without_qt() -> None:
    result = run_headless(
        "workflow",
        "convert",
        str(_pair("hand_basic_txt2img", "ui")),
        "--object-info",
        str(require_fixture(OBJECT_INFO)),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == _json(_pair("hand_basic_txt2img", "api"))
    assert result.stderr == ""


def test_convert_names_missing_types_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    ui = _pair("api_bria_eraser", "ui")
    code = main(["workflow", "convert", str(ui), "--object-info", str(OBJECT_INFO)])
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out) == _json(_pair("api_bria_eraser", "api"))
    assert "missing node type BriaEraser (nodes 15)" in err
    assert "missing node type SaveImageAdvanced (nodes 4)" in err


def test_convert_writes_out_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "prompt.json"
    ui = _pair("hand_subgraph_basic", "ui")
    code = main(["workflow", "convert", str(ui), "--object-info", str(OBJECT_INFO), "--out",
                 str(out)])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out == ""
    assert _json(out) == _json(_pair("hand_subgraph_basic", "api"))


def test_convert_passes_an_api_prompt_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = _pair("hand_mute", "api")
    assert main(["workflow", "convert", str(api), "--object-info", str(OBJECT_INFO)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == _json(api)
    assert "API prompt already" in err


def test_convert_reads_a_png_with_a_workflow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = require_fixture(FIXTURES / "outputs" / "s02_shot_00001_.png")
    assert main(["workflow", "convert", str(png), "--object-info", str(OBJECT_INFO)]) == 0
    prompt = json.loads(capsys.readouterr().out)
    assert {n["class_type"] for n in prompt.values()} == {"EmptyImage", "ImageInvert", "SaveImage"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "not valid JSON"),
        ('{"hello": 1}', "not a ComfyUI workflow"),
        ('{"nodes": [{"id": 1}]}', "nodes[0].type"),
    ],
)
def test_convert_unreadable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "workflow.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["workflow", "convert", str(path), "--object-info", str(OBJECT_INFO)]) == 2
    assert message in capsys.readouterr().err


def test_convert_needs_a_source_of_object_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workflow", "convert", str(_pair("hand_notes", "ui"))]) == 2
    assert "--object-info" in capsys.readouterr().err


def test_convert_bad_object_info_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "object_info.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    ui = str(_pair("hand_notes", "ui"))
    assert main(["workflow", "convert", ui, "--object-info", str(bad)]) == 2
    assert "not an object_info" in capsys.readouterr().err


def test_convert_unreachable_node_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    ui = str(_pair("hand_notes", "ui"))
    assert main(["workflow", "convert", ui, "--node", "http://127.0.0.1:9"]) == 2
    assert "cannot read object_info from http://127.0.0.1:9" in capsys.readouterr().err


def test_convert_asks_a_live_server(
    aloop: asyncio.AbstractEventLoop, tmp_path: Path, config_dir: Path
) -> None:
    from tests.fakes import FakeComfyConfig, FakeComfyServer

    config = FakeComfyConfig(object_info=_json(require_fixture(OBJECT_INFO)))
    config.root_dir = tmp_path / "comfy"
    server = FakeComfyServer(config)
    aloop.run_until_complete(server.start())
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
        nodes = [{"name": "gpu-1", "url": server.url}]
        (config_dir / "settings.yaml").write_text(yaml.safe_dump({"render_nodes": nodes}))
        ui = str(_pair("hand_reroute_chain", "ui"))
        by_url = _run_cli(aloop, "workflow", "convert", ui, "--node", server.url)
        by_name = _run_cli(aloop, "workflow", "convert", ui, "--node", "gpu-1")
        by_default = _run_cli(aloop, "workflow", "convert", ui)
    finally:
        aloop.run_until_complete(server.stop())
    expected = _json(_pair("hand_reroute_chain", "api"))
    for code, out, err in (by_url, by_name, by_default):
        assert code == 0, err
        assert json.loads(out) == expected


def _run_cli(aloop: asyncio.AbstractEventLoop, *args: str) -> tuple[int, str, str]:
    async def run() -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            NO_QT_CHECK,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode(), err.decode()

    return aloop.run_until_complete(run())


# --- inspect --------------------------------------------------------------------------------


def _inspect(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["workflow", "inspect", *args, "--json"]) == 0
    summary: dict[str, Any] = json.loads(capsys.readouterr().out)
    return summary


def test_inspect_ui_workflow_as_saved(capsys: pytest.CaptureFixture[str]) -> None:
    summary = _inspect(capsys, str(_pair("hand_basic_txt2img", "ui")))
    assert summary["kind"] == "editor workflow, as saved"
    assert summary["class_types"]["CLIPTextEncode"] == 2
    assert [m["file"] for m in summary["models"]] == ["v1-5-pruned-emaonly.safetensors"]
    assert summary["outputs"] == [{"id": "8", "class_type": "SaveImage"}]
    assert [s["class_type"] for s in summary["samplers"]] == ["KSampler"]


def test_inspect_ui_workflow_as_sent(capsys: pytest.CaptureFixture[str]) -> None:
    ui = str(_pair("hand_subgraph_basic", "ui"))
    summary = _inspect(capsys, ui, "--object-info", str(OBJECT_INFO))
    assert summary["kind"] == "editor workflow, as sent"
    assert summary["nodes"] == 8
    assert summary["models"] == [
        {
            "file": "v1-5-pruned-emaonly.safetensors",
            "class_type": "CheckpointLoaderSimple",
            "input": "ckpt_name",
        }
    ]
    sampler = summary["samplers"][0]
    assert sampler["settings"] == {
        "seed": 42,
        "steps": 20,
        "cfg": 8,
        "sampler_name": "euler",
        "scheduler": "normal",
        "denoise": 1,
    }
    assert summary["missing"] == {}


def test_inspect_api_prompt_lists_loaded_images(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "shot_012.png"}},
        "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
    }
    path = tmp_path / "api.json"
    path.write_text(json.dumps(prompt), encoding="utf-8")
    summary = _inspect(capsys, str(path))
    assert summary["kind"] == "API prompt"
    assert summary["loaded_files"] == [
        {"id": "1", "class_type": "LoadImage", "file": "shot_012.png"}
    ]
    assert summary["outputs"] == [{"id": "3", "class_type": "PreviewImage"}]


def test_inspect_png_reads_its_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    png = require_fixture(FIXTURES / "outputs" / "s02_shot_00001_.png")
    assert main(["workflow", "inspect", str(png)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("API prompt (in a PNG file), 3 nodes")
    assert "outputs:\n  3  SaveImage" in out


def test_inspect_unreadable_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workflow", "inspect", str(tmp_path / "nope.png")]) == 2
    assert "error: nope.png" in capsys.readouterr().err


def test_workflow_without_action_shows_usage() -> None:
    result = run_headless("workflow")
    assert result.returncode == 2
    assert "usage: directors-console workflow" in result.stderr
    assert "ACTION" in result.stderr
