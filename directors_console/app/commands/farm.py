"""``directors-console farm``: the render nodes from the command line."""

from __future__ import annotations

import argparse
import json
import sys

from pydantic import ValidationError

from directors_console.app.commands.context import CommandContext
from directors_console.core.settings import RenderNodeConfig
from directors_console.core.storage import StorageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("farm", help="render nodes and jobs without the window")
    farm_sub = parser.add_subparsers(dest="farm_command", metavar="ACTION", required=True)

    nodes = farm_sub.add_parser("nodes", help="list the configured render nodes")
    nodes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    nodes.set_defaults(run=_nodes)

    add = farm_sub.add_parser("add-node", help="add a ComfyUI server to the farm")
    add.add_argument("name")
    add.add_argument("url", help="e.g. http://192.168.1.20:8188")
    add.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    add.add_argument("--max-concurrent", type=int, default=1)
    add.set_defaults(run=_add_node)

    remove = farm_sub.add_parser("remove-node", help="remove a render node by name")
    remove.add_argument("name")
    remove.set_defaults(run=_remove_node)


def _nodes(args: argparse.Namespace, ctx: CommandContext) -> int:
    nodes = ctx.settings.settings.render_nodes
    if args.json:
        print(json.dumps([n.model_dump(mode="json") for n in nodes], indent=2))
        return 0
    if not nodes:
        print("No render nodes yet. Add one: directors-console farm add-node NAME URL")
        return 0
    width = max(len(n.name) for n in nodes)
    for n in nodes:
        state = "enabled" if n.enabled else "disabled"
        tags = f"  [{', '.join(n.tags)}]" if n.tags else ""
        print(f"{n.name:<{width}}  {n.url}  {state}  max {n.max_concurrent}{tags}")
    return 0


def _add_node(args: argparse.Namespace, ctx: CommandContext) -> int:
    current = ctx.settings.settings.render_nodes
    if any(n.name == args.name for n in current):
        print(f"error: a node named {args.name!r} exists already", file=sys.stderr)
        return 1
    try:
        node = RenderNodeConfig(
            name=args.name, url=args.url, tags=args.tag, max_concurrent=args.max_concurrent
        )
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            print(f"error: {field}: {err['msg']}", file=sys.stderr)
        return 1
    try:
        ctx.settings.update(render_nodes=[*current, node])
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"added {node.name} ({node.url})")
    return 0


def _remove_node(args: argparse.Namespace, ctx: CommandContext) -> int:
    current = ctx.settings.settings.render_nodes
    remaining = [n for n in current if n.name != args.name]
    if len(remaining) == len(current):
        print(f"error: no node named {args.name!r}", file=sys.stderr)
        return 1
    try:
        ctx.settings.update(render_nodes=remaining)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"removed {args.name}")
    return 0
