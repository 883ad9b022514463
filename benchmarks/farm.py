"""Benchmark of the render farm: scheduling decisions, makespan, event-loop lag.

    .venv/bin/python benchmarks/farm.py [--only decision|makespan|lag] [--check]

1. Decision time (target: ≤ 1 ms median): 50 nodes (capabilities from the recorded
   object_info with varied model lists, varied health/tags/slots, some full, draining,
   offline, disabled) and 10,000 jobs in a real JobQueue (SQLite in a temp dir, one
   submit_many). A decision is what the dispatcher does per placement: next_queued +
   placement + Scheduler.choose. Also FarmEngine.dispatch_once() when nothing is free,
   and when one slot is free, with a cProfile of the slow case.
2. Makespan (target: within 5 % of ideal): 4 fake ComfyUI servers, one child process
   each (then again all 4 in one child process), 200 equal jobs through a real
   FarmEngine; ideal = 200/4 × the median single-job time on an idle node.
3. Event-loop lag (target: p99 < 50 ms) while 8 fake nodes stream progress and previews
   (fakes in 4 child processes); again with 10,000 jobs queued, and a shorter run with
   the fakes in this process to compare.

The fakes live in ``tests/fakes`` (not installed), so the function that starts them
puts the repository root on ``sys.path``; nothing else here does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import cProfile
import gc
import io
import itertools
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.farm.engine import FarmEngine, FarmOptions
from directors_console.core.farm.health import NodeRuntime
from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.farm.queue import JobQueue
from directors_console.core.farm.requirements import Capabilities
from directors_console.core.farm.scheduler import GIB, SCHEDULABLE, Health, NodeState
from directors_console.core.settings import RenderNodeConfig

REPO = Path(__file__).resolve().parents[1]
OBJECT_INFO = REPO.parent / "shared" / "fixtures" / "comfyui" / "object_info_core.json"
CHECKPOINTS = [f"ckpt_{i:02}.safetensors" for i in range(16)]
LORAS = [f"lora_{i:02}.safetensors" for i in range(24)]
TAGS = ["gpu24", "gpu48", "flux", "video", "fast", "studio-a", "studio-b"]
VIDEO_CLASSES = ("CreateVideo", "SaveVideo", "SaveWEBM", "LoadVideo", "GetVideoComponents")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def dist(values_ns: list[int]) -> dict[str, float]:
    us = sorted(v / 1000 for v in values_ns)
    return {"median": statistics.median(us), "p95": pct(us, 95), "p99": pct(us, 99), "max": us[-1]}


def fmt_us(d: dict[str, float]) -> str:
    return " | ".join(f"{d[k]:,.0f} µs" for k in ("median", "p95", "p99", "max"))


# -- 1. decisions ------------------------------------------------------------------------------


def make_nodes(rng: random.Random) -> list[NodeState]:
    raw = json.loads(OBJECT_INFO.read_text(encoding="utf-8"))
    healths = [Health.ONLINE] * 28 + [Health.BUSY] * 8 + [Health.DEGRADED] * 4
    healths += [Health.OFFLINE] * 7 + [Health.UNKNOWN] * 3
    rng.shuffle(healths)
    nodes: list[NodeState] = []
    for i, health in enumerate(healths):
        info = copy.deepcopy(raw)
        if i % 5 == 0:
            info.pop("SlowCounter", None)
        if i % 3 == 0:
            for name in VIDEO_CLASSES:
                info.pop(name, None)
        ckpts = sorted(rng.sample(CHECKPOINTS, rng.randint(3, 10)))
        loras = sorted(rng.sample(LORAS, rng.randint(4, 16)))
        if i % 4 != 0:  # the others list models only in /models/<folder> (remote storage)
            info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = ckpts
            info["LoraLoader"]["input"]["required"]["lora_name"][0] = loras
        caps = Capabilities(
            ObjectInfo.parse(info),
            {"checkpoints": frozenset(ckpts), "loras": frozenset(loras), "vae": frozenset()},
        )
        slots = rng.choice([1, 1, 1, 2, 4])
        live = health in (Health.ONLINE, Health.BUSY, Health.DEGRADED)
        full = live and rng.random() < 0.4
        nodes.append(
            NodeState(
                name=f"node{i:02}",
                health=health,
                enabled=i not in (7, 31),
                draining=i in (3, 17, 40),
                tags=frozenset(rng.sample(TAGS, rng.randint(0, 3))),
                max_concurrent=slots,
                running=slots if full else (rng.randint(0, slots - 1) if live else 0),
                server_queue=rng.randint(0, 3) if health is Health.BUSY else 0,
                free_vram=rng.choice([None, rng.randint(2, 48) * GIB]),
                seconds_per_step=rng.choice([None, rng.uniform(0.05, 0.5)]),
                capabilities=caps,
            )
        )
    return nodes


def make_prompt(rng: random.Random, kind: str, seed: int) -> dict[str, Any]:
    if kind == "slow":
        return counter_prompt(seed, 8)
    if kind == "video":
        return {
            "1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64,
                                                         "batch_size": 8, "color": seed}},
            "2": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 24.0}},
            "3": {"class_type": "SaveVideo", "inputs": {"video": ["2", 0], "format": "auto",
                                                        "codec": "auto",
                                                        "filename_prefix": "bench/v"}},
        }  # fmt: skip
    ckpt = "missing_model.safetensors" if kind == "unrunnable" else rng.choice(CHECKPOINTS)
    prompt: dict[str, Any] = {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": f"shot {seed}", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 576,
                                                           "batch_size": 1}},
        "3": {"class_type": "KSampler", "inputs": {
            "seed": seed, "steps": 20, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal",
            "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
            "latent_image": ["5", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0],
                                                    "filename_prefix": "bench/img"}},
    }  # fmt: skip
    if kind == "lora":
        prompt["10"] = {"class_type": "LoraLoader", "inputs": {
            "model": ["4", 0], "clip": ["4", 1], "lora_name": rng.choice(LORAS),
            "strength_model": 0.8, "strength_clip": 0.8}}  # fmt: skip
        prompt["3"]["inputs"]["model"] = ["10", 0]
    return prompt


def make_jobs(rng: random.Random, count: int, node_names: list[str], out: Path) -> list[Job]:
    kinds = ["txt2img"] * 45 + ["lora"] * 35 + ["slow"] * 10 + ["video"] * 9 + ["unrunnable"]
    jobs = []
    for i in range(count):
        job = Job(
            prompt=make_prompt(rng, rng.choice(kinds), i),
            destination=str(out),
            label=f"shot{i:05}",
            priority=1 if rng.random() < 0.1 else 0,
        )
        r = rng.random()
        if r < 0.10:
            job.required_tags = [rng.choice(TAGS)]
        if 0.1 <= r < 0.4:
            job.preferred_tags = rng.sample(TAGS, 2)
        if rng.random() < 0.01:
            job.pinned_node = rng.choice(node_names)
        if rng.random() < 0.05:
            job.excluded_nodes = rng.sample(node_names, 2)
        jobs.append(job)
    return jobs


def bare_engine(queue: JobQueue, nodes: list[NodeState]) -> FarmEngine:
    """An engine with these node states and no monitors or clients (nothing is launched)."""
    engine = FarmEngine(queue, FarmOptions(lookahead=200))
    for state in nodes:
        config = RenderNodeConfig(name=state.name, url="http://127.0.0.1:9")
        engine.nodes[state.name] = NodeRuntime(config, None, state)  # type: ignore[arg-type]
    return engine


def timed(fn: Callable[..., Any], sink: list[int]) -> Callable[..., Any]:
    """``fn``, appending the ns each call takes to ``sink``."""

    def wrapper(*args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter_ns()
        try:
            return fn(*args, **kw)
        finally:
            sink.append(time.perf_counter_ns() - t0)

    return wrapper


def time_calls(fn: Callable[[], object], rounds: int) -> list[int]:
    out: list[int] = []
    call = timed(fn, out)
    for _ in range(rounds):
        call()
    return out


def bench_decisions(tmp: Path, decisions: int) -> dict[str, Any]:
    rng = random.Random(20261124)
    nodes = make_nodes(rng)
    jobs = make_jobs(rng, 10_000, [n.name for n in nodes], tmp / "out")
    queue = JobQueue(tmp / "decisions.sqlite")
    submit_ns: list[int] = []
    timed(queue.submit_many, submit_ns)(jobs)
    engine = bare_engine(queue, nodes)
    states = [n.state for n in engine.nodes.values()]
    res: dict[str, Any] = {"submit_s": submit_ns[0] / 1e9, "jobs": len(queue), "nodes": len(states)}
    res["health"] = dict(Counter(s.health.value for s in states))
    res["full"] = sum(not s.free_slots for s in states)
    res["draining"] = sum(s.draining for s in states)
    res["disabled"] = sum(not s.enabled for s in states)

    # A decision as the dispatcher makes it after the previous placement changed the queue:
    # next_queued (its cached order was invalidated) + placement + choose.
    next_cold: list[int] = []
    choose_only: list[int] = []
    writes: list[int] = []
    update = timed(queue.update, writes)
    outcomes: Counter[str] = Counter()
    for _ in range(decisions):
        t0 = time.perf_counter_ns()
        (job,) = queue.next_queued(1)
        t1 = time.perf_counter_ns()
        decision = engine.scheduler.choose(engine.placement(job), states)
        choose_only.append(time.perf_counter_ns() - t1)
        next_cold.append(t1 - t0)
        outcomes["placed" if decision.placed else "not placed"] += 1
        # What _launch writes (QUEUED -> DISPATCHED); unplaced jobs move on too, so the
        # next decision is about another job.
        update(job.id, JobState.DISPATCHED, node=decision.node)
    res["decision"] = dist([a + b for a, b in zip(next_cold, choose_only, strict=True)])
    res["choose"] = dist(choose_only)
    res["next_cold"] = dist(next_cold)
    res["write"] = dist(writes)
    res["outcomes"] = dict(outcomes)
    res["next200_warm"] = dist(time_calls(lambda: queue.next_queued(200), 200))

    def next200_cold() -> None:
        queue._queued_order = None  # what any change to a queued job does
        queue.next_queued(200)

    res["next200_cold"] = dist(time_calls(next200_cold, 50))

    # dispatch_once with no free slot anywhere: the early return.
    for s in states:
        s.running = s.max_concurrent
    res["dispatch_all_full"] = dist(time_calls(engine.dispatch_once, 200))
    # Every schedulable node full; offline/draining/disabled ones idle (as after failover).
    for s in states:
        live = s.enabled and not s.draining and s.health in SCHEDULABLE
        s.running = s.max_concurrent if live else 0
    assert engine.dispatch_once() == 0
    res["dispatch_live_full_warm"] = dist(time_calls(engine.dispatch_once, 20))

    def after_poll() -> None:
        engine.scheduler.capabilities_changed()  # what every health poll does
        engine.dispatch_once()

    res["dispatch_live_full_cold"] = dist(time_calls(after_poll, 20))

    # One slot frees up (a job finished): the round places one job, as _launch would.
    def launch(job: Job, node: NodeRuntime) -> None:
        queue.update(job.id, JobState.DISPATCHED, node=node.name, prompt_id="bench")
        node.state.running += 1

    engine._launch = launch  # type: ignore[method-assign]
    roomy = max(
        (s for s in states if s.running and s.health is Health.ONLINE and not s.draining),
        key=lambda s: len(s.capabilities.object_info),
    )
    one_free: list[int] = []
    for _ in range(20):
        roomy.running -= 1
        t0 = time.perf_counter_ns()
        placed = engine.dispatch_once()
        one_free.append(time.perf_counter_ns() - t0)
        assert placed == 1 and roomy.free_slots == 0
    res["dispatch_one_free"] = dist(one_free)
    res["waiting_reason"] = engine.waiting_reason.get(queue.next_queued(1)[0].id, "")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(5):
        after_poll()
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(14)
    res["profile"] = text.getvalue()
    queue.close()
    return res


DECISION_ROWS = [
    ("decision", "decision = next_queued(1) after a change + placement + choose"),
    ("choose", "of which placement + choose"),
    ("next_cold", "of which next_queued(1), order invalidated"),
    ("next200_cold", "next_queued(200), order invalidated"),
    ("next200_warm", "next_queued(200), cached order"),
    ("write", "queue.update → DISPATCHED (SQLite commit)"),
    ("dispatch_all_full", "dispatch_once, every node full (early return)"),
    ("dispatch_live_full_warm", "dispatch_once, live nodes full, others idle, warm cache"),
    ("dispatch_live_full_cold", "dispatch_once, same, after a health poll (cache cleared)"),
    ("dispatch_one_free", "dispatch_once, one slot freed (places 1 job, incl. its SQLite write)"),
]


def report_decisions(r: dict[str, Any]) -> list[str]:
    return [
        "### 1. Scheduling decisions",
        f"{r['nodes']} nodes {r['health']}, {r['full']} full, {r['draining']} draining, "
        f"{r['disabled']} disabled; {r['jobs']:,} jobs submitted in {r['submit_s']:.2f} s "
        f"(one submit_many); decisions: {r['outcomes']}",
        "",
        "| measure | median | p95 | p99 | max |",
        "|---|---|---|---|---|",
        *(f"| {label} | {fmt_us(r[key])} |" for key, label in DECISION_ROWS),
        "",
        f"waiting_reason of a job then: {len(r['waiting_reason'])} characters, "
        f"`{r['waiting_reason'][:160]}…`",
        "",
        "```",
        r["profile"].strip(),
        "```",
    ]


# -- fake servers ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def inprocess_fakes(count: int, step_delay: float, root: Path) -> Any:
    """``count`` fakes on this event loop; yields (urls, [])."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # tests.fakes is not an installed package
    from tests.fakes import FakeComfyConfig, FakeComfyServer

    servers = [
        FakeComfyServer(FakeComfyConfig(step_delay=step_delay, root_dir=root / f"fake{i}"))
        for i in range(count)
    ]
    try:
        for server in servers:
            await server.start()
        yield [s.url for s in servers], []
    finally:
        for server in servers:
            await server.stop()


