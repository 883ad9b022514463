"""``directors-console workflow``: inspect and convert ComfyUI workflows (planned)."""

from __future__ import annotations

import argparse

from directors_console.app.commands.context import group_without_command


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("workflow", help="inspect and convert ComfyUI workflows")
    parser.set_defaults(
        run=group_without_command(
            parser, "Workflow commands arrive with the workflows and templates feature."
        )
    )
