"""``directors-console farm run``: render workflows on the farm without the window.

Progress goes to stderr, one line per output file to stdout; the exit code is 0 when
every job succeeded, 1 when any failed (each failure is named on stderr), 2 for bad
input, 3 when another Director's Console already runs the farm, 130 on Ctrl+C (its
jobs are cancelled).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path
from typing import Any

from directors_console.app.commands.context import CommandContext
from directors_console.app.farm_setup import Farm, FarmBusy, open_farm, session_nodes
from directors_console.core.comfy.workflow_file import (
    WorkflowFile,
    WorkflowFileError,
    read_workflow_file,
)
from directors_console.core.data_paths import templates_dir
from directors_console.core.farm.engine import FarmEngine
from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.farm.progress import ProgressSnapshot
from directors_console.core.farm.seeds import seed_series, with_seed
from directors_console.core.templates import TemplateLoader, WorkflowBuilder


def register(farm_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = farm_sub.add_parser(
        "run",
        help="render workflow files or templates on the farm",
        description="Render each WORKFLOW (API JSON, editor JSON, a PNG/WebP that carries "
        "one, or the id of a template, built with its defaults) COUNT times on the farm "
        "and write the outputs to --out.",
    )
    run.add_argument("workflows", nargs="+", metavar="WORKFLOW")
    run.add_argument("--out", required=True, type=Path, help="folder for the outputs")
    run.add_argument(
        "--node",
        action="append",
        default=[],
        metavar="URL",
        help="render on this ComfyUI server (repeatable); default: the configured nodes",
    )
    run.add_argument("--count", type=int, default=1, help="runs per workflow (default 1)")
    run.add_argument(
        "--seed",
        default="keep",
        help="S: seeds S, S+1, …; random: a new seed per run; keep (default): as in the file",
    )
    run.add_argument("--timeout", type=float, default=None, help="give up after this many s")
    run.set_defaults(run=run_command)


def read_workflows(args: argparse.Namespace, ctx: CommandContext) -> list[WorkflowFile]:
    """Files as they are; a name that is no file is looked up among the templates."""
    loader: TemplateLoader | None = None
    found: list[WorkflowFile] = []
    for raw in args.workflows:
        path = Path(raw)
        if path.exists() or path.suffix:
            found.append(read_workflow_file(path))
            continue
        if loader is None:
            loader = TemplateLoader(templates_dir(), ctx.paths.config_dir / "templates")
            loader.load_all()
        template = loader.get(raw)
        if template is None:
            known = ", ".join(sorted(loader.templates)) or "none"
            raise WorkflowFileError(
                f"{raw!r} is neither a file nor a template (templates: {known})"
            )
        prompt = WorkflowBuilder(template).build()
        found.append(WorkflowFile(Path(template.id), "api", prompt))
    return found


def make_jobs(
    workflow: WorkflowFile, prompt: dict[str, Any], args: argparse.Namespace
) -> list[Job]:
    jobs: list[Job] = []
    stem = workflow.path.stem
    for index, seed in enumerate(seed_series(args.seed, args.count), start=1):
        name = stem if args.count == 1 else f"{stem}_{index:03}"
        jobs.append(
            Job(
                prompt=with_seed(prompt, seed) if seed is not None else dict(prompt),
                destination=str(args.out),
                label=name,
                name_stem=name,
                metadata={"seed": seed} if seed is not None else {},
            )
        )
    return jobs


async def to_api(workflow: WorkflowFile, engine: FarmEngine) -> dict[str, Any]:
    """The API prompt of a workflow; editor-format files are converted with the
    object_info of the first node that answers."""
    if workflow.kind == "api":
        return workflow.data
    try:
        from directors_console.core.comfy import converter
    except ImportError:
        raise WorkflowFileError(
            f"{workflow.path.name} is in the editor's format, which this version cannot "
            "convert yet; export it with 'Export (API)' in ComfyUI instead."
        ) from None
    # The farm's node classes together: the converter needs every class it uses known.
    info = await engine.object_info_union()
    if info is None:
        raise WorkflowFileError(
            f"{workflow.path.name}: cannot convert it (no render node answered)"
        )
    result = converter.convert_workflow(workflow.data, info)
    if result.missing:
        names = ", ".join(sorted(result.missing))
        raise WorkflowFileError(f"{workflow.path.name}: no render node has {names}")
    return dict(result.prompt)


def run_command(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.count < 1:
        print("error: --count must be at least 1", file=sys.stderr)
        return 2
    try:
        workflows = read_workflows(args, ctx)
        list(seed_series(args.seed, 1))  # reject a bad --seed before starting anything
    except (WorkflowFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        farm = open_farm(ctx.paths, ctx.settings.settings, args.node)
    except FarmBusy as exc:
        print(f"error: {exc}. Use its Orchestrator tab, or close it first.", file=sys.stderr)
        return 3
    return asyncio.run(_run(farm, ctx, workflows, args))


async def _run(
    farm: Farm, ctx: CommandContext, workflows: list[WorkflowFile], args: argparse.Namespace
) -> int:
    nodes = session_nodes(args.node) if args.node else farm.nodes(ctx.settings.settings)
    if not nodes:
        print(
            "error: no render nodes; pass --node URL or add one with farm add-node", file=sys.stderr
        )
        await farm.aclose()
        return 2
    engine = farm.engine
    engine.set_nodes(nodes)
    jobs: list[Job] = []
    try:
        for workflow in workflows:
            jobs += make_jobs(workflow, await to_api(workflow, engine), args)
    except WorkflowFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        await farm.aclose()
        return 2
    label = f"farm run: {len(jobs)} job(s)"
    submitted = engine.submit(jobs, group_label=label)
    ids = {j.id for j in submitted}
    reporter = _Reporter(ids)
    engine.on_progress.append(reporter.progress)
    engine.on_log.append(lambda line: print(line, file=sys.stderr, flush=True))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    await engine.start()
    interrupted = False
    try:
        deadline = None if args.timeout is None else loop.time() + args.timeout
        while not stop.is_set():
            states = [engine.queue.get(i) for i in ids]
            if all(j is not None and j.is_final for j in states):
                break
            if deadline is not None and loop.time() > deadline:
                print("error: timed out", file=sys.stderr)
                interrupted = True
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)
        else:
            interrupted = True
        if interrupted:
            for job_id in ids:
                await engine.cancel(job_id)
    finally:
        await farm.aclose()
    return _summarise([j for j in (farm.queue.get(i) for i in ids) if j], interrupted)


def _summarise(jobs: list[Job], interrupted: bool) -> int:
    failed = 0
    for job in sorted(jobs, key=lambda j: j.label):
        if job.state is JobState.SUCCEEDED:
            for path in job.outputs:
                print(path, flush=True)
        elif job.state is JobState.FAILED:
            failed += 1
            print(f"failed: {job.label}: {job.error}", file=sys.stderr)
    if interrupted:
        print("stopped: the unfinished jobs were cancelled", file=sys.stderr)
        return 130
    done = sum(1 for j in jobs if j.state is JobState.SUCCEEDED)
    print(f"{done} of {len(jobs)} job(s) done, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


class _Reporter:
    """Prints a job's progress line on stderr at most twice a second."""

    def __init__(self, ids: set[str]) -> None:
        self.ids = ids
        self.last: dict[str, float] = {}

    def progress(self, job_id: str, snap: ProgressSnapshot) -> None:
        if job_id not in self.ids:
            return
        now = time.monotonic()
        if snap.state == "running" and now - self.last.get(job_id, 0.0) < 0.5:
            return
        self.last[job_id] = now
        print(f"[{job_id[:8]}] {snap.text()}", file=sys.stderr, flush=True)