async def serve(count: int, step_delay: float, root: Path) -> None:
    """Child process: run ``count`` fakes, print their URLs, stop when stdin closes."""
    async with inprocess_fakes(count, step_delay, root) as (urls, _):
        print(json.dumps(urls), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


@contextlib.asynccontextmanager
async def child_fakes(count: int, step_delay: float, root: Path, processes: int = 1) -> Any:
    """``count`` fakes spread over ``processes`` child processes; yields (urls, processes)."""
    procs: list[asyncio.subprocess.Process] = []
    try:
        for k in range(processes):
            share = count // processes + (k < count % processes)
            argv = ["--serve", str(share), "--step-delay", str(step_delay)]
            argv += ["--root", str(root / f"proc{k}")]
            pipe = asyncio.subprocess.PIPE
            proc = await asyncio.create_subprocess_exec(
                sys.executable, __file__, *argv, stdin=pipe, stdout=pipe
            )
            procs.append(proc)
        urls: list[str] = []
        for proc in procs:
            assert proc.stdout is not None
            urls += json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
        yield urls, [psutil.Process(proc.pid) for proc in procs]
    finally:
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.close()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


# -- a farm on fakes ---------------------------------------------------------------------------


def counter_prompt(color: int, steps: int, size: int = 64) -> dict[str, Any]:
    return {
        "1": {"class_type": "EmptyImage", "inputs": {"width": size, "height": size,
                                                     "batch_size": 1, "color": color}},
        "2": {"class_type": "SlowCounter", "inputs": {"image": ["1", 0], "steps": steps,
                                                      "seconds_per_step": 0}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0],
                                                    "filename_prefix": "bench/farm"}},
    }  # fmt: skip


