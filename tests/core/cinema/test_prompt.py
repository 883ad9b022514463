"""The prompt generator: structure per family, negatives, determinism."""

from __future__ import annotations

import re

import pytest

from directors_console.core.cinema import ShotConfig

LIVE = {"subject": "a detective in a long coat", "scene": "rain on the street"}
FAMILIES = ("sd15", "sdxl", "flux", "qwen-image", "sd3", "hidream", "wan", "hunyuan-video")
FAMILIES += ("illustrious", "pony", "natural")


@pytest.fixture(scope="module")
def live(lib) -> ShotConfig:
    return lib.presets.apply(
        "blade-runner", {**LIVE, "movement": "dolly-in", "equipment": "studio-dolly"}
    )


@pytest.fixture(scope="module")
def anim(lib) -> ShotConfig:
    return lib.presets.apply("spider-verse", {"subject": "a teenage hero swinging between towers"})


def test_at_least_eight_families(lib) -> None:
    assert len(lib.generator.families) >= 8
    for family in FAMILIES:
        lib.generator.family(family)


@pytest.mark.parametrize("family", FAMILIES)
def test_deterministic(lib, live, anim, family: str) -> None:
    for config in (live, anim):
        first = lib.prompt(config, family)
        assert lib.prompt(config.model_copy(), family) == first
        assert first.positive and "{" not in first.positive and "None" not in first.positive


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_weighted_tags(lib, live, family: str) -> None:
    out = lib.prompt(live, family)
    tags = out.positive.split(", ")
    assert len(tags) > 8
    assert re.search(r"\(a detective in a long coat:1\.\d\)", out.positive)
    assert "shot on Panavision Panaflex" in tags
    assert out.negative and "cartoon" in out.negative
    assert "." not in out.positive.replace("1.", "").replace("2.3", "")


def test_sentence_families_read_as_prose(lib, live) -> None:
    out = lib.prompt(live, "flux")
    assert out.negative is None
    assert out.positive.startswith("Medium shot of a detective in a long coat, rain on the street.")
    assert "Shot on Panavision Panaflex with Panavision anamorphic primes" in out.positive
    assert "(" not in out.positive
    assert out.positive.count(". ") >= 4
    assert lib.prompt(live, "qwen-image").negative
    assert lib.prompt(live, "natural").negative is None


def test_video_families_describe_motion(lib, live) -> None:
    for family in ("wan", "hunyuan-video"):
        out = lib.prompt(live, family)
        assert (
            "Camera: the camera dollies slowly toward the subject, dolly on track." in out.positive
        )
        assert out.negative
    assert "static frame" in lib.prompt(live, "wan").negative


def test_stills_leave_motion_out(lib, live, anim) -> None:
    assert "dollies" not in lib.prompt(live, "flux").positive
    assert "stepped" not in lib.prompt(anim, "sdxl").positive
    assert "stepped like hand-drawn" in lib.prompt(anim, "wan").positive


def test_anime_tags(lib, anim) -> None:
    out = lib.prompt(anim, "illustrious")
    tags = out.positive.split(", ")
    assert tags[:4] == ["masterpiece", "best quality", "amazing quality", "absurdres"]
    assert "comic" in tags and "halftone" in tags
    assert out.positive == out.positive.lower()
    assert "worst quality" in out.negative
    pony = lib.prompt(anim, "pony")
    assert pony.positive.startswith("score_9, score_8_up, score_7_up")


def test_anime_tags_skip_camera_kit(lib, live) -> None:
    out = lib.prompt(live, "illustrious")
    assert "panaflex" not in out.positive
    assert "cowboy shot" in out.positive or "upper body" in out.positive


def test_animation_prose(lib, anim) -> None:
    out = lib.prompt(anim, "flux")
    assert "Stylised 3D with painterly shading in a graphic novel style" in out.positive


def test_negatives_follow_the_kind(lib, live, anim) -> None:
    assert "photorealistic" in lib.prompt(anim, "sd15").negative
    assert "photorealistic" not in lib.prompt(live, "sd15").negative


def test_monochrome_negative(lib) -> None:
    config = lib.presets.apply("the-lighthouse", {"subject": "two keepers"})
    assert "colour" in lib.prompt(config, "sd15").negative.split(", ")


def test_empty_config_still_gives_text(lib) -> None:
    for family in FAMILIES:
        assert lib.prompt(ShotConfig(), family).positive


def test_unknown_family(lib, live) -> None:
    with pytest.raises(KeyError, match="known"):
        lib.prompt(live, "dall-e-9")


def test_prefixes_follow_the_kind(lib, live, anim) -> None:
    assert lib.prompt(live, "sd15").positive.startswith("best quality, cinematic film still, ")
    assert lib.prompt(live, "sd15").positive.endswith("sharp focus, film grain")
    assert lib.prompt(anim, "sd15").positive.startswith("best quality, animation still, ")
    assert "film grain" not in lib.prompt(anim, "sd15").positive
    assert lib.prompt(anim, "sd3").positive.startswith("A still from an animated film. ")
