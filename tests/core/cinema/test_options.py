"""available_options: which values a field may take now, and why the others may not."""

from __future__ import annotations

import pytest

from directors_console.core.cinema import ShotConfig
from directors_console.core.cinema.config import CHOICE_FIELDS


def test_empty_config_enables_every_live_value(lib) -> None:
    for field in ("camera", "lens", "film_stock", "aspect_ratio", "mood"):
        options = lib.available_options(field, ShotConfig())
        assert options.disabled == ()
        assert options.enabled == lib.vocabulary.ids(field)


def test_digital_camera_disables_every_stock(lib) -> None:
    options = lib.available_options("film_stock", ShotConfig(camera="arri-alexa-mini"))
    assert options.enabled == ()
    _value, reason = options.disabled[0]
    assert "records digitally" in reason


def test_sixteen_mm_camera_allows_only_16mm_stocks(lib) -> None:
    options = lib.available_options("film_stock", ShotConfig(camera="arriflex-416"))
    for value in options.enabled:
        assert "16mm" in lib.vocabulary.get("film_stock", value).gauges
    assert "kodak-vision3-500t-5219" in options.enabled
    assert "kodak-ektachrome-100d-5285" in dict(options.disabled)


def test_panavision_lenses_disabled_on_an_arri_65(lib) -> None:
    options = lib.available_options("lens", ShotConfig(camera="arri-alexa-65"))
    disabled = dict(options.disabled)
    assert "panavision-primo" in disabled
    assert "Panavision" in disabled["panavision-primo"]
    assert "arri-prime-65" in options.enabled


def test_imax_camera_limits_ratios(lib) -> None:
    options = lib.available_options("aspect_ratio", ShotConfig(camera="imax-msm-9802"))
    assert set(options.enabled) == {"1.43", "1.90"}


def test_heavy_camera_limits_equipment(lib) -> None:
    options = lib.available_options("equipment", ShotConfig(camera="imax-msm-9802"))
    assert "tripod" in options.enabled
    assert "fpv-drone" in dict(options.disabled)
    assert "steadicam" in dict(options.disabled)


def test_camera_options_follow_the_lens(lib) -> None:
    options = lib.available_options("camera", ShotConfig(lens="panavision-primo-70"))
    assert "panavision-dxl2" in options.enabled
    assert "sony-fx3" in dict(options.disabled)


def test_warnings_do_not_disable(lib) -> None:
    options = lib.available_options("lens", ShotConfig(camera="arri-alexa-mini-lf"))
    assert "zeiss-ultra-prime" in options.enabled  # S35 lens on LF only warns


def test_motion_style_by_medium(lib) -> None:
    config = ShotConfig(kind="animation", medium="cgi-3d")
    options = lib.available_options("motion_style", config)
    assert "replacement-faces" in dict(options.disabled)
    assert "smooth-keyframe" in options.enabled


def test_every_field_partitions_its_values(lib) -> None:
    config = lib.presets.apply("la-la-land")
    for field in CHOICE_FIELDS:
        options = lib.available_options(field, config)
        got = set(options.enabled) | {v for v, _ in options.disabled}
        assert got == set(lib.vocabulary.ids(field)), field
        assert all(reason for _, reason in options.disabled)


def test_unknown_field(lib) -> None:
    with pytest.raises(KeyError):
        lib.available_options("flavour", ShotConfig())
