"""The cinema vocabulary: cameras, lenses, stocks, light, framing, moods, animation terms.

Every entry lives in a YAML file under ``presets/cinema/vocabulary/``; this module owns the
pydantic models that validate them and :class:`Vocabulary`, the loaded, indexed whole.
Cross references (a movement naming equipment, a motion style naming media) are checked
once at load time, so the rule engine and the prompt generator can trust them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

SensorClass = Literal["2/3in", "S16", "MFT", "S35", "FF", "LF", "65mm", "IMAX"]
WeightClass = Literal["ultralight", "light", "medium", "heavy", "very_heavy"]
Capture = Literal["digital", "film"]
Gauge = Literal["8mm", "16mm", "35mm", "65mm"]

#: Sensor or negative classes from smallest to largest image circle.
SENSOR_ORDER: tuple[str, ...] = ("2/3in", "S16", "MFT", "S35", "FF", "LF", "65mm", "IMAX")
WEIGHT_ORDER: tuple[str, ...] = ("ultralight", "light", "medium", "heavy", "very_heavy")


class VocabularyError(Exception):
    """A vocabulary file is missing, unreadable or breaks its schema."""


class Entry(BaseModel):
    """One selectable value: a stable id, a label for people, an optional prompt phrase."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    label: str
    prompt: str = ""
    tag: str = ""
    note: str = ""

    @property
    def phrase(self) -> str:
        return self.prompt or self.label


class Sensor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    width_mm: float = Field(gt=0)
    height_mm: float = Field(gt=0)


class Camera(Entry):
    manufacturer: str
    capture: Capture
    sensor: Sensor
    sensor_class: SensorClass
    mounts: tuple[str, ...]
    weight_class: WeightClass
    year: int = Field(ge=1890, le=2030)
    gauge: Gauge | None = None
    imax: bool = False

    @model_validator(mode="after")
    def _film_has_gauge(self) -> Camera:
        if (self.capture == "film") != (self.gauge is not None):
            raise ValueError("film cameras need a gauge, digital cameras must not have one")
        return self


class Lens(Entry):
    manufacturer: str
    mounts: tuple[str, ...]
    coverage: SensorClass
    anamorphic: bool = False
    era: str
    ecosystem: str | None = None


class FilmStock(Entry):
    manufacturer: str
    gauges: tuple[Gauge, ...]
    iso: int = Field(gt=0)
    colour: Literal["colour", "bw"]
    balance: Literal["daylight", "tungsten", "panchromatic"]
    years: str = Field(pattern=r"^\d{4}-(\d{4}|now|\?)$")


class AspectRatio(Entry):
    ratio: float = Field(gt=0.5, lt=4.0)
    imax: bool = False
    imax_film_only: bool = False
    anamorphic_ok: bool = False
    needs_65mm: bool = False


class Equipment(Entry):
    carries: tuple[WeightClass, ...]


class Movement(Entry):
    equipment: tuple[str, ...] = ()
    motion: str = ""


class Timing(Entry):
    pass


class TimeOfDay(Entry):
    dark: bool = False
    sun: bool = False


class LightingSource(Entry):
    daylight_only: bool = False
    night_only: bool = False


class ColourTone(Entry):
    needs_colour: bool = False


class Medium(Entry):
    """An animation medium; ``photographed`` media (stop-motion) are shot with real cameras."""

    photographed: bool = False


class MediumBound(Entry):
    """An animation term that only suits some media (empty tuple: any medium)."""

    media: tuple[str, ...] = ()


class Vocabulary(BaseModel):
    """Every category, in file order (the order users see), plus id lookups."""

    model_config = ConfigDict(extra="forbid")

    camera: tuple[Camera, ...]
    lens: tuple[Lens, ...]
    film_stock: tuple[FilmStock, ...]
    aspect_ratio: tuple[AspectRatio, ...]
    equipment: tuple[Equipment, ...]
    movement: tuple[Movement, ...]
    timing: tuple[Timing, ...]
    time_of_day: tuple[TimeOfDay, ...]
    lighting_source: tuple[LightingSource, ...]
    lighting_style: tuple[Entry, ...]
    shot_size: tuple[Entry, ...]
    composition: tuple[Entry, ...]
    mood: tuple[Entry, ...]
    colour_tone: tuple[ColourTone, ...]
    medium: tuple[Medium, ...]
    style_domain: tuple[Entry, ...]
    line_treatment: tuple[MediumBound, ...]
    colour_application: tuple[MediumBound, ...]
    lighting_model: tuple[MediumBound, ...]
    surface_detail: tuple[MediumBound, ...]
    motion_style: tuple[MediumBound, ...]

    _index: dict[str, dict[str, Entry]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self) -> Vocabulary:
        for name in type(self).model_fields:
            ids = [e.id for e in getattr(self, name)]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{name}: duplicate ids {dupes}")
        equipment = {e.id for e in self.equipment}
        for move in self.movement:
            unknown = set(move.equipment) - equipment
            if unknown:
                raise ValueError(f"movement {move.id}: unknown equipment {sorted(unknown)}")
        media = {m.id for m in self.medium}
        for name in ANIMATION_BOUND:
            for entry in getattr(self, name):
                unknown = set(entry.media) - media
                if unknown:
                    raise ValueError(f"{name} {entry.id}: unknown media {sorted(unknown)}")
        return self

    def model_post_init(self, _context: object) -> None:
        self._index = {
            name: {e.id: e for e in getattr(self, name)} for name in type(self).model_fields
        }

    def fields(self) -> tuple[str, ...]:
        return tuple(self._index)

    def entries(self, field: str) -> tuple[Entry, ...]:
        if field not in self._index:
            raise KeyError(f"unknown field {field!r}")
        return tuple(self._index[field].values())

    def ids(self, field: str) -> tuple[str, ...]:
        return tuple(self._index[field])

    def get(self, field: str, value: str | None) -> Entry | None:
        if value is None:
            return None
        return self._index.get(field, {}).get(value)

    def has(self, field: str, value: str) -> bool:
        return value in self._index.get(field, {})


ANIMATION_BOUND = (
    "line_treatment",
    "colour_application",
    "lighting_model",
    "surface_detail",
    "motion_style",
)


def load_vocabulary(folder: Path) -> Vocabulary:
    """Read every ``*.yaml`` in ``folder``; each maps category names to entry lists."""
    merged: dict[str, list[object]] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise VocabularyError(f"no vocabulary files in {folder}")
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise VocabularyError(f"{path.name}: {exc}") from exc
        if not isinstance(data, dict):
            raise VocabularyError(f"{path.name}: expected a mapping of categories")
        for key, items in data.items():
            if key in merged:
                raise VocabularyError(f"{path.name}: category {key!r} defined twice")
            merged[str(key)] = items
    try:
        return Vocabulary.model_validate(merged)
    except ValidationError as exc:
        raise VocabularyError(f"vocabulary in {folder}: {exc}") from exc
