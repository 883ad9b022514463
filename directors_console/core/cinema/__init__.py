"""Prompt Studio's brain: cinema vocabulary, rule engine, presets and prompt generator.

Everything here is pure Python; the data lives in ``presets/cinema/`` as YAML.
"""

from __future__ import annotations

from directors_console.core.cinema.config import ShotConfig
from directors_console.core.cinema.engine import FieldOptions, RuleEngine, RuleMessage
from directors_console.core.cinema.library import CinemaLibrary
from directors_console.core.cinema.presets import Preset, PresetLibrary
from directors_console.core.cinema.prompt import GeneratedPrompt, PromptGenerator

__all__ = [
    "CinemaLibrary",
    "FieldOptions",
    "GeneratedPrompt",
    "Preset",
    "PresetLibrary",
    "PromptGenerator",
    "RuleEngine",
    "RuleMessage",
    "ShotConfig",
]
