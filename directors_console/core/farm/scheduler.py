"""Pick the render node for a job.

Filter: the node is enabled, not draining, healthy enough (online or busy), has a
free slot (``running < max_concurrent``), carries the job's required tags, is the
pinned node if the job is pinned, is not excluded (it failed this job before), and
has every node class and model file the job needs.

Score (lower wins), each term documented so the choice can be explained:
- load: (our running jobs + the server's own queue) / max_concurrent, weight 10 —
  the dominant term, so work spreads across the farm;
- speed: seconds per sampler step relative to the fastest known node, weight 4
  (unknown speed counts as average, 1.0);
- memory: −1 per 8 GiB of free VRAM beyond the job's minimum, capped at −2;
- affinity: −3 when the node carries any of the job's preferred tags;
- degraded health: +20 (used only when nothing healthier is free).
Ties go to the node whose name sorts first, so decisions are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from directors_console.core.farm.requirements import (
    Capabilities,
    Requirements,
    explain_unrunnable,
)

GIB = 1024**3


class Health(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    BUSY = "busy"
    DEGRADED = "degraded"
    OFFLINE = "offline"


SCHEDULABLE = frozenset({Health.ONLINE, Health.BUSY, Health.DEGRADED})


@dataclass(slots=True)
class NodeState:
    """The scheduler's view of one render node, kept current by the health monitor."""

    name: str
    health: Health = Health.UNKNOWN
    enabled: bool = True
    draining: bool = False
    tags: frozenset[str] = frozenset()
    max_concurrent: int = 1
    running: int = 0
    server_queue: int = 0
    free_vram: int | None = None
    seconds_per_step: float | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)

    @property
    def free_slots(self) -> int:
        return max(0, self.max_concurrent - self.running)


@dataclass(frozen=True, slots=True)
class Placement:
    """What the scheduler needs to know about a job."""

    requirements: Requirements = field(default_factory=Requirements)
    pinned_node: str | None = None
    required_tags: frozenset[str] = frozenset()
    preferred_tags: frozenset[str] = frozenset()
    excluded_nodes: frozenset[str] = frozenset()
    min_vram: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    node: str | None
    reason: str
    score: float | None = None

    @property
    def placed(self) -> bool:
        return self.node is not None


class Scheduler:
    def __init__(self) -> None:
        # (id of requirements, node name) -> capable?; reset when capabilities change.
        self._capable: dict[tuple[int, str], bool] = {}
        self._requirements: dict[int, Requirements] = {}

    def capabilities_changed(self) -> None:
        self._capable.clear()
        self._requirements.clear()

    def _can_run(self, node: NodeState, req: Requirements) -> bool:
        key = (id(req), node.name)
        cached = self._capable.get(key)
        if cached is None or self._requirements.get(id(req)) is not req:
            cached = node.capabilities.can_run(req)
            self._capable[key] = cached
            self._requirements[id(req)] = req
        return cached

    def eligible(self, job: Placement, node: NodeState, *, explain: bool = True) -> str | None:
        """None if ``node`` may take ``job`` now, else why not (``explain=False``: a short
        reason without listing what is missing, which is the costly part)."""
        if not node.enabled:
            return "disabled"
        if node.draining:
            return "draining"
        if node.health not in SCHEDULABLE:
            return node.health.value
        if job.pinned_node is not None and node.name != job.pinned_node:
            return "job is pinned elsewhere"
        if node.name in job.excluded_nodes:
            return "failed this job before"
        if not job.required_tags <= node.tags:
            return "missing tags " + ", ".join(sorted(job.required_tags - node.tags))
        vram = node.free_vram
        if job.min_vram is not None and vram is not None and vram < job.min_vram:
            return "not enough free VRAM"
        if not self._can_run(node, job.requirements):
            if not explain:
                return "lacks"
            return "lacks " + ", ".join(node.capabilities.missing(job.requirements))
        if node.free_slots <= 0:
            return "full"
        return None

    @staticmethod
    def score(job: Placement, node: NodeState, fastest: float | None) -> float:
        load = (node.running + node.server_queue) / max(1, node.max_concurrent)
        speed = 1.0
        if node.seconds_per_step is not None and fastest:
            speed = node.seconds_per_step / fastest
        score = 10.0 * load + 4.0 * speed
        if node.free_vram is not None:
            spare = node.free_vram - (job.min_vram or 0)
            score -= min(2.0, max(0.0, spare / (8 * GIB)))
        if job.preferred_tags & node.tags:
            score -= 3.0
        if node.health is Health.DEGRADED:
            score += 20.0
        return score

    def choose(self, job: Placement, nodes: Sequence[NodeState]) -> Decision:
        speeds = [n.seconds_per_step for n in nodes if n.seconds_per_step]
        fastest = min(speeds) if speeds else None
        best: tuple[float, str] | None = None
        for node in nodes:
            if self.eligible(job, node, explain=False) is not None:
                continue
            candidate = (self.score(job, node, fastest), node.name)
            if best is None or candidate < best:
                best = candidate
        if best is not None:
            return Decision(best[1], "best score", best[0])
        # Nobody can take it: only now spend the time to say why.
        reasons = [(n.name, self.eligible(job, n) or "") for n in nodes]
        return Decision(None, self._explain(job, nodes, reasons))

    @staticmethod
    def takes_work(node: NodeState) -> bool:
        """Could this node take any job right now (ignoring what the job needs)?"""
        return (
            node.enabled
            and not node.draining
            and node.health in SCHEDULABLE
            and node.free_slots > 0
        )

    def _explain(
        self, job: Placement, nodes: Sequence[NodeState], reasons: Iterable[tuple[str, str]]
    ) -> str:
        if not nodes:
            return "no render nodes are configured"
        reasons = list(reasons)
        if all(why == "full" for _, why in reasons):
            return "waiting for a free node"
        live = [
            (n.name, n.capabilities)
            for n in nodes
            if n.enabled and n.health in SCHEDULABLE and not n.draining
        ]
        if live and not any(n.capabilities.can_run(job.requirements) for n in nodes if n.enabled):
            return explain_unrunnable(job.requirements, live)
        if not live:
            return "no render node is online"
        return "; ".join(f"{name}: {why}" for name, why in reasons)
