"""Presets: counts, every preset passes its own rules, filters, apply with overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from directors_console.core.cinema import ShotConfig
from directors_console.core.cinema.presets import PresetError, load_presets

# A film preset may leave the stock out where it is not on record; the rule then only warns.
ALLOWED_PRESET_WARNINGS = {"film-camera-without-stock"}


def test_counts(lib) -> None:
    assert len(lib.presets.filter(kind="live")) >= 60
    assert len(lib.presets.filter(kind="animation")) >= 40


def test_every_preset_passes_its_rules(lib) -> None:
    problems = []
    for preset in lib.presets.all():
        for m in lib.validate(lib.presets.apply(preset.id)):
            if m.severity == "error" or m.rule_id not in ALLOWED_PRESET_WARNINGS:
                problems.append((preset.id, m.rule_id, m.message))
    assert problems == []


def test_film_presets_name_a_stock_only_for_film_cameras(lib) -> None:
    for preset in lib.presets.filter(kind="live"):
        camera = lib.vocabulary.get("camera", preset.settings["camera"])
        if "film_stock" in preset.settings:
            assert camera.capture == "film", preset.id


def test_live_presets_carry_their_facts(lib) -> None:
    for preset in lib.presets.filter(kind="live"):
        assert preset.title and preset.year and preset.cinematographer, preset.id
        assert preset.era == f"{str(preset.year)[:3]}0s"
        for field in ("camera", "lens", "aspect_ratio", "lighting_style", "mood"):
            assert field in preset.settings, (preset.id, field)


def test_filter_by_era_mood_domain_medium(lib) -> None:
    seventies = lib.presets.filter(era="1970s")
    assert seventies and all(p.era == "1970s" for p in seventies)
    tense = lib.presets.filter(mood="tense")
    assert tense and all(p.settings.get("mood") == "tense" or "tense" in p.tags for p in tense)
    anime = lib.presets.filter(domain="anime-feature")
    assert anime and all(p.kind == "animation" for p in anime)
    clay = lib.presets.filter(medium="claymation", kind="animation")
    assert {p.id for p in clay} >= {"aardman-wallace-gromit"}
    assert lib.presets.filter(era="1890s") == ()


def test_apply_with_overrides_and_base(lib) -> None:
    base = ShotConfig(subject="a lighthouse keeper", scene="storm outside", lens="cooke-s4i")
    config = lib.presets.apply("the-lighthouse", {"time_of_day": "dusk"}, base=base)
    assert config.subject == "a lighthouse keeper"
    assert config.camera == "panavision-millennium-xl2"
    assert config.lens == "bausch-lomb-baltar"
    assert config.time_of_day == "dusk"
    assert config.kind == "live"


def test_apply_animation_preset_drops_live_choices(lib) -> None:
    base = ShotConfig(camera="arri-alexa-mini", subject="a fox")
    config = lib.presets.apply("laika-coraline", base=base)
    assert config.kind == "animation"
    assert config.camera is None
    assert config.subject == "a fox"


def test_unknown_preset(lib) -> None:
    with pytest.raises(KeyError, match="no preset"):
        lib.presets.apply("no-such-film")


def _write(tmp_path: Path, preset: dict[str, object]) -> Path:
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "p.yaml").write_text(yaml.safe_dump({"presets": [preset]}))
    return folder


GOOD = {
    "id": "x",
    "kind": "live",
    "title": "X",
    "year": 1999,
    "era": "1990s",
    "cinematographer": "Y",
    "settings": {
        "camera": "arricam-lt",
        "lens": "cooke-s4i",
        "aspect_ratio": "1.85",
        "lighting_style": "low-key",
        "mood": "tense",
    },
}


def test_a_good_preset_file_loads(lib, tmp_path: Path) -> None:
    assert len(load_presets(_write(tmp_path, GOOD), lib.vocabulary)) == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"era": "1980s"}, "does not match"),
        ({"settings": {**GOOD["settings"], "lens": "no-lens"}}, "unknown lens"),
        ({"settings": {**GOOD["settings"], "flavour": "x"}}, "unknown settings"),
        ({"settings": {"camera": "arricam-lt"}}, "needs"),
        ({"cinematographer": ""}, "cinematographer"),
    ],
)
def test_bad_presets_are_refused(
    lib, tmp_path: Path, change: dict[str, object], problem: str
) -> None:
    with pytest.raises(PresetError, match=problem):
        load_presets(_write(tmp_path, {**GOOD, **change}), lib.vocabulary)