@dataclass
class Timeline:
    """When each job reached each state (wall clock, like the server's history stamps)."""

    at: dict[str, dict[JobState, float]] = field(default_factory=dict)
    node: dict[str, str] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    succeeded: int = 0
    failed: int = 0
    expect: int = 0

    def __call__(self, job: Job) -> None:
        self.at.setdefault(job.id, {}).setdefault(job.state, time.time())
        if job.node:
            self.node[job.id] = job.node
        if job.state is JobState.SUCCEEDED:
            self.succeeded += 1
        elif job.state is JobState.FAILED:
            self.failed += 1
        if self.succeeded + self.failed >= self.expect:
            self.done.set()


async def start_farm(tmp: Path, urls: list[str], poll: float) -> tuple[FarmEngine, Timeline]:
    queue = JobQueue(tmp / "farm.sqlite")
    timeline = Timeline()
    queue.subscribe(timeline)
    engine = FarmEngine(queue, FarmOptions(poll_interval=poll))
    await engine.start()
    engine.set_nodes([RenderNodeConfig(name=f"n{i}", url=u) for i, u in enumerate(urls)])
    await until(lambda: all(n.capabilities_loaded for n in engine.nodes.values()))
    return engine, timeline


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)


async def run_jobs(engine: FarmEngine, timeline: Timeline, jobs: list[Job]) -> float:
    timeline.succeeded = timeline.failed = 0
    timeline.expect = len(jobs)
    timeline.done.clear()
    t0 = time.time()
    engine.submit(jobs)
    await asyncio.wait_for(timeline.done.wait(), 300)
    if timeline.failed:
        raise RuntimeError(f"{timeline.failed} job(s) failed")
    ends = [timeline.at[j.id][JobState.SUCCEEDED] for j in jobs]
    return max(ends) - t0


