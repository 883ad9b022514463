"""What a headless command gets: resolved paths and loaded settings."""

from __future__ import annotations

from dataclasses import dataclass

from directors_console.app.paths import AppPaths
from directors_console.core.settings import SettingsStore


@dataclass
class CommandContext:
    paths: AppPaths
    settings: SettingsStore
