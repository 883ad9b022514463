"""Render jobs and their life cycle.

A job is one API prompt to run on one render node, with where its outputs go. Its
state moves only along :data:`TRANSITIONS`; anything else is a bug and raises.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class JobState(StrEnum):
    QUEUED = "queued"
    DISPATCHED = "dispatched"  # posted to a server, not started there yet
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    STUCK = "stuck"  # running, but no progress for too long


ACTIVE = frozenset({JobState.DISPATCHED, JobState.RUNNING, JobState.STUCK})
FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})

TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.DISPATCHED, JobState.CANCELLED, JobState.FAILED}),
    JobState.DISPATCHED: frozenset(
        {
            JobState.RUNNING,
            JobState.QUEUED,
            JobState.SUCCEEDED,
            JobState.FAILED,
            JobState.CANCELLED,
            JobState.STUCK,
        }
    ),
    JobState.RUNNING: frozenset(
        {JobState.SUCCEEDED, JobState.FAILED, JobState.QUEUED, JobState.CANCELLED, JobState.STUCK}
    ),
    JobState.STUCK: frozenset(
        {JobState.RUNNING, JobState.QUEUED, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}
    ),
    JobState.FAILED: frozenset({JobState.QUEUED}),
    JobState.CANCELLED: frozenset({JobState.QUEUED}),
    JobState.SUCCEEDED: frozenset(),
}


class ErrorKind(StrEnum):
    WORKFLOW = "workflow"  # the prompt itself is wrong: retrying elsewhere will not help
    INFRASTRUCTURE = "infrastructure"  # the node dropped, hung or broke: try another node


class TransitionError(RuntimeError):
    pass


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Job:
    prompt: dict[str, Any]
    destination: str  # folder the outputs go to
    label: str = ""
    name_stem: str = ""  # output file name without extension; "" -> server's names
    id: str = field(default_factory=new_id)
    group_id: str | None = None
    priority: int = 0  # higher runs first
    position: float = 0.0  # order among equal priorities; lower first
    state: JobState = JobState.QUEUED
    node: str | None = None
    prompt_id: str | None = None  # the id we posted under on ``node``
    attempts: int = 0
    max_attempts: int = 3
    pinned_node: str | None = None
    required_tags: list[str] = field(default_factory=list)
    preferred_tags: list[str] = field(default_factory=list)
    excluded_nodes: list[str] = field(default_factory=list)
    error: str | None = None
    error_kind: ErrorKind | None = None
    outputs: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # Local files the prompt reads, uploaded to whichever node runs the job just before
    # it is posted: "<node id>/<input name>" -> path on this machine.
    uploads: dict[str, str] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    def sort_key(self) -> tuple[int, float, float]:
        return (-self.priority, self.position, self.created)


def check_transition(job: Job, new: JobState) -> None:
    if new not in TRANSITIONS[job.state]:
        raise TransitionError(f"job {job.id[:8]}: {job.state.value} -> {new.value} is not allowed")
