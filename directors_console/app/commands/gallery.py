"""``directors-console gallery``: scan, search and tidy project media (planned)."""

from __future__ import annotations

import argparse

from directors_console.app.commands.context import group_without_command


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("gallery", help="scan, search and tidy project media")
    parser.set_defaults(
        run=group_without_command(parser, "Gallery commands arrive with the Gallery feature.")
    )
