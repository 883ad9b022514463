"""``directors-console farm``: the render nodes from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from pydantic import ValidationError

from directors_console.app.commands import farm_queue, farm_run
from directors_console.app.commands.context import CommandContext
from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import ComfyError
from directors_console.core.settings import RenderNodeConfig
from directors_console.core.storage import StorageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("farm", help="render nodes and jobs without the window")
    farm_sub = parser.add_subparsers(dest="farm_command", metavar="ACTION", required=True)

    nodes = farm_sub.add_parser("nodes", help="the render nodes and their status")
    nodes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    nodes.add_argument("--no-check", action="store_true", help="list them without asking each")
    nodes.add_argument("--timeout", type=float, default=3.0, help="seconds per node (default 3)")
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

    farm_run.register(farm_sub)
    farm_queue.register(farm_sub)


def _nodes(args: argparse.Namespace, ctx: CommandContext) -> int:
    nodes = ctx.settings.settings.render_nodes
    if not nodes:
        if args.json:
            print("[]")
        else:
            print("No render nodes yet. Add one: directors-console farm add-node NAME URL")
        return 0
    status = {} if args.no_check else asyncio.run(_check_all(nodes, args.timeout))
    if args.json:
        rows = [{**n.model_dump(mode="json"), **status.get(n.name, {})} for n in nodes]
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(n.name) for n in nodes)
    for n in nodes:
        state = "enabled" if n.enabled else "disabled"
        tags = f"  [{', '.join(n.tags)}]" if n.tags else ""
        line = f"{n.name:<{width}}  {n.url}  {state}  max {n.max_concurrent}{tags}"
        info = status.get(n.name)
        if info is not None:
            line += "  " + _describe(info)
        print(line)
    return 0


def _describe(info: dict[str, Any]) -> str:
    if info["status"] != "online":
        return f"OFFLINE ({info.get('error', '')})"
    parts = [f"online {info['latency_ms']:.0f} ms", f"queue {info['queue']}"]
    if info.get("device"):
        gib = 1024**3
        free, total = info["vram_free"] / gib, info["vram_total"] / gib
        parts.append(f"{info['device']} {free:.1f}/{total:.1f} GiB free")
    return ", ".join(parts)


async def _check_all(nodes: list[RenderNodeConfig], timeout: float) -> dict[str, dict[str, Any]]:
    results = await asyncio.gather(*(_check(n, timeout) for n in nodes))
    return {n.name: r for n, r in zip(nodes, results, strict=True)}


async def _check(node: RenderNodeConfig, timeout: float) -> dict[str, Any]:
    client = ComfyClient(node.url, headers=node.headers or None, use_websocket=False)
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            stats = await client.system_stats()
            latency = (time.monotonic() - started) * 1000
            queue = await client.queue()
    except (ComfyError, TimeoutError) as exc:
        return {"status": "offline", "error": str(exc) or "no answer in time"}
    finally:
        await client.aclose()
    info: dict[str, Any] = {"status": "online", "latency_ms": latency, "queue": queue.size}
    if stats.devices:
        gpu = stats.devices[0]
        info.update(device=gpu.name, vram_free=gpu.vram_free, vram_total=gpu.vram_total)
    return info


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