def job_for(prompt: dict[str, Any], out: Path, stem: str, **kw: Any) -> Job:
    return Job(prompt=prompt, destination=str(out), label=stem, name_stem=stem, **kw)


async def bench_makespan(
    tmp: Path, jobs: int, steps: int, step_delay: float, processes: int
) -> dict[str, Any]:
    res: dict[str, Any] = {"jobs": jobs, "steps": steps, "step_delay": step_delay}
    res["processes"] = processes
    tmp = tmp / f"makespan-{processes}"
    out = tmp / "out"
    async with child_fakes(4, step_delay, tmp / "fakes", processes) as (urls, _children):
        engine, timeline = await start_farm(tmp, urls[:1], poll=0.5)
        try:
            singles, single_jobs = [], []
            for k in range(6):  # the first one also opens the WebSocket: not counted
                job = job_for(counter_prompt(100_000 + k, steps), tmp / "single-out", f"s{k}")
                singles.append(await run_jobs(engine, timeline, [job]))
                single_jobs.append(job)
            res["singles"] = singles[1:]
            single = statistics.median(singles[1:])
            engine.set_nodes([RenderNodeConfig(name=f"n{i}", url=u) for i, u in enumerate(urls)])
            await until(lambda: all(n.capabilities_loaded for n in engine.nodes.values()))
            warm = [
                job_for(counter_prompt(200_000 + i, steps), tmp / "warm-out", f"w{i}",
                        pinned_node=name)
                for i, name in enumerate(engine.nodes)
            ]  # fmt: skip
            await run_jobs(engine, timeline, warm)  # every node's WebSocket is open
            batch = [job_for(counter_prompt(i, steps), out, f"mk{i:03}") for i in range(jobs)]
            makespan = await run_jobs(engine, timeline, batch)
            stamps: dict[str, tuple[float, float]] = {}
            for node in engine.nodes.values():
                stamps.update(server_stamps((await node.client.history()).values()))
            res["phases_single"] = phases(engine, timeline, stamps, single_jobs[1:])
            res["phases_batch"] = phases(engine, timeline, stamps, batch)
        finally:
            await engine.stop()
            engine.queue.close()
    files = sorted(p.name for p in out.iterdir())
    ideal = jobs / 4 * single
    busy = res["phases_batch"].pop("busy")
    res.update(
        single=single,
        ideal=ideal,
        makespan=makespan,
        overhead=(makespan - ideal) / ideal * 100,
        files=len(files),
        files_ok=files == [f"mk{i:03}.png" for i in range(jobs)],
        busy=busy,
        utilisation=sum(busy.values()) / (4 * makespan) * 100,
        gaps=node_gaps(timeline, batch),
    )
    return res


