"""The command line: flags for the window and headless subcommands.

No subcommand opens the window. ``farm``, ``workflow``, ``gallery`` and ``prompt`` run
on the same core services without importing Qt (each lives in ``app/commands/``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from directors_console import APP_NAME, __version__
from directors_console.app.commands import COMMAND_GROUPS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="directors-console",
        description=f"{APP_NAME}: shot ideas to finished stills and clips on your ComfyUI farm.",
        epilog="With no command the window opens.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--project", metavar="PATH", help="open this project folder")
    parser.add_argument(
        "--config-dir",
        metavar="PATH",
        help="keep settings, logs and caches here (default: your user config folder; "
        "DIRECTORS_CONSOLE_CONFIG_DIR also sets it)",
    )
    parser.add_argument("--debug", action="store_true", help="verbose log, also to stderr")
    parser.add_argument(
        "--server-url",
        metavar="URL",
        action="append",
        default=[],
        help="use this ComfyUI server as a render node for this run only (repeatable)",
    )
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add Director's Console to the application menu and file manager, then exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="headless commands")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
