"""``directors-console prompt``: prompts, rule messages, exit codes, preset lists."""

from __future__ import annotations

from directors_console.app.main import main
from tests.core.test_cli import run_headless


def test_prompt_from_preset(capsys) -> None:
    rc = main(["prompt", "--preset", "blade-runner-2049", "--model", "sdxl", "--subject", "a man"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "(a man:1.2)" in out.out
    assert "Negative:" in out.out


def test_set_overrides_and_errors_exit_1(capsys) -> None:
    rc = main(
        ["prompt", "--preset", "blade-runner-2049", "--set", "aspect_ratio=1.43", "--model", "flux"]
    )
    out = capsys.readouterr()
    assert rc == 1
    assert "error: [imax-film-ratio-needs-15-70] aspect_ratio:" in out.err
    assert "fix: aspect_ratio=" in out.err
    assert out.out.strip()


def test_warnings_exit_0(capsys) -> None:
    rc = main(
        [
            "prompt",
            "--set",
            "time_of_day=night",
            "--set",
            "lighting_source=sunlight",
            "--model",
            "wan",
            "--subject",
            "a car",
        ]
    )
    out = capsys.readouterr()
    assert rc == 0
    assert "warning: [sunlight-at-night]" in out.err


def test_fix_flag_applies_corrections(capsys) -> None:
    rc = main(
        [
            "prompt",
            "--set",
            "camera=imax-msm-9802",
            "--set",
            "aspect_ratio=2.39",
            "--model",
            "flux",
            "--fix",
        ]
    )
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "IMAX" in out.out


def test_missing_or_unknown_model(capsys) -> None:
    assert main(["prompt", "--preset", "alien"]) == 2
    assert "--model FAMILY is required" in capsys.readouterr().err
    assert main(["prompt", "--model", "dalle-9"]) == 2
    assert "unknown model family" in capsys.readouterr().err


def test_bad_input_exit_2(capsys) -> None:
    assert main(["prompt", "--preset", "no-such-film", "--model", "flux"]) == 2
    assert "no preset" in capsys.readouterr().err
    assert main(["prompt", "--set", "flavour=x", "--model", "flux"]) == 2
    assert "unknown field" in capsys.readouterr().err
    assert main(["prompt", "--set", "lens", "--model", "flux"]) == 2
    assert "field=value" in capsys.readouterr().err


def test_unknown_value_is_a_rule_error(capsys) -> None:
    assert main(["prompt", "--set", "camera=arri-alexa-99", "--model", "flux"]) == 1
    assert "unknown-value" in capsys.readouterr().err


def test_list_presets_filters(capsys) -> None:
    assert main(["prompt", "presets", "--era", "1970s", "--kind", "live"]) == 0
    out = capsys.readouterr().out
    assert "barry-lyndon" in out and "blade-runner-2049" not in out
    assert main(["prompt", "presets", "--kind", "animation", "--mood", "playful"]) == 0
    out = capsys.readouterr().out
    assert "warner-cartoon-shorts" in out and "alien" not in out
    assert main(["prompt", "presets", "--era", "1890s"]) == 0
    assert "No preset matches" in capsys.readouterr().out


def test_families_and_options(capsys) -> None:
    assert main(["prompt", "families"]) == 0
    out = capsys.readouterr().out
    assert "sd15" in out and "wan" in out and "illustrious" in out
    assert main(["prompt", "options", "film_stock", "--set", "camera=arri-alexa-mini"]) == 0
    out = capsys.readouterr().out
    assert "x kodak-vision3-500t-5219: " in out


def test_headless_without_qt() -> None:
    result = run_headless(
        "prompt",
        "--preset",
        "ghibli-pastoral",
        "--model",
        "illustrious",
        "--subject",
        "1girl, straw hat",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("masterpiece, best quality")
