"""What a headless command gets: resolved paths and loaded settings."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Protocol

from directors_console.app.paths import AppPaths
from directors_console.core.settings import SettingsStore


@dataclass
class CommandContext:
    paths: AppPaths
    settings: SettingsStore


class Runner(Protocol):
    def __call__(self, args: argparse.Namespace, ctx: CommandContext) -> int: ...
