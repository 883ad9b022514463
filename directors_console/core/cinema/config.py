"""A shot configuration: what the user picked in Prompt Studio, plus their own words.

:class:`ShotConfig` is the one object that flows from presets through the rule engine to
the prompt generator. Choice fields hold vocabulary ids (or ``None`` for "not chosen");
``subject`` and ``scene`` are free text written by the user.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

Kind = Literal["live", "animation"]

LIVE_FIELDS: tuple[str, ...] = (
    "camera",
    "lens",
    "film_stock",
    "aspect_ratio",
    "equipment",
    "movement",
    "timing",
    "time_of_day",
    "lighting_source",
    "lighting_style",
    "shot_size",
    "composition",
    "mood",
    "colour_tone",
)
ANIMATION_FIELDS: tuple[str, ...] = (
    "medium",
    "style_domain",
    "line_treatment",
    "colour_application",
    "lighting_model",
    "surface_detail",
    "motion_style",
)
CHOICE_FIELDS: tuple[str, ...] = LIVE_FIELDS + ANIMATION_FIELDS
TEXT_FIELDS: tuple[str, ...] = ("subject", "scene")


class ShotConfig(BaseModel):
    """Every choice for one shot. Unknown keys are refused, values are vocabulary ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind = "live"
    subject: str = ""
    scene: str = ""
    camera: str | None = None
    lens: str | None = None
    film_stock: str | None = None
    aspect_ratio: str | None = None
    equipment: str | None = None
    movement: str | None = None
    timing: str | None = None
    time_of_day: str | None = None
    lighting_source: str | None = None
    lighting_style: str | None = None
    shot_size: str | None = None
    composition: str | None = None
    mood: str | None = None
    colour_tone: str | None = None
    medium: str | None = None
    style_domain: str | None = None
    line_treatment: str | None = None
    colour_application: str | None = None
    lighting_model: str | None = None
    surface_detail: str | None = None
    motion_style: str | None = None

    @field_validator(*CHOICE_FIELDS, mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("", "none", "null", "-"):
            return None
        return value

    def choices(self) -> dict[str, str | None]:
        """The choice fields as a plain dict (what the rule engine reads)."""
        return {name: getattr(self, name) for name in CHOICE_FIELDS} | {"kind": self.kind}

    def with_values(self, **values: str | None) -> ShotConfig:
        """A copy with some fields changed, validated like user input."""
        data = self.model_dump()
        data.update(values)
        return ShotConfig.model_validate(data)


def parse_assignment(text: str) -> tuple[str, str | None]:
    """``"lens=cooke-s4"`` -> ``("lens", "cooke-s4")``; raise ValueError on bad input."""
    name, sep, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise ValueError(f"expected field=value, got {text!r}")
    if name not in CHOICE_FIELDS + TEXT_FIELDS + ("kind",):
        raise ValueError(f"unknown field {name!r}; fields: {', '.join(CHOICE_FIELDS)}")
    value = value.strip()
    if name in CHOICE_FIELDS and value.lower() in ("", "none", "null", "-"):
        return name, None
    return name, value