def server_stamps(entries: Any) -> dict[str, tuple[float, float]]:
    """prompt id -> (execution_start, execution_success) in epoch seconds."""
    out = {}
    for entry in entries:
        stamps = {type(m).__name__: getattr(m, "timestamp", None) for m in entry.messages}
        start, end = stamps.get("ExecutionStart"), stamps.get("ExecutionSuccess")
        if start and end:
            out[entry.prompt_id] = (start / 1000, end / 1000)
    return out


def phases(
    engine: FarmEngine, timeline: Timeline, stamps: dict[str, tuple[float, float]], jobs: list[Job]
) -> dict[str, Any]:
    """Mean ms per job: dispatched -> server starts, server runs, server done -> succeeded;
    and seconds each server was executing these jobs."""
    post, run, tail = [], [], []
    busy: dict[str, float] = {}
    for job in jobs:
        done = engine.queue.get(job.id)
        assert done is not None and done.prompt_id is not None and done.node is not None
        start, end = stamps[done.prompt_id]
        at = timeline.at[job.id]
        post.append(start - at[JobState.DISPATCHED])
        run.append(end - start)
        tail.append(at[JobState.SUCCEEDED] - end)
        busy[done.node] = busy.get(done.node, 0.0) + end - start
    out: dict[str, Any] = {"busy": dict(sorted(busy.items()))}
    for key, values in (("post", post), ("run", run), ("tail", tail)):
        out[key] = statistics.mean(values) * 1000
    return out


