"""What a headless command gets: resolved paths and loaded settings."""

from __future__ import annotations

import argparse
import sys
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


def group_without_command(parser: argparse.ArgumentParser, planned: str) -> Runner:
    """For a group whose own commands are not built yet: say so, print usage, exit 2."""

    def run(args: argparse.Namespace, ctx: CommandContext) -> int:
        parser.print_help(sys.stderr)
        print(f"\n{planned}", file=sys.stderr)
        return 2

    return run
