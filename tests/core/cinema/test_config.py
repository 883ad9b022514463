"""ShotConfig and command-line assignments."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from directors_console.core.cinema import ShotConfig
from directors_console.core.cinema.config import CHOICE_FIELDS, parse_assignment


def test_blank_values_mean_not_chosen() -> None:
    config = ShotConfig.model_validate({"camera": "", "lens": "none", "mood": "tense"})
    assert config.camera is None and config.lens is None and config.mood == "tense"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        ShotConfig.model_validate({"flavour": "sweet"})
    with pytest.raises(ValidationError):
        ShotConfig.model_validate({"kind": "puppetry"})


def test_with_values_and_choices() -> None:
    config = ShotConfig(subject="a fox").with_values(camera="arri-alexa-mini", lens=None)
    assert config.subject == "a fox"
    choices = config.choices()
    assert set(choices) == {*CHOICE_FIELDS, "kind"}
    assert choices["camera"] == "arri-alexa-mini"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lens=cooke-s4i", ("lens", "cooke-s4i")),
        ("film-stock=none", ("film_stock", None)),
        ("subject= a man on a horse ", ("subject", "a man on a horse")),
        ("kind=animation", ("kind", "animation")),
    ],
)
def test_parse_assignment(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["lens", "=x", "flavour=x"])
def test_parse_assignment_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_assignment(text)
