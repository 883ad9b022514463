"""``directors-console farm queue``: list the job queue, cancel or retry jobs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from directors_console.app.commands.context import CommandContext
from directors_console.app.farm_setup import FarmBusy, open_farm
from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import ComfyError
from directors_console.core.farm.jobs import JobState
from directors_console.core.settings import RenderNodeConfig


def register(farm_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    queue = farm_sub.add_parser("queue", help="list, cancel or retry jobs")
    actions = queue.add_subparsers(dest="queue_action", metavar="ACTION")
    listing = actions.add_parser("list", help="the jobs (default)")
    listing.add_argument("--all", action="store_true", help="include finished jobs")
    listing.add_argument("--json", action="store_true")
    for name, text in (("cancel", "cancel jobs"), ("retry", "run failed/cancelled jobs again")):
        action = actions.add_parser(name, help=text)
        action.add_argument("ids", nargs="+", metavar="JOB", help="job id or its first characters")
    queue.set_defaults(run=run_queue, all=False, json=False)


def run_queue(args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        farm = open_farm(ctx.paths, ctx.settings.settings)
    except FarmBusy as exc:
        print(f"error: {exc}. Use its Orchestrator tab, or close it first.", file=sys.stderr)
        return 3
    queue = farm.queue
    try:
        action = args.queue_action or "list"
        if action == "list":
            states = None if args.all else [s for s in JobState if s not in _FINAL]
            jobs = queue.jobs(states)
            if args.json:
                rows = [
                    {
                        "id": j.id,
                        "label": j.label,
                        "state": j.state.value,
                        "node": j.node,
                        "attempts": j.attempts,
                        "error": j.error,
                        "outputs": j.outputs,
                    }
                    for j in jobs
                ]
                print(json.dumps(rows, indent=2))
            elif not jobs:
                print("The queue is empty.")
            for job in [] if args.json else jobs:
                where = f" on {job.node}" if job.node else ""
                error = f"  ({job.error})" if job.error else ""
                print(f"{job.id[:8]}  {job.state.value:<10} {job.label}{where}{error}")
            return 0
        status = 0
        all_jobs = queue.jobs()
        for prefix in args.ids:
            matches = [j for j in all_jobs if j.id.startswith(prefix)]
            if len(matches) != 1:
                why = "no job" if not matches else "several jobs"
                print(f"error: {why} with id {prefix!r}", file=sys.stderr)
                status = 1
                continue
            job = matches[0]
            if action == "cancel":
                if job.is_final:
                    print(f"{job.id[:8]} is already {job.state.value}")
                elif job.state is JobState.QUEUED:
                    queue.update(job.id, JobState.CANCELLED, error="cancelled by the user")
                    print(f"cancelled {job.id[:8]}")
                else:
                    # Nobody runs the farm (we hold its lock): stop it on its server here.
                    node = next(
                        (n for n in ctx.settings.settings.render_nodes if n.name == job.node), None
                    )
                    if node is not None and job.prompt_id:
                        asyncio.run(_stop_on_server(node, job.prompt_id))
                    queue.update(job.id, JobState.CANCELLED, error="cancelled by the user")
                    print(f"cancelled {job.id[:8]} (was {job.state.value} on {job.node})")
            elif job.state in (JobState.FAILED, JobState.CANCELLED):
                queue.retry(job.id)
                print(f"queued {job.id[:8]} again")
            else:
                print(f"error: {job.id[:8]} is {job.state.value}, not failed", file=sys.stderr)
                status = 1
        return status
    finally:
        farm.queue.close()
        farm.lock.close()


async def _stop_on_server(node: RenderNodeConfig, prompt_id: str) -> None:
    client = ComfyClient(node.url, headers=node.headers or None, use_websocket=False, timeout=5.0)
    try:
        await client.delete_pending([prompt_id])
        await client.interrupt(prompt_id)
    except ComfyError as exc:
        print(f"warning: could not reach {node.name}: {exc}", file=sys.stderr)
    finally:
        await client.aclose()


_FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
