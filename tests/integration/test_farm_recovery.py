"""The app is killed with jobs queued and running; on restart every job completes once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

from directors_console.core.farm.engine import FarmEngine, FarmOptions
from directors_console.core.farm.jobs import JobState
from directors_console.core.farm.queue import JobQueue
from directors_console.core.settings import RenderNodeConfig
from tests.integration.conftest import FakeFactory

CRASHING_APP = textwrap.dedent(
    """
    import asyncio, copy, os, signal, sys
    from directors_console.core.farm.engine import FarmEngine, FarmOptions
    from directors_console.core.farm.jobs import Job, JobState
    from directors_console.core.farm.queue import JobQueue
    from directors_console.core.settings import RenderNodeConfig

    db, out, *urls = sys.argv[1:]
    SLOW = {
        "1": {"class_type": "EmptyImage",
              "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 0}},
        "2": {"class_type": "SlowCounter",
              "inputs": {"image": ["1", 0], "steps": 8, "seconds_per_step": 0}},
        "3": {"class_type": "SaveImage",
              "inputs": {"images": ["2", 0], "filename_prefix": "crash/s"}},
    }

    async def main():
        queue = JobQueue(db)
        engine = FarmEngine(queue, FarmOptions(poll_interval=0.2))
        engine.set_nodes([RenderNodeConfig(name=f"n{i}", url=u) for i, u in enumerate(urls)])
        jobs = []
        for i in range(22):
            p = copy.deepcopy(SLOW)
            p["1"]["inputs"]["color"] = i
            name = f"shot{i:02}"
            jobs.append(Job(prompt=p, destination=out, label=name, name_stem=name))
        engine.submit(jobs, group_label="22 shots")
        await engine.start()
        while True:
            counts = queue.counts()
            if counts[JobState.RUNNING] == 2 and counts[JobState.QUEUED] == 20:
                print("READY", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            await asyncio.sleep(0.01)

    asyncio.run(main())
    """
)


async def test_sigkill_with_22_jobs_loses_and_duplicates_nothing(
    fake_comfy_factory: FakeFactory, tmp_path: Path
) -> None:
    servers = [await fake_comfy_factory(step_delay=0.05) for _ in range(2)]
    db, out = tmp_path / "jobs.sqlite", tmp_path / "out"
    args = [sys.executable, "-c", CRASHING_APP, str(db), str(out), *(s.url for s in servers)]
    proc = await asyncio.create_subprocess_exec(*args, stdout=subprocess.PIPE)
    stdout, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == -9
    assert b"READY" in stdout

    queue = JobQueue(db)
    counts = queue.counts()
    assert (counts[JobState.QUEUED], counts[JobState.RUNNING]) == (20, 2)
    engine = FarmEngine(queue, FarmOptions(poll_interval=0.2))
    engine.set_nodes([RenderNodeConfig(name=f"n{i}", url=s.url) for i, s in enumerate(servers)])
    await engine.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while queue.counts()[JobState.SUCCEEDED] < 22:
            assert loop.time() < deadline, queue.counts()
            await asyncio.sleep(0.05)
    finally:
        await engine.stop()
    jobs = queue.jobs()
    assert len(jobs) == 22
    assert all(len(j.outputs) == 1 for j in jobs)
    assert sorted(p.name for p in out.iterdir()) == [f"shot{i:02}.png" for i in range(22)]
    executed = sum(len(s.history) for s in servers)
    assert executed == 22, "no prompt was run twice"
    queue.close()
