"""AngleLibrary: 144 generated angles with stable ids, filters, and the YAML it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from directors_console.core.templates import AngleFileError, AngleLibrary


@pytest.fixture(scope="module")
def library() -> AngleLibrary:
    return AngleLibrary.load()


def test_exactly_144_unique_angles(library: AngleLibrary) -> None:
    ids = [a.id for a in library]
    assert len(library) == 144
    assert len(set(ids)) == 144
    assert len({a.label for a in library}) == 144
    assert len({a.prompt for a in library}) == 144


def test_ids_are_stable(library: AngleLibrary) -> None:
    assert library.ids[0] == "close-low-000"
    assert library.ids[-1] == "wide-overhead-330"
    assert library.ids == AngleLibrary.load().ids
    wide = library["wide-low-090"]
    assert (wide.size, wide.height, wide.direction, wide.degrees) == ("wide", "low", "090", 90)
    assert wide.label == "Wide shot · Low angle · Right profile"
    assert wide.prompt.startswith("wide shot")
    assert "low-angle shot" in wide.prompt
    assert "right profile" in wide.prompt
    assert "wide-low-090" in library
    assert library.get("nope") is None
    with pytest.raises(KeyError, match="no camera angle"):
        library["nope"]


def test_axes(library: AngleLibrary) -> None:
    assert [s.id for s in library.axes.sizes] == ["close", "medium", "wide"]
    assert [h.id for h in library.axes.heights] == ["low", "eye", "high", "overhead"]
    assert [d.degrees for d in library.axes.directions] == [30 * i for i in range(12)]
    assert [d.clock for d in library.axes.directions] == [12, *range(1, 12)]


def test_filters(library: AngleLibrary) -> None:
    assert len(library.filter()) == 144
    assert len(library.filter(size="close")) == 48
    assert len(library.filter(height="overhead")) == 36
    assert len(library.filter(direction="180")) == 12
    assert len(library.filter(size="medium", height="high")) == 12
    (one,) = library.filter(size="medium", height="eye", direction="270")
    assert one.id == "medium-eye-270"
    assert all(a.direction == "000" for a in library.filter(direction="000"))
    with pytest.raises(KeyError, match="no height 'sideways'"):
        library.filter(height="sideways")


def test_nearest(library: AngleLibrary) -> None:
    assert library.nearest("wide", "eye", 100).id == "wide-eye-090"
    assert library.nearest("wide", "eye", 350).id == "wide-eye-000"
    assert library.nearest("close", "high", -40).id == "close-high-330"


def test_a_custom_axes_file(tmp_path: Path) -> None:
    path = tmp_path / "angles.yaml"
    path.write_text(
        "sizes: [{id: full, label: Full, tokens: full shot}]\n"
        "heights: [{id: eye, label: Eye, tokens: eye level}]\n"
        "directions:\n"
        "  - {id: front, degrees: 0, label: Front, tokens: front view}\n"
        "  - {id: back, degrees: 180, label: Back, tokens: back view}\n",
        encoding="utf-8",
    )
    lib = AngleLibrary.load(path)
    assert lib.ids == ("full-eye-front", "full-eye-back")
    assert lib["full-eye-back"].prompt == "full shot, eye level, back view"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("sizes: [\n", "cannot read"),
        ("sizes: []\nheights: []\ndirections: []\n", "sizes: Tuple should have at least 1"),
        (
            "sizes: [{id: a, label: A, tokens: a}, {id: a, label: B, tokens: b}]\n"
            "heights: [{id: e, label: E, tokens: e}]\n"
            "directions: [{id: f, degrees: 0, label: F, tokens: f}]\n",
            "duplicate ids",
        ),
        (
            "sizes: [{id: a, label: A, tokens: a}]\n"
            "heights: [{id: e, label: E, tokens: e}]\n"
            "directions: [{id: f, degrees: 400, label: F, tokens: f}]\n",
            "directions.0.degrees",
        ),
    ],
)
def test_bad_angle_files(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "angles.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AngleFileError, match=reason):
        AngleLibrary.load(path)
    with pytest.raises(AngleFileError, match="cannot read"):
        AngleLibrary.load(tmp_path / "missing.yaml")
