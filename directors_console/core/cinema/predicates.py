"""Small Python predicates and fixes for rules that a plain attribute comparison cannot say.

Rules in ``rules.yaml`` name these by id (``check: <id>``, ``fix: {python: <id>}``). A
predicate gets the choice fields as a plain dict plus the vocabulary and returns ``True``
when the rule is broken; a fix returns the field values to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from directors_console.core.cinema.config import ANIMATION_FIELDS

if TYPE_CHECKING:
    from directors_console.core.cinema.vocabulary import Vocabulary

Choices = Mapping[str, str | None]
Predicate = Callable[[Choices, "Vocabulary"], bool]
FixFunction = Callable[[Choices, "Vocabulary"], dict[str, str | None]]

#: Camera-side fields that make no sense for a purely animated look.
PHYSICAL_FIELDS = ("camera", "film_stock", "equipment")


def _live_with_animation_terms(cfg: Choices, vocab: Vocabulary) -> bool:
    return cfg.get("kind") == "live" and any(cfg.get(f) for f in ANIMATION_FIELDS)


def _clear_animation_terms(cfg: Choices, vocab: Vocabulary) -> dict[str, str | None]:
    return {f: None for f in ANIMATION_FIELDS if cfg.get(f)}


def _animation_with_physical_rig(cfg: Choices, vocab: Vocabulary) -> bool:
    medium = vocab.get("medium", cfg.get("medium"))
    # Stop-motion and puppetry are photographed, so real cameras and stocks fit them.
    photographed = medium is not None and bool(getattr(medium, "photographed", False))
    return (
        cfg.get("kind") == "animation"
        and not photographed
        and any(cfg.get(f) for f in PHYSICAL_FIELDS)
    )


def _clear_physical_rig(cfg: Choices, vocab: Vocabulary) -> dict[str, str | None]:
    return {f: None for f in PHYSICAL_FIELDS if cfg.get(f)}


def _slow_stock_at_night(cfg: Choices, vocab: Vocabulary) -> bool:
    stock = vocab.get("film_stock", cfg.get("film_stock"))
    time = vocab.get("time_of_day", cfg.get("time_of_day"))
    if stock is None or time is None or not getattr(time, "dark", False):
        return False
    return int(getattr(stock, "iso", 0)) < 200 and not cfg.get("lighting_source")


def _not_day_for_night(cfg: Choices, vocab: Vocabulary) -> bool:
    return cfg.get("lighting_style") != "day-for-night"


PREDICATES: dict[str, Predicate] = {
    "not-day-for-night": _not_day_for_night,
    "live-with-animation-terms": _live_with_animation_terms,
    "animation-with-physical-rig": _animation_with_physical_rig,
    "slow-stock-at-night": _slow_stock_at_night,
}

FIXES: dict[str, FixFunction] = {
    "clear-animation-terms": _clear_animation_terms,
    "clear-physical-rig": _clear_physical_rig,
}
