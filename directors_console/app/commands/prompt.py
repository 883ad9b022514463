"""``directors-console prompt``: build cinematic prompts from presets (planned)."""

from __future__ import annotations

import argparse

from directors_console.app.commands.context import group_without_command


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("prompt", help="build cinematic prompts from presets")
    parser.set_defaults(
        run=group_without_command(parser, "Prompt commands arrive with the Prompt Studio feature.")
    )
