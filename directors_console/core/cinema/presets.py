"""Film and animation presets: load them, filter them, and apply one with overrides.

Presets live in ``presets/cinema/presets/*.yaml``. A live-action preset records a real
film's look (title, year, cinematographer, camera, lens, stock, ratio, light, mood); an
animation preset records a studio's or artist's style by domain and medium. Every value
is a vocabulary id, checked at load time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from directors_console.core.cinema.config import CHOICE_FIELDS, Kind, ShotConfig
from directors_console.core.cinema.vocabulary import Vocabulary

LIVE_REQUIRED = ("camera", "lens", "aspect_ratio", "lighting_style", "mood")
ANIMATION_REQUIRED = ("medium", "style_domain", "mood")


class PresetError(Exception):
    """A preset file is unreadable, breaks the schema, or names unknown vocabulary."""


class Preset(BaseModel):
    """One look. ``settings`` maps choice fields to vocabulary ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Kind
    title: str
    year: int | None = Field(default=None, ge=1890, le=2030)
    era: str = Field(pattern=r"^\d{4}s$")
    director: str = ""
    cinematographer: str = ""
    studio: str = ""
    tags: tuple[str, ...] = ()
    settings: dict[str, str]
    note: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Preset:
        unknown = set(self.settings) - set(CHOICE_FIELDS)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        required = LIVE_REQUIRED if self.kind == "live" else ANIMATION_REQUIRED
        missing = [f for f in required if f not in self.settings]
        if missing:
            raise ValueError(f"{self.kind} preset needs {missing}")
        if self.kind == "live" and not (self.year and self.cinematographer):
            raise ValueError("a live-action preset needs its year and cinematographer")
        if self.year is not None and not self.era.startswith(str(self.year)[:3]):
            raise ValueError(f"era {self.era} does not match year {self.year}")
        return self

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class PresetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    presets: tuple[Preset, ...]


class PresetLibrary:
    """All presets in file order, with lookups and filters."""

    def __init__(self, presets: Iterable[Preset]) -> None:
        self._presets = {p.id: p for p in presets}

    def __len__(self) -> int:
        return len(self._presets)

    def all(self) -> tuple[Preset, ...]:
        return tuple(self._presets.values())

    def get(self, preset_id: str) -> Preset:
        try:
            return self._presets[preset_id]
        except KeyError:
            raise KeyError(f"no preset {preset_id!r}") from None

    def filter(
        self,
        *,
        kind: Kind | None = None,
        era: str | None = None,
        mood: str | None = None,
        domain: str | None = None,
        medium: str | None = None,
    ) -> tuple[Preset, ...]:
        """Presets matching every given criterion (mood also matches tags)."""

        def keep(p: Preset) -> bool:
            s = p.settings
            return (
                (kind is None or p.kind == kind)
                and (era is None or p.era == era)
                and (mood is None or s.get("mood") == mood or mood in p.tags)
                and (domain is None or s.get("style_domain") == domain)
                and (medium is None or s.get("medium") == medium)
            )

        return tuple(p for p in self._presets.values() if keep(p))

    def eras(self) -> tuple[str, ...]:
        return tuple(sorted({p.era for p in self._presets.values()}))

    def apply(
        self,
        preset_id: str,
        overrides: Mapping[str, str | None] | None = None,
        base: ShotConfig | None = None,
    ) -> ShotConfig:
        """The preset's settings on top of ``base`` (free text kept), then ``overrides``."""
        preset = self.get(preset_id)
        data = (base or ShotConfig()).model_dump()
        if base is None or base.kind != preset.kind:
            data.update(dict.fromkeys(CHOICE_FIELDS))
        data["kind"] = preset.kind
        data.update(preset.settings)
        data.update(overrides or {})
        return ShotConfig.model_validate(data)


def load_presets(folder: Path, vocab: Vocabulary) -> PresetLibrary:
    """Read every ``*.yaml`` in ``folder`` and check each value against ``vocab``."""
    presets: list[Preset] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            presets.extend(PresetFile.model_validate(data).presets)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise PresetError(f"{path.name}: {exc}") from exc
    seen: set[str] = set()
    for preset in presets:
        if preset.id in seen:
            raise PresetError(f"duplicate preset id {preset.id!r}")
        seen.add(preset.id)
        for field, value in preset.settings.items():
            if not vocab.has(field, value):
                raise PresetError(f"preset {preset.id}: unknown {field} {value!r}")
    return PresetLibrary(presets)