def node_gaps(timeline: Timeline, jobs: list[Job]) -> tuple[float, float, dict[str, int]]:
    """Mean and max ms a node had no job of ours (SUCCEEDED -> next DISPATCHED); jobs/node."""
    by_node: dict[str, list[dict[JobState, float]]] = {}
    for job in jobs:
        by_node.setdefault(timeline.node[job.id], []).append(timeline.at[job.id])
    gaps = []
    for stamps in by_node.values():
        stamps.sort(key=lambda s: s[JobState.DISPATCHED])
        for prev, nxt in itertools.pairwise(stamps):
            gaps.append((nxt[JobState.DISPATCHED] - prev[JobState.SUCCEEDED]) * 1000)
    counts = {name: len(stamps) for name, stamps in sorted(by_node.items())}
    return statistics.mean(gaps), max(gaps), counts


def report_makespan(r: dict[str, Any]) -> list[str]:
    singles = ", ".join(f"{s:.3f}" for s in r["singles"])
    gap, gap_max, per_node = r["gaps"]
    return [
        f"### 2. Makespan (4 fakes in {r['processes']} child process(es))",
        f"{r['jobs']} jobs EmptyImage → SlowCounter({r['steps']} steps) → SaveImage, "
        f"step_delay {r['step_delay']} s, poll 0.5 s; single jobs alone (s): {singles}",
        "",
        "| single job (median) | ideal | makespan | overhead | files | jobs per node | "
        "server busy | gap between jobs on a node |",
        "|---|---|---|---|---|---|---|---|",
        f"| {r['single']:.3f} s | {r['ideal']:.2f} s | {r['makespan']:.2f} s | "
        f"{r['overhead']:+.1f} % | {r['files']} ({'all' if r['files_ok'] else 'WRONG'}) | "
        f"{per_node} | {r['utilisation']:.0f} % | mean {gap:.1f} ms, max {gap_max:.1f} ms |",
        "",
        "| mean per job | dispatched → server starts | server runs it | server done → "
        "succeeded (history, download, tag, commit) |",
        "|---|---|---|---|",
        *(
            f"| {label} | {p['post']:.1f} ms | {p['run']:.1f} ms | {p['tail']:.1f} ms |"
            for label, p in (("alone", r["phases_single"]), ("batch", r["phases_batch"]))
        ),
    ]


# -- 3. event-loop lag -------------------------------------------------------------------------


async def sample_lag(seconds: float, interval: float = 0.01) -> list[float]:
    lags: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append((time.perf_counter() - t0 - interval) * 1000)
    return lags


