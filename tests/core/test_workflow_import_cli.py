"""``directors-console workflow import`` and the inspector behind ``workflow inspect``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from directors_console.app.main import main
from directors_console.core.data_paths import templates_dir
from directors_console.core.templates.loader import load_template_file
from tests.conftest import FIXTURES, require_fixture
from tests.core.test_cli import run_headless

PAIRS = FIXTURES / "ui_api_pairs"
OBJECT_INFO = FIXTURES / "object_info.json"
SDXL = templates_dir() / "sdxl_txt2img.api.json"


def _import(*args: str) -> list[str]:
    return ["workflow", "import", *args]


def test_import_prints_the_saved_template_without_qt(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    result = run_headless(
        *_import(str(SDXL), "--name", "Night SDXL", "--out-dir", str(out),
                 "--object-info", str(require_fixture(OBJECT_INFO))),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == out / "night_sdxl.yaml"
    template = load_template_file(path)
    assert template.name == "Night SDXL"
    assert template.parameter("steps") is not None
    assert "exposed  seed" in result.stderr


def test_import_defaults_to_the_user_templates_folder(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_import(str(SDXL), "--name", "Default place")) == 0
    out = capsys.readouterr().out.strip()
    assert Path(out) == config_dir / "templates" / "default_place.yaml"
    assert (config_dir / "templates" / "default_place.api.json").is_file()


def test_expose_and_hide(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(_import(str(SDXL), "--name", "Tuned", "--out-dir", str(tmp_path),
                        "--expose", "checkpoint", "--expose", "batch_size",
                        "--hide", "cfg"))  # fmt: skip
    assert code == 0
    data = yaml.safe_load(Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8"))
    names = {p["name"] for p in data["parameters"]}
    assert {"checkpoint", "batch_size"} <= names
    assert "cfg" not in names


def test_unknown_parameter_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(_import(str(SDXL), "--name", "x", "--out-dir", str(out), "--hide", "nope"))
    assert code == 2
    assert "no detected parameter 'nope'" in capsys.readouterr().err
    assert not out.exists()


def test_same_name_twice_keeps_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _import(str(SDXL), "--name", "Twice", "--out-dir", str(tmp_path))
    assert main(args) == 0
    first = capsys.readouterr().out.strip()
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert (Path(first).name, Path(out.strip()).name) == ("twice.yaml", "twice_2.yaml")
    assert "saved as 'twice_2'" in err


def test_ui_workflow_is_converted_with_object_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ui = require_fixture(PAIRS / "hand_basic_txt2img.ui.json")
    code = main(_import(str(ui), "--name", "From UI", "--out-dir", str(tmp_path),
                        "--object-info", str(OBJECT_INFO)))  # fmt: skip
    assert code == 0
    workflow = json.loads((tmp_path / "from_ui.api.json").read_text(encoding="utf-8"))
    expected = json.loads((PAIRS / "hand_basic_txt2img.api.json").read_text(encoding="utf-8"))
    assert workflow == expected


def test_ui_workflow_without_a_server_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ui = require_fixture(PAIRS / "hand_basic_txt2img.ui.json")
    assert main(_import(str(ui), "--name", "x", "--out-dir", str(tmp_path))) == 2
    assert "--object-info" in capsys.readouterr().err


def test_missing_node_types_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ui = require_fixture(PAIRS / "api_bria_eraser.ui.json")
    code = main(_import(str(ui), "--name", "x", "--out-dir", str(tmp_path),
                        "--object-info", str(OBJECT_INFO)))  # fmt: skip
    assert code == 1
    assert "BriaEraser (nodes 15)" in capsys.readouterr().err


def test_import_from_an_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = require_fixture(FIXTURES / "outputs" / "s15_video_00001_.mp4")
    code = main(_import(str(video), "--name", "clip", "--out-dir", str(tmp_path)))
    assert code == 0, capsys.readouterr().err
    assert load_template_file(Path(capsys.readouterr().out.strip())).outputs


def test_unreadable_source_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_import(str(tmp_path / "nope.json"), "--name", "x")) == 2
    assert "does not exist" in capsys.readouterr().err


# --- inspect through the core inspector -----------------------------------------------------


def _inspect_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["workflow", "inspect", *args, "--json"]) == 0
    summary: dict[str, Any] = json.loads(capsys.readouterr().out)
    return summary


def test_inspect_lists_prompts_kinds_and_origins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = json.loads(SDXL.read_text(encoding="utf-8"))
    prompt["20"] = {"class_type": "MyCustomThing", "inputs": {"image": ["8", 0]}}
    path = tmp_path / "api.json"
    path.write_text(json.dumps(prompt), encoding="utf-8")
    summary = _inspect_json(capsys, str(path), "--object-info", str(OBJECT_INFO))
    assert summary["models_by_kind"] == {"checkpoint": ["sd_xl_base_1.0.safetensors"]}
    assert summary["not_core"] == {"MyCustomThing": "missing"}
    assert [(p["side"], p["node"]) for p in summary["prompts"]] == [
        ("positive", "6"),
        ("negative", "7"),
    ]
    assert summary["loras"] == []


def test_inspect_text_marks_custom_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = json.loads(SDXL.read_text(encoding="utf-8"))
    prompt["20"] = {"class_type": "MyCustomThing", "inputs": {}}
    path = tmp_path / "api.json"
    path.write_text(json.dumps(prompt), encoding="utf-8")
    assert main(["workflow", "inspect", str(path), "--object-info", str(OBJECT_INFO)]) == 0
    out = capsys.readouterr().out
    assert "  MyCustomThing  [missing]" in out
    assert "prompts:\n  positive  6.text:" in out


def test_inspect_an_mp4(capsys: pytest.CaptureFixture[str]) -> None:
    video = require_fixture(FIXTURES / "outputs" / "s15_video_00001_.mp4")
    summary = _inspect_json(capsys, str(video))
    assert summary["kind"] == "API prompt (in an MP4 file)"
    assert summary["nodes"] == 3
