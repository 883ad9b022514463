"""Entry point of every launch: parse the command line, then run a command or the window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from directors_console import __version__
from directors_console.app.cli import parse_args
from directors_console.app.commands.context import CommandContext
from directors_console.app.logging_setup import setup_logging
from directors_console.app.paths import AppPaths
from directors_console.core.settings import SettingsStore

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    paths = AppPaths.resolve(args.config_dir)
    setup_logging(paths.log_dir, debug=args.debug)
    log.info("Director's Console %s starting (%s)", __version__, args.command or "window")

    if args.install_desktop_entry:
        from directors_console.app.desktop_entry import install_desktop_entry

        return install_desktop_entry()

    if args.command is not None:
        store = SettingsStore(paths.config_dir)
        store.load()
        if store.load_problem:
            print(f"warning: {store.load_problem}", file=sys.stderr)
        return int(args.run(args, CommandContext(paths, store)))

    # Imported here so that headless commands never load Qt.
    from directors_console.app.gui import run_gui

    return run_gui(args, paths)