async def bench_lag(
    tmp: Path, seconds: float, steps: int, step_delay: float, child: bool, backlog: int
) -> dict[str, Any]:
    fakes = child_fakes if child else inprocess_fakes
    root = tmp / f"lag-{'child' if child else 'inproc'}-{backlog}"
    async with fakes(8, step_delay, root / "fakes", *([4] if child else [])) as (urls, children):
        engine, _timeline = await start_farm(root, urls, poll=0.5)
        try:
            baseline = await sample_lag(2.0)
            events: Counter[str] = Counter()
            feed = engine._on_event

            def counting(job_id: str, node: NodeRuntime, event: Any) -> None:
                events[type(event).__name__] += 1
                feed(job_id, node, event)

            engine._on_event = counting  # type: ignore[method-assign]
            rounds: list[int] = []
            writes: list[int] = []
            engine.dispatch_once = timed(engine.dispatch_once, rounds)  # type: ignore[method-assign]
            engine.queue.update = timed(engine.queue.update, writes)  # type: ignore[method-assign]
            pauses: list[tuple[int, float]] = []  # (generation, ms) of every collection

            def on_gc(phase: str, info: dict[str, int]) -> None:
                pauses.append((info["generation"], time.perf_counter() * 1e3))
                if phase == "stop":
                    pauses[-2:] = [(info["generation"], pauses[-1][1] - pauses[-2][1])]

            count = max(backlog, int(8 * (seconds / (steps * step_delay) + 3)))
            jobs = [job_for(counter_prompt(i, steps, 512), root / "out", f"lag{i:03}")
                    for i in range(count)]  # fmt: skip
            submit_ns: list[int] = []
            timed(engine.submit, submit_ns)(jobs)  # one submit_many, on the loop, like the app
            await until(lambda: sum(n.state.running for n in engine.nodes.values()) == 8)
            await until(lambda: events["Progress"] >= 8 * 5)
            events.clear()
            rounds.clear()
            writes.clear()
            gc.callbacks.append(on_gc)
            me = psutil.Process()
            cpu0 = sum(me.cpu_times()[:2])
            child0 = sum(sum(c.cpu_times()[:2]) for c in children)
            t0 = time.perf_counter()
            lags = await sample_lag(seconds)
            wall = time.perf_counter() - t0
            gc.callbacks.remove(on_gc)
            cpu = (sum(me.cpu_times()[:2]) - cpu0) / wall * 100
            child_cpu = (sum(sum(c.cpu_times()[:2]) for c in children) - child0) / wall * 100
            done = engine.queue.counts()[JobState.SUCCEEDED]
            running = sum(n.state.running for n in engine.nodes.values())
        finally:
            await engine.stop()
            engine.queue.close()
    total = sum(events.values())
    return {
        "child": child,
        "backlog": backlog,
        "submit_s": submit_ns[0] / 1e9,
        "seconds": wall,
        "steps": steps,
        "step_delay": step_delay,
        "lag": {q: pct(lags, q) for q in (50, 95, 99)} | {"max": max(lags)},
        "baseline": {q: pct(baseline, q) for q in (50, 99)} | {"max": max(baseline)},
        "samples": len(lags),
        "rate": total / wall,
        "events": dict(events.most_common()),
        "cpu": cpu,
        "child_cpu": child_cpu,
        "succeeded": done,
        "running_at_end": running,
        "rounds": len(rounds) / wall,
        "round_us": dist(rounds) if rounds else None,
        "writes": len(writes) / wall,
        "write_us": dist(writes) if writes else None,
        "gc": len(pauses),
        "gc_max_ms": max((ms for _, ms in pauses), default=0.0),
        "gc2": [round(ms, 1) for gen, ms in pauses if gen == 2],
    }


