"""Every rule fires on a config that breaks it and stays silent on one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from directors_console.core.cinema import ShotConfig
from directors_console.core.cinema.rules import RulesError, load_rules
from tests.core.cinema.conftest import CINEMA_DIR

ANIM = {"kind": "animation"}
V3_500T = "kodak-vision3-500t-5219"

# rule id -> (breaking config, config that satisfies it)
CASES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "film-stock-needs-film-camera": (
        {"camera": "arri-alexa-mini", "film_stock": V3_500T},
        {"camera": "arricam-lt", "film_stock": V3_500T},
    ),
    "film-camera-without-stock": (
        {"camera": "arricam-lt"},
        {"camera": "arricam-lt", "film_stock": V3_500T},
    ),
    "stock-gauge-matches-camera": (
        {"camera": "arricam-lt", "film_stock": "kodachrome-40-super-8"},
        {"camera": "arriflex-416", "film_stock": V3_500T},
    ),
    "slow-stock-at-night": (
        {"camera": "arricam-lt", "film_stock": "kodak-vision3-50d-5203", "time_of_day": "night"},
        {
            "camera": "arricam-lt",
            "film_stock": "kodak-vision3-50d-5203",
            "time_of_day": "night",
            "lighting_source": "hmi",
        },
    ),
    "lens-mount-fits-camera": (
        {"camera": "sony-fx3", "lens": "zeiss-master-prime"},
        {"camera": "arri-alexa-mini", "lens": "zeiss-master-prime"},
    ),
    "panavision-closed-ecosystem": (
        {"camera": "arri-alexa-65", "lens": "panavision-primo"},
        {"camera": "panavision-dxl2", "lens": "panavision-primo-70"},
    ),
    "lens-covers-sensor": (
        {"camera": "arri-alexa-mini-lf", "lens": "zeiss-ultra-16"},
        {"camera": "arri-alexa-mini-lf", "lens": "arri-signature-prime"},
    ),
    "imax-is-spherical": (
        {"camera": "imax-msm-9802", "lens": "panavision-c-series"},
        {"camera": "imax-msm-9802", "lens": "hasselblad-imax"},
    ),
    "day-for-night-needs-night-scene": (
        {"time_of_day": "midday", "lighting_style": "day-for-night"},
        {"time_of_day": "night", "lighting_style": "day-for-night"},
    ),
    "imax-camera-ratio": (
        {"camera": "imax-msm-9802", "aspect_ratio": "2.39"},
        {"camera": "imax-msm-9802", "aspect_ratio": "1.43"},
    ),
    "imax-film-ratio-needs-15-70": (
        {"camera": "arri-alexa-65", "aspect_ratio": "1.43"},
        {"camera": "imax-msm-9802", "aspect_ratio": "1.43"},
    ),
    "anamorphic-needs-scope-ratio": (
        {"lens": "cooke-anamorphic-i", "aspect_ratio": "1.85"},
        {"lens": "cooke-anamorphic-i", "aspect_ratio": "2.39"},
    ),
    "ultra-panavision-needs-65mm-anamorphic": (
        {"camera": "arri-alexa-mini", "lens": "zeiss-master-prime", "aspect_ratio": "2.76"},
        {"camera": "panavision-system-65", "lens": "ultra-panavision-70", "aspect_ratio": "2.76"},
    ),
    "equipment-carries-camera": (
        {"camera": "imax-msm-9802", "equipment": "steadicam"},
        {"camera": "red-komodo-6k", "equipment": "handheld-gimbal"},
    ),
    "movement-needs-equipment": (
        {"movement": "fpv-dive", "equipment": "tripod"},
        {"movement": "fpv-dive", "equipment": "fpv-drone"},
    ),
    "sunlight-at-night": (
        {"time_of_day": "night", "lighting_source": "sunlight"},
        {"time_of_day": "night", "lighting_source": "sunlight", "lighting_style": "day-for-night"},
    ),
    "moonlight-in-sunshine": (
        {"time_of_day": "midday", "lighting_source": "moonlight"},
        {"time_of_day": "night", "lighting_source": "moonlight"},
    ),
    "colour-grade-needs-colour-stock": (
        {
            "camera": "arricam-lt",
            "film_stock": "eastman-double-x-5222",
            "colour_tone": "teal-orange",
        },
        {"camera": "arricam-lt", "film_stock": "eastman-double-x-5222", "colour_tone": "sepia"},
    ),
    "live-with-animation-terms": (
        {"kind": "live", "medium": "claymation"},
        {**ANIM, "medium": "claymation"},
    ),
    "animation-with-physical-rig": (
        {**ANIM, "medium": "cgi-3d", "camera": "arri-alexa-mini"},
        {**ANIM, "medium": "claymation", "camera": "arri-alexa-mini"},
    ),
    "animation-needs-medium": (ANIM, {**ANIM, "medium": "digital-2d"}),
    "motion-style-fits-medium": (
        {**ANIM, "medium": "cgi-3d", "motion_style": "replacement-faces"},
        {**ANIM, "medium": "stop-motion-puppet", "motion_style": "replacement-faces"},
    ),
    "line-treatment-fits-medium": (
        {**ANIM, "medium": "claymation", "line_treatment": "clean-ink"},
        {**ANIM, "medium": "digital-2d", "line_treatment": "clean-ink"},
    ),
    "colour-application-fits-medium": (
        {**ANIM, "medium": "pixel-art", "colour_application": "pbr-materials"},
        {**ANIM, "medium": "cgi-3d", "colour_application": "pbr-materials"},
    ),
    "lighting-model-fits-medium": (
        {**ANIM, "medium": "hand-drawn-2d", "lighting_model": "global-illumination"},
        {**ANIM, "medium": "cgi-3d", "lighting_model": "global-illumination"},
    ),
    "surface-detail-fits-medium": (
        {**ANIM, "medium": "digital-2d", "surface_detail": "fingerprints-clay"},
        {**ANIM, "medium": "claymation", "surface_detail": "fingerprints-clay"},
    ),
}


def test_there_are_enough_rules(lib) -> None:
    assert len(lib.engine.rules) >= 12


def test_every_rule_has_a_case(lib) -> None:
    assert {r.id for r in lib.engine.rules} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_bad_config(lib, rule_id: str) -> None:
    bad, _good = CASES[rule_id]
    messages = lib.validate(ShotConfig.model_validate(bad))
    hits = [m for m in messages if m.rule_id == rule_id]
    assert hits, messages
    rule = next(r for r in lib.engine.rules if r.id == rule_id)
    assert hits[0].severity == rule.severity
    assert hits[0].field == rule.field
    assert "{" not in hits[0].message and "(none)" not in hits[0].message


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_silent_on_good_config(lib, rule_id: str) -> None:
    _bad, good = CASES[rule_id]
    messages = lib.validate(ShotConfig.model_validate(good))
    assert rule_id not in {m.rule_id for m in messages}


def test_empty_config_is_clean(lib) -> None:
    assert lib.validate(ShotConfig()) == []


def test_unknown_value_is_an_error_with_fix(lib) -> None:
    messages = lib.validate(ShotConfig(camera="arri-alexa-99"))
    assert messages[0].rule_id == "unknown-value"
    assert messages[0].fix == {"camera": None}


def test_errors_come_first(lib) -> None:
    config = ShotConfig(camera="arricam-lt", lens="cooke-anamorphic-i", aspect_ratio="1.85")
    severities = [m.severity for m in lib.validate(config)]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert "warning" in severities and "error" in severities


def test_fix_is_proposed_and_apply_fixes_clears_errors(lib) -> None:
    config = ShotConfig(
        camera="imax-msm-9802", lens="zeiss-master-prime", aspect_ratio="2.39", equipment="gimbal"
    )
    fixes = {m.rule_id: m.fix for m in lib.validate(config)}
    assert fixes["imax-camera-ratio"] in ({"aspect_ratio": "1.43"}, {"aspect_ratio": "1.90"})
    fixed = lib.apply_fixes(config)
    assert not [m for m in lib.validate(fixed) if m.severity == "error"]
    assert fixed.camera == "imax-msm-9802"
    assert fixed.lens is not None


def test_apply_fixes_sets_day_for_night(lib) -> None:
    fixed = lib.apply_fixes(ShotConfig(time_of_day="night", lighting_source="sunlight"))
    assert fixed.lighting_style == "day-for-night"
    assert lib.validate(fixed) == []


def test_apply_fixes_clears_animation_terms_on_live(lib) -> None:
    fixed = lib.apply_fixes(ShotConfig(medium="claymation", motion_style="on-twos"))
    assert fixed.medium is None and fixed.motion_style is None


def test_apply_fixes_keeps_a_clean_config(lib) -> None:
    config = lib.presets.apply("blade-runner-2049", {"subject": "a replicant"})
    assert lib.apply_fixes(config) == config


def _rules_file(tmp_path: Path, rule: dict[str, object]) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": [rule]}))
    return path


BASE_RULE = {"id": "x", "severity": "error", "field": "lens", "message": "m"}


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"require": [{"field": "lenz", "op": "set"}]}, "unknown field"),
        ({"require": [{"field": "lens", "attr": "colour", "op": "truthy"}]}, "no attribute"),
        ({"check": "no-such-predicate"}, "no predicate"),
        ({"when": [{"field": "lens"}], "fix": {"python": "nope"}}, "no fix"),
        ({"when": [{"field": "lens"}], "fix": {"set": {"lens": "nope"}}}, "unknown"),
        ({}, "needs"),
        ({"when": [{"field": "lens", "op": "bigger"}]}, "op"),
    ],
)
def test_bad_rules_are_refused(lib, tmp_path: Path, extra: dict[str, object], problem: str) -> None:
    path = _rules_file(tmp_path, {**BASE_RULE, **extra})
    with pytest.raises(RulesError, match=problem):
        load_rules(path, lib.vocabulary)


def test_real_rules_file_loads(lib) -> None:
    assert len(load_rules(CINEMA_DIR / "rules.yaml", lib.vocabulary)) == len(lib.engine.rules)
