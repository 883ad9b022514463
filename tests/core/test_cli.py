"""The command line: headless commands work and never import Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from directors_console import __version__
from directors_console.app.main import main

NO_QT_CHECK = (
    "import sys\n"
    "from directors_console.app.main import main\n"
    "rc = main(sys.argv[1:])\n"
    "loaded = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6')]\n"
    "assert not loaded, loaded\n"
    "sys.exit(rc)\n"
)


def run_headless(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NO_QT_CHECK, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_without_qt() -> None:
    result = run_headless("--version")
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


def test_farm_node_commands(config_dir: Path) -> None:
    result = run_headless("farm", "add-node", "gpu-1", "http://127.0.0.1:8188", "--tag", "sdxl")
    assert result.returncode == 0, result.stderr
    saved = yaml.safe_load((config_dir / "settings.yaml").read_text())
    assert saved["render_nodes"][0]["name"] == "gpu-1"
    assert saved["render_nodes"][0]["tags"] == ["sdxl"]

    listing = run_headless("farm", "nodes")
    assert "gpu-1" in listing.stdout
    assert "http://127.0.0.1:8188" in listing.stdout

    duplicate = run_headless("farm", "add-node", "gpu-1", "http://127.0.0.1:8189")
    assert duplicate.returncode == 1
    assert "exists already" in duplicate.stderr

    bad = run_headless("farm", "add-node", "gpu-2", "ftp://example")
    assert bad.returncode == 1
    assert "http:// or https://" in bad.stderr

    assert run_headless("farm", "remove-node", "gpu-1").returncode == 0
    assert "No render nodes" in run_headless("farm", "nodes").stdout
    assert run_headless("farm", "remove-node", "gpu-1").returncode == 1


def test_config_dir_flag_beats_environment(tmp_path: Path, config_dir: Path) -> None:
    other = tmp_path / "other"
    assert main(["--config-dir", str(other), "farm", "add-node", "n", "http://h:1"]) == 0
    assert (other / "settings.yaml").exists()
    assert not (config_dir / "settings.yaml").exists()
    assert (other / "logs" / "directors-console.log").exists()


def test_no_group_is_still_a_placeholder() -> None:
    for group in ("farm", "workflow", "gallery", "prompt"):
        result = run_headless(group)
        assert result.returncode == 2, (group, result.stderr)
        assert "error:" in result.stderr
        assert "arrive" not in result.stderr


def test_damaged_settings_warns_but_runs(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "settings.yaml").write_text("render_nodes: {{{")
    result = run_headless("farm", "nodes")
    assert result.returncode == 0
    assert "damaged" in result.stderr
    assert list(config_dir.glob("settings.yaml.corrupt-*"))
