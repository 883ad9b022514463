"""The persistent job queue: SQLite in the user data folder, safe across crashes.

Every change is committed before the call returns (WAL, synchronous=FULL), so a
crash or ``kill -9`` loses nothing that was acknowledged. The queue keeps all jobs
in memory too, for fast reads; SQLite is the source of truth on start.

Thread-safe (one lock): the farm engine calls it from worker threads. Listeners
registered with :meth:`subscribe` are called with the changed job after each change,
on the calling thread.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from directors_console.core.farm.jobs import (
    ACTIVE,
    ErrorKind,
    Job,
    JobState,
    check_transition,
    new_id,
)

SCHEMA_VERSION = 1
Listener = Callable[[Job], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    group_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, label TEXT NOT NULL, created REAL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _encode(job: Job) -> str:
    return json.dumps(dataclasses.asdict(job), separators=(",", ":"))


def _decode(text: str) -> Job:
    raw: dict[str, Any] = json.loads(text)
    known = {f.name for f in dataclasses.fields(Job)}
    data = {k: v for k, v in raw.items() if k in known}
    data["state"] = JobState(data.get("state", JobState.QUEUED))
    kind = data.get("error_kind")
    data["error_kind"] = ErrorKind(kind) if kind else None
    return Job(**data)


class JobQueue:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._check_version()
        self._jobs: dict[str, Job] = {}
        self._groups: dict[str, str] = {}
        self._listeners: list[Listener] = []
        # Run order of the queued jobs, kept sorted as jobs change (bisect, not re-sort):
        # the dispatcher asks for the head of the queue after every change.
        self._order: list[tuple[tuple[int, float, float], str]] = []
        self._load()

    # -- setup ----------------------------------------------------------------------------

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(row[0]) > SCHEMA_VERSION:
            raise RuntimeError(
                f"The job queue at {self.path} was written by a newer Director's Console "
                f"(format {row[0]}); update the program. The file was not changed."
            )

    def _load(self) -> None:
        for _id, text in self._db.execute("SELECT id, data FROM jobs"):
            job = _decode(text)
            self._jobs[job.id] = job
        self._order = sorted(
            (j.sort_key(), j.id) for j in self._jobs.values() if j.state is JobState.QUEUED
        )
        for gid, label in self._db.execute("SELECT id, label FROM groups"):
            self._groups[gid] = label

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- meta -----------------------------------------------------------------------------

    def _meta(self, key: str, default: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else default

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._meta("paused", "0") == "1"

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            self._set_meta("paused", "1" if paused else "0")

    @property
    def drained_nodes(self) -> frozenset[str]:
        with self._lock:
            return frozenset(json.loads(self._meta("drained", "[]")))

    def set_drained(self, node: str, drained: bool) -> None:
        with self._lock:
            nodes = set(self.drained_nodes)
            (nodes.add if drained else nodes.discard)(node)
            self._set_meta("drained", json.dumps(sorted(nodes)))

    # -- reading --------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return dataclasses.replace(job) if job else None

    def jobs(self, states: Iterable[JobState] | None = None) -> list[Job]:
        """Jobs in run order (priority, then position), copies."""
        with self._lock:
            wanted = frozenset(states) if states is not None else None
            chosen = [j for j in self._jobs.values() if wanted is None or j.state in wanted]
            return [dataclasses.replace(j) for j in sorted(chosen, key=Job.sort_key)]

    def queued(self) -> list[Job]:
        return self.jobs([JobState.QUEUED])

    def next_queued(self, limit: int = 1) -> list[Job]:
        """The first ``limit`` queued jobs in run order, without copying the whole queue."""
        with self._lock:
            return [dataclasses.replace(self._jobs[i]) for _key, i in self._order[:limit]]

    def active(self) -> list[Job]:
        return self.jobs(ACTIVE)

    def group(self, group_id: str) -> list[Job]:
        with self._lock:
            return sorted(
                (dataclasses.replace(j) for j in self._jobs.values() if j.group_id == group_id),
                key=Job.sort_key,
            )

    def group_label(self, group_id: str) -> str | None:
        with self._lock:
            return self._groups.get(group_id)

    def counts(self) -> dict[JobState, int]:
        with self._lock:
            out = dict.fromkeys(JobState, 0)
            for job in self._jobs.values():
                out[job.state] += 1
            return out

    def __len__(self) -> int:
        return len(self._jobs)

    # -- writing --------------------------------------------------------------------------

    def _save(self, job: Job) -> None:
        job.updated = time.time()
        self._db.execute(
            "INSERT OR REPLACE INTO jobs(id, state, group_id, data) VALUES(?, ?, ?, ?)",
            (job.id, job.state.value, job.group_id, _encode(job)),
        )
        old = self._jobs.get(job.id)
        if old is not None and old.state is JobState.QUEUED:
            self._unorder(old)
        if job.state is JobState.QUEUED:
            bisect.insort(self._order, (job.sort_key(), job.id))
        self._jobs[job.id] = job

    def _unorder(self, job: Job) -> None:
        entry = (job.sort_key(), job.id)
        at = bisect.bisect_left(self._order, entry)
        if at < len(self._order) and self._order[at] == entry:
            del self._order[at]

    def _notify(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            copy = dataclasses.replace(job)
            for listener in list(self._listeners):
                listener(copy)

    def _next_position(self) -> float:
        positions = [j.position for j in self._jobs.values()]
        return (max(positions) + 1.0) if positions else 1.0

    def submit(self, job: Job) -> Job:
        return self.submit_many([job])[0]

    def submit_many(self, jobs: list[Job], group_label: str | None = None) -> list[Job]:
        """Add jobs (as one group if ``group_label`` is given) in one transaction."""
        with self._lock:
            group_id = new_id() if group_label is not None else None
            position = self._next_position()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if group_id is not None:
                    self._db.execute(
                        "INSERT INTO groups(id, label, created) VALUES(?, ?, ?)",
                        (group_id, group_label, time.time()),
                    )
                for offset, job in enumerate(jobs):
                    job.state = JobState.QUEUED
                    job.position = position + offset
                    if group_id is not None:
                        job.group_id = group_id
                    self._save(job)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                for job in jobs:
                    if self._jobs.pop(job.id, None) is not None:
                        self._unorder(job)
                raise
            if group_id is not None and group_label is not None:
                self._groups[group_id] = group_label
            stored = [dataclasses.replace(j) for j in jobs]
        self._notify(stored)
        return stored

    def update(self, job_id: str, new_state: JobState | None = None, **fields: Any) -> Job:
        """Change a job's state (checked) and fields atomically; returns a copy."""
        with self._lock:
            current = self._jobs.get(job_id)
            if current is None:
                raise KeyError(job_id)
            job = dataclasses.replace(current, **fields)
            if new_state is not None and new_state != current.state:
                check_transition(current, new_state)
                job.state = new_state
                now = time.time()
                if new_state is JobState.RUNNING and job.started is None:
                    job.started = now
                if new_state in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED):
                    job.finished = now
            self._save(job)
            copy = dataclasses.replace(job)
        self._notify([copy])
        return copy

    def requeue_after_failure(self, job_id: str, node: str, reason: str) -> Job:
        """An infrastructure failure on ``node``: try another node, or fail when out of tries."""
        with self._lock:
            job = self._jobs[job_id]
            attempts = job.attempts + 1
            excluded = sorted({*job.excluded_nodes, node})
            if attempts >= job.max_attempts:
                return self.update(
                    job_id,
                    JobState.FAILED,
                    attempts=attempts,
                    excluded_nodes=excluded,
                    error=f"gave up after {attempts} attempts; last: {reason}",
                    error_kind=ErrorKind.INFRASTRUCTURE,
                )
            # It had its turn already: back to the front of its priority, not the end.
            front = min(
                (j.position for j in self._jobs.values() if j.state is JobState.QUEUED),
                default=job.position,
            )
            return self.update(
                job_id,
                JobState.QUEUED,
                position=min(job.position, front - 1.0),
                attempts=attempts,
                excluded_nodes=excluded,
                node=None,
                prompt_id=None,
                error=reason,
                error_kind=ErrorKind.INFRASTRUCTURE,
            )

    def retry(self, job_id: str) -> Job:
        """The user asks to run a failed or cancelled job again (fresh attempts)."""
        return self.update(
            job_id,
            JobState.QUEUED,
            attempts=0,
            excluded_nodes=[],
            node=None,
            prompt_id=None,
            error=None,
            error_kind=None,
            outputs=[],
            finished=None,
            position=self._next_position(),
        )

    def move(self, job_id: str, where: str) -> Job:
        """Reorder a queued job: ``up``, ``down``, ``top`` or ``bottom``."""
        with self._lock:
            job = self._jobs[job_id]
            peers = [
                j
                for j in sorted(self._jobs.values(), key=Job.sort_key)
                if j.state is JobState.QUEUED and j.priority == job.priority
            ]
            index = next(i for i, j in enumerate(peers) if j.id == job_id)
            if where == "top":
                pos = peers[0].position - 1.0 if index else job.position
            elif where == "bottom":
                pos = peers[-1].position + 1.0 if index < len(peers) - 1 else job.position
            elif where == "up":
                if index == 0:
                    return dataclasses.replace(job)
                before = peers[index - 1]
                earlier = peers[index - 2].position if index >= 2 else before.position - 2.0
                pos = (earlier + before.position) / 2
            elif where == "down":
                if index == len(peers) - 1:
                    return dataclasses.replace(job)
                after = peers[index + 1]
                later = (
                    peers[index + 2].position if index + 2 < len(peers) else after.position + 2.0
                )
                pos = (after.position + later) / 2
            else:
                raise ValueError(f"unknown move {where!r}")
            return self.update(job_id, position=pos)

    def purge_finished(self, older_than: float) -> int:
        """Forget final jobs finished before ``older_than`` (epoch seconds)."""
        with self._lock:
            gone = [
                j.id
                for j in self._jobs.values()
                if j.is_final and (j.finished or j.updated) < older_than
            ]
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM jobs WHERE id=?", [(i,) for i in gone])
            self._db.execute("COMMIT")
            for job_id in gone:
                del self._jobs[job_id]
            return len(gone)
