"""The prompt generator: one shot configuration, written the way each model family reads best.

Families are data (``presets/cinema/prompt_families.yaml``): their writing style, quality
words, weights and negatives. This module owns the grammar of each style:

- ``weighted_tags``  comma tags with ``(term:1.2)`` weights (SD 1.5, SDXL),
- ``anime_tags``     booru-style short tags after quality tags (Illustrious, Pony),
- ``sentences``      natural prose, camera facts last (Flux, Qwen-Image, SD3, general),
- ``video``          prose plus what moves and how the camera moves (Wan, HunyuanVideo).

Output is deterministic: the same config and family always give the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from directors_console.core.cinema.config import ShotConfig
from directors_console.core.cinema.vocabulary import Vocabulary

Style = Literal["weighted_tags", "anime_tags", "sentences", "video"]

ANIMATION_LOOK = (
    "medium",
    "style_domain",
    "line_treatment",
    "colour_application",
    "lighting_model",
    "surface_detail",
    "motion_style",
)
LIGHT_AND_FEEL = ("time_of_day", "lighting_source", "lighting_style", "mood", "colour_tone")
CAMERA_KIT = ("camera", "lens", "film_stock", "aspect_ratio")
MONO_TONES = ("black-and-white", "sepia")


class PromptFamilyError(Exception):
    """The families file is unreadable or breaks its schema."""


class Negatives(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    common: tuple[str, ...] = ()
    live: tuple[str, ...] = ()
    animation: tuple[str, ...] = ()
    monochrome: tuple[str, ...] = ()


class PromptFamily(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    label: str
    style: Style
    models: tuple[str, ...] = ()
    prefix: tuple[str, ...] = ()
    live_prefix: tuple[str, ...] = ()
    animation_prefix: tuple[str, ...] = ()
    suffix: tuple[str, ...] = ()
    live_suffix: tuple[str, ...] = ()

    def head(self, config: ShotConfig) -> list[str]:
        kind = self.live_prefix if config.kind == "live" else self.animation_prefix
        return [*self.prefix, *kind]

    def tail(self, config: ShotConfig) -> list[str]:
        return [*self.suffix, *(self.live_suffix if config.kind == "live" else ())]

    weights: dict[str, float] = Field(default_factory=dict)
    negative: Negatives | None = None


class FamilyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phrases: dict[str, str]
    families: tuple[PromptFamily, ...]


@dataclass(frozen=True, slots=True)
class GeneratedPrompt:
    family: str
    positive: str
    negative: str | None


class PromptGenerator:
    """Turns a ShotConfig into text for one family; ``phrases`` wrap vocabulary labels."""

    def __init__(
        self, vocab: Vocabulary, families: tuple[PromptFamily, ...], phrases: dict[str, str]
    ) -> None:
        self.vocab = vocab
        self.families = {f.id: f for f in families}
        self.phrases = phrases

    def family(self, family_id: str) -> PromptFamily:
        try:
            return self.families[family_id]
        except KeyError:
            known = ", ".join(self.families)
            raise KeyError(f"unknown model family {family_id!r}; known: {known}") from None

    # -- building blocks --------------------------------------------------------------

    def _term(self, config: ShotConfig, field: str, tag: bool = False, wrap: bool = True) -> str:
        entry = self.vocab.get(field, getattr(config, field))
        if entry is None:
            return ""
        if tag and entry.tag:
            return entry.tag
        phrase = _lens_words(entry.phrase) if field == "lens" else entry.phrase
        return self.phrases.get(field, "{}").format(phrase) if wrap else phrase

    def _ordered_terms(self, config: ShotConfig, tag: bool) -> list[tuple[str, str]]:
        """(field, phrase) pairs from most to least important for the picture."""
        # Stills do not move; motion style belongs to video prompts only.
        look = ANIMATION_LOOK[:-1] + LIGHT_AND_FEEL + (() if tag else CAMERA_KIT)
        pairs = [("subject", config.subject.strip()), ("scene", config.scene.strip())]
        pairs += [(f, self._term(config, f, tag)) for f in ("shot_size", "composition", *look)]
        return [(f, t) for f, t in pairs if t]

    def _negative(self, family: PromptFamily, config: ShotConfig) -> str | None:
        neg = family.negative
        if neg is None:
            return None
        words = list(neg.common)
        words += neg.live if config.kind == "live" else neg.animation
        stock = self.vocab.get("film_stock", config.film_stock)
        tone = self.vocab.get("colour_tone", config.colour_tone)
        if getattr(stock, "colour", "") == "bw" or (
            tone is not None and tone.id == "black-and-white"
        ):
            words += neg.monochrome
        return ", ".join(dict.fromkeys(words))

    # -- styles -----------------------------------------------------------------------

    def _weighted_tags(self, family: PromptFamily, config: ShotConfig) -> str:
        out = family.head(config)
        for field, term in self._ordered_terms(config, tag=False):
            weight = family.weights.get(field)
            out.append(f"({term}:{weight:g})" if weight and weight != 1 else term)
        return ", ".join(out + family.tail(config))

    def _anime_tags(self, family: PromptFamily, config: ShotConfig) -> str:
        out = family.head(config)
        for _field, term in self._ordered_terms(config, tag=True):
            out.extend(part.strip().lower() for part in term.split(",") if part.strip())
        return ", ".join(dict.fromkeys(out + family.tail(config)))

    def _sentences(self, config: ShotConfig) -> list[str]:
        t = {f: self._term(config, f, wrap=False) for f in self.vocab.fields()}
        subject = config.subject.strip() or "the scene"
        scene = config.scene.strip()
        opening = f"{t['shot_size']} of {subject}" if t["shot_size"] else subject
        lines = [_sentence(opening + (f", {scene}" if scene else ""))]
        if config.kind == "animation" and t["medium"]:
            art = t["medium"] + (f" in a {t['style_domain']} style" if t["style_domain"] else "")
            finish = [t[f] for f in ANIMATION_LOOK[2:5] if t[f]]
            lines.append(_sentence(art + (f", with {_join(finish)}" if finish else "")))
            if t["surface_detail"]:
                lines.append(_sentence(f"Finish: {t['surface_detail']}"))
        light = [t[f] for f in ("lighting_source", "lighting_style") if t[f]]
        if t["time_of_day"] or light:
            head = t["time_of_day"] or "The scene is"
            lines.append(_sentence(head + (f", lit by {_join(light)}" if light else "")))
        if t["composition"]:
            lines.append(_sentence(f"Composition: {t['composition']}"))
        if t["mood"]:
            lines.append(_sentence(f"The mood is {t['mood']}"))
        if t["colour_tone"]:
            lines.append(_sentence(f"Colour: {t['colour_tone']}"))
        if t["camera"] or t["lens"]:
            kit = f"Shot on {t['camera']}" if t["camera"] else "Shot"
            kit += f" with {t['lens']}" if t["lens"] else ""
            lines.append(_sentence(kit + (f" on {t['film_stock']}" if t["film_stock"] else "")))
        elif t["film_stock"]:
            lines.append(_sentence(f"Shot on {t['film_stock']}"))
        if t["aspect_ratio"]:
            lines.append(_sentence(f"Framed in a {t['aspect_ratio']}"))
        return lines

    def _motion(self, config: ShotConfig) -> list[str]:
        move = self.vocab.get("movement", config.movement)
        lines = []
        if move is not None:
            motion = getattr(move, "motion", "") or move.phrase
            rig = self._term(config, "equipment")
            lines.append(f"Camera: {motion}" + (f", {rig}" if rig else "") + ".")
        timing = self._term(config, "timing")
        if timing:
            lines.append(f"Pacing: {timing}.")
        style = self._term(config, "motion_style")
        if style:
            lines.append(f"Animation moves {style}.")
        return lines

    def generate(self, config: ShotConfig, family_id: str) -> GeneratedPrompt:
        family = self.family(family_id)
        if family.style == "weighted_tags":
            text = self._weighted_tags(family, config)
        elif family.style == "anime_tags":
            text = self._anime_tags(family, config)
        else:
            lines = family.head(config) + self._sentences(config)
            if family.style == "video":
                lines += self._motion(config)
            text = " ".join(lines + family.tail(config))
        return GeneratedPrompt(family.id, text, self._negative(family, config))


def _lens_words(phrase: str) -> str:
    """ "Cooke S4/i" -> "Cooke S4/i lenses"; names that already say what they are stay."""
    last = phrase.rsplit(" ", 1)[-1].lower()
    return phrase if last in ("lens", "lenses", "primes", "optics", "zoom") else f"{phrase} lenses"


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def load_families(path: Path, vocab: Vocabulary) -> PromptGenerator:
    try:
        data = FamilyFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise PromptFamilyError(f"{path.name}: {exc}") from exc
    return PromptGenerator(vocab, data.families, data.phrases)
