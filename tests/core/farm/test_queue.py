"""The persistent job queue: durability, transitions, failover, ordering, groups."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from directors_console.core.farm.jobs import ErrorKind, Job, JobState, TransitionError
from directors_console.core.farm.queue import JobQueue

PROMPT = {"1": {"class_type": "EmptyImage", "inputs": {}}}


def make(label: str = "", **kw: object) -> Job:
    return Job(prompt=PROMPT, destination="/out", label=label, **kw)  # type: ignore[arg-type]


@pytest.fixture
def queue(tmp_path: Path):  # type: ignore[no-untyped-def]
    q = JobQueue(tmp_path / "jobs.sqlite")
    yield q
    q.close()


def test_jobs_survive_reopen(tmp_path: Path) -> None:
    q = JobQueue(tmp_path / "jobs.sqlite")
    a = q.submit(make("a"))
    q.update(a.id, JobState.DISPATCHED, node="gpu-1", prompt_id="p1")
    q.set_paused(True)
    q.set_drained("gpu-2", True)
    q.close()
    again = JobQueue(tmp_path / "jobs.sqlite")
    job = again.get(a.id)
    assert job is not None
    assert job.state is JobState.DISPATCHED
    assert (job.node, job.prompt_id, job.prompt) == ("gpu-1", "p1", PROMPT)
    assert again.paused
    assert again.drained_nodes == {"gpu-2"}
    again.close()


def test_kill_9_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite"
    script = textwrap.dedent(
        f"""
        import os, signal
        from directors_console.core.farm.jobs import Job, JobState
        from directors_console.core.farm.queue import JobQueue
        q = JobQueue({str(db)!r})
        jobs = q.submit_many([Job(prompt={{}}, destination="/o", label=str(i)) for i in range(22)],
                             group_label="batch")
        for j in jobs[:2]:
            q.update(j.id, JobState.DISPATCHED, node="n1")
            q.update(j.id, JobState.RUNNING)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert result.returncode == -9
    q = JobQueue(db)
    counts = q.counts()
    assert counts[JobState.QUEUED] == 20
    assert counts[JobState.RUNNING] == 2
    assert len(q) == 22
    assert [j.label for j in q.queued()] == [str(i) for i in range(2, 22)]
    group_id = q.queued()[0].group_id
    assert group_id and q.group_label(group_id) == "batch"
    assert len(q.group(group_id)) == 22
    q.close()


def test_transitions_are_checked(queue: JobQueue) -> None:
    job = queue.submit(make())
    with pytest.raises(TransitionError):
        queue.update(job.id, JobState.SUCCEEDED)
    queue.update(job.id, JobState.DISPATCHED)
    running = queue.update(job.id, JobState.RUNNING)
    assert running.started is not None
    done = queue.update(job.id, JobState.SUCCEEDED, outputs=["/out/a.png"])
    assert done.finished is not None and done.is_final
    with pytest.raises(TransitionError):
        queue.update(job.id, JobState.QUEUED)


def test_failover_excludes_node_and_gives_up(queue: JobQueue) -> None:
    job = queue.submit(make(max_attempts=2))
    queue.update(job.id, JobState.DISPATCHED, node="a", prompt_id="p")
    back = queue.requeue_after_failure(job.id, "a", "connection lost")
    assert back.state is JobState.QUEUED
    assert back.excluded_nodes == ["a"]
    assert back.node is None and back.prompt_id is None
    assert back.error_kind is ErrorKind.INFRASTRUCTURE
    queue.update(job.id, JobState.DISPATCHED, node="b")
    queue.update(job.id, JobState.RUNNING)
    failed = queue.requeue_after_failure(job.id, "b", "timed out")
    assert failed.state is JobState.FAILED
    assert "gave up after 2 attempts" in (failed.error or "")
    retried = queue.retry(job.id)
    assert retried.state is JobState.QUEUED
    assert retried.attempts == 0 and retried.excluded_nodes == []


def test_order_priority_and_moves(queue: JobQueue) -> None:
    a, b, c, d = (queue.submit(make(x)) for x in "abcd")
    assert [j.label for j in queue.queued()] == ["a", "b", "c", "d"]
    queue.move(c.id, "up")
    assert [j.label for j in queue.queued()] == ["a", "c", "b", "d"]
    queue.move(a.id, "down")
    assert [j.label for j in queue.queued()] == ["c", "a", "b", "d"]
    queue.move(d.id, "top")
    assert [j.label for j in queue.queued()] == ["d", "c", "a", "b"]
    queue.move(d.id, "bottom")
    assert [j.label for j in queue.queued()] == ["c", "a", "b", "d"]
    queue.move(c.id, "up")  # already first: unchanged
    urgent = queue.submit(make("urgent", priority=5))
    assert queue.queued()[0].id == urgent.id
    with pytest.raises(ValueError):
        queue.move(b.id, "sideways")


def test_listeners_see_every_change(queue: JobQueue) -> None:
    seen: list[tuple[str, JobState]] = []
    stop = queue.subscribe(lambda j: seen.append((j.label, j.state)))
    job = queue.submit(make("x"))
    queue.update(job.id, JobState.CANCELLED)
    stop()
    queue.retry(job.id)
    assert seen == [("x", JobState.QUEUED), ("x", JobState.CANCELLED)]


def test_purge_finished(queue: JobQueue) -> None:
    keep = queue.submit(make("keep"))
    gone = queue.submit(make("gone"))
    queue.update(gone.id, JobState.CANCELLED)
    assert queue.purge_finished(older_than=1e12) == 1
    assert queue.get(gone.id) is None
    assert queue.get(keep.id) is not None


def test_newer_queue_file_refused(tmp_path: Path) -> None:
    q = JobQueue(tmp_path / "jobs.sqlite")
    q._set_meta("schema_version", "99")
    q.close()
    with pytest.raises(RuntimeError, match="newer Director's Console"):
        JobQueue(tmp_path / "jobs.sqlite")


def test_next_queued_follows_order_changes(queue: JobQueue) -> None:
    a, _b, c = (queue.submit(make(x)) for x in "abc")
    assert [j.label for j in queue.next_queued(2)] == ["a", "b"]
    queue.update(a.id, JobState.DISPATCHED)
    assert [j.label for j in queue.next_queued(5)] == ["b", "c"]
    queue.move(c.id, "top")
    assert queue.next_queued()[0].id == c.id
    queue.requeue_after_failure(a.id, "n", "lost")
    assert [j.label for j in queue.next_queued(5)] == ["a", "c", "b"], "failover goes first"
