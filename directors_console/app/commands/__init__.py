"""Headless subcommands; none of them imports Qt.

Each module has ``register(subparsers)``, which adds its parser and sets
``args.run(args, context) -> exit code``.
"""

from __future__ import annotations

from directors_console.app.commands import farm, gallery, prompt, workflow

COMMAND_GROUPS = (farm, workflow, gallery, prompt)
