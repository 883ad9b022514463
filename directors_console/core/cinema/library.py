"""One loaded cinema library: vocabulary, rules, presets and prompt families together.

The composition root (app/) builds a :class:`CinemaLibrary` once from the ``presets/cinema``
folder and hands it to Prompt Studio, the storyboard and the ``prompt`` command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from directors_console.core.cinema.config import ShotConfig
from directors_console.core.cinema.engine import FieldOptions, RuleEngine, RuleMessage
from directors_console.core.cinema.presets import PresetLibrary, load_presets
from directors_console.core.cinema.prompt import GeneratedPrompt, PromptGenerator, load_families
from directors_console.core.cinema.rules import load_rules
from directors_console.core.cinema.vocabulary import Vocabulary, load_vocabulary


@dataclass(frozen=True)
class CinemaLibrary:
    vocabulary: Vocabulary
    engine: RuleEngine
    presets: PresetLibrary
    generator: PromptGenerator

    @classmethod
    def load(cls, folder: Path) -> CinemaLibrary:
        """Load ``folder`` (normally ``presets/cinema``); raises the loaders' own errors."""
        vocab = load_vocabulary(folder / "vocabulary")
        engine = RuleEngine(vocab, load_rules(folder / "rules.yaml", vocab))
        presets = load_presets(folder / "presets", vocab)
        generator = load_families(folder / "prompt_families.yaml", vocab)
        return cls(vocab, engine, presets, generator)

    def validate(self, config: ShotConfig) -> list[RuleMessage]:
        return self.engine.validate(config)

    def available_options(self, field: str, config: ShotConfig) -> FieldOptions:
        return self.engine.available_options(field, config)

    def apply_fixes(self, config: ShotConfig) -> ShotConfig:
        return self.engine.apply_fixes(config)

    def prompt(self, config: ShotConfig, family: str) -> GeneratedPrompt:
        return self.generator.generate(config, family)