def report_lag(runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "### 3. Event-loop lag (10 ms sampler)",
        "",
        "| fakes | window | p50 | p95 | p99 | max | events/s handled | CPU engine | CPU fakes "
        "| idle baseline p50/p99/max |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lag, base = r["lag"], r["baseline"]
        where = "4 child processes" if r["child"] else "same process"
        where += f", {r['backlog']:,} jobs queued" if r["backlog"] else ""
        child_cpu = f"{r['child_cpu']:.0f} %" if r["child"] else "(included)"
        lines.append(
            f"| {where} | {r['seconds']:.1f} s | {lag[50]:.2f} ms | {lag[95]:.2f} ms | "
            f"{lag[99]:.2f} ms | {lag['max']:.1f} ms | {r['rate']:,.0f} | {r['cpu']:.0f} % | "
            f"{child_cpu} | {base[50]:.2f}/{base[99]:.2f}/{base['max']:.1f} ms |"
        )
    for r in runs:
        lines.append(
            f"\n{'child' if r['child'] else 'same process'}, {r['backlog']} queued "
            f"(submit_many {r['submit_s']:.2f} s): 8 nodes, SlowCounter "
            f"{r['steps']} steps × {r['step_delay'] * 1000:.0f} ms, 512 px previews; "
            f"{r['samples']} samples; jobs finished in the window {r['succeeded']}, running at "
            f"the end {r['running_at_end']}; dispatch rounds {r['rounds']:.1f}/s, each "
            f"median {r['round_us']['median']:.0f} µs, max {r['round_us']['max']:.0f} µs; "
            f"queue.update {r['writes']:.1f}/s, median {r['write_us']['median']:.0f} µs, "
            f"max {r['write_us']['max']:.0f} µs; GC {r['gc']} collections, longest "
            f"{r['gc_max_ms']:.1f} ms, full (gen 2) ones: {r['gc2']} ms; "
            f"events: {r['events']}"
        )
    return lines


# -- main --------------------------------------------------------------------------------------


def cpu_busy() -> tuple[float, float]:
    """CPU seconds used so far by this script and its children, and by the whole machine."""
    m = psutil.cpu_times()
    return sum(os.times()[:4]), m.user + m.nice + m.system + m.irq + m.softirq + m.steal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["decision", "makespan", "lag"])
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--step-delay", type=float, default=0.02)
    # One makespan run per value: the 4 fakes in this many child processes (first is checked).
    parser.add_argument("--fake-processes", type=int, nargs="+", default=[4, 1])
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    parser.add_argument("--lag-backlog", type=int, default=10_000)
    parser.add_argument("--lag-backlog-seconds", type=float, default=15.0)
    parser.add_argument("--lag-inprocess-seconds", type=float, default=8.0)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.step_delay, args.root))
        return 0

    missed: list[str] = []
    lines: list[str] = []
    started, load0, busy0 = time.perf_counter(), os.getloadavg()[0], cpu_busy()
    with tempfile.TemporaryDirectory(prefix="dc-farm-bench-") as name:
        tmp = Path(name)
        if args.only in (None, "decision"):
            r = bench_decisions(tmp, args.decisions)
            lines += [*report_decisions(r), ""]
            if r["decision"]["median"] > 1000:
                missed.append(f"decision median {r['decision']['median']:.0f} µs > 1 ms")
        if args.only in (None, "makespan"):
            for k, processes in enumerate(args.fake_processes):
                m = asyncio.run(
                    bench_makespan(tmp, args.jobs, args.steps, args.step_delay, processes)
                )
                lines += [*report_makespan(m), ""]
                if not m["files_ok"] or (k == 0 and m["overhead"] > 5):
                    missed.append(
                        f"makespan overhead {m['overhead']:.1f} % with {processes} fake "
                        f"process(es) (files ok: {m['files_ok']})"
                    )
        if args.only in (None, "lag"):
            plan = [(args.lag_seconds, True, 0), (args.lag_backlog_seconds, True, args.lag_backlog)]
            plan += [(args.lag_inprocess_seconds, False, 0)]
            runs = [asyncio.run(bench_lag(tmp, t, 200, 0.01, c, b)) for t, c, b in plan if t > 0]
            lines += [*report_lag(runs), ""]
            missed += [
                f"event-loop lag p99 {r['lag'][99]:.1f} ms ≥ 50 ms, {r['backlog']} queued"
                for r in runs
                if r["child"] and r["lag"][99] >= 50
            ]
    print("\n".join(lines))
    took, (mine, everyone) = time.perf_counter() - started, cpu_busy()
    others = (everyone - busy0[1] - mine + busy0[0]) / took * 100
    print(f"total {took:.0f} s; load average (1 min) before {load0:.2f}; other processes used "
          f"{others:.0f} % of a core meanwhile (their work skews these results)")  # fmt: skip
    for text in missed:
        print("MISSED:", text)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
