"""Scheduler: filters, scoring, explanations."""

from __future__ import annotations

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.farm.requirements import Capabilities, requirements_of
from directors_console.core.farm.scheduler import GIB, Health, NodeState, Placement, Scheduler

FLUX = {"1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}}}


def caps(*files: str, classes: tuple[str, ...] = ("UNETLoader",)) -> Capabilities:
    raw = {c: {"input": {"required": {"unet_name": [list(files), {}]}}} for c in classes}
    return Capabilities(ObjectInfo.parse(raw))


def node(name: str, **kw: object) -> NodeState:
    base: dict[str, object] = {
        "health": Health.ONLINE,
        "capabilities": caps("flux1-dev.safetensors"),
    }
    base.update(kw)
    return NodeState(name, **base)  # type: ignore[arg-type]


JOB = Placement(requirements_of(FLUX))


def test_least_loaded_capable_node_wins() -> None:
    nodes = [
        node("a", running=1, max_concurrent=2),
        node("b"),
        node("c", capabilities=caps("sdxl.safetensors")),
    ]
    decision = Scheduler().choose(JOB, nodes)
    assert decision.node == "b"


def test_server_queue_counts_as_load() -> None:
    nodes = [node("a", server_queue=3), node("b")]
    assert Scheduler().choose(JOB, nodes).node == "b"


def test_speed_vram_and_affinity_break_ties() -> None:
    s = Scheduler()
    assert (
        s.choose(JOB, [node("a", seconds_per_step=2.0), node("b", seconds_per_step=0.5)]).node
        == "b"
    )
    assert s.choose(JOB, [node("a", free_vram=2 * GIB), node("b", free_vram=24 * GIB)]).node == "b"
    job = Placement(JOB.requirements, preferred_tags=frozenset({"4090"}))
    assert s.choose(job, [node("a"), node("b", tags=frozenset({"4090"}))]).node == "b"


def test_filters() -> None:
    s = Scheduler()
    assert s.choose(JOB, [node("a", enabled=False)]).node is None
    assert s.choose(JOB, [node("a", draining=True)]).node is None
    assert s.choose(JOB, [node("a", health=Health.OFFLINE)]).node is None
    assert s.choose(JOB, [node("a", running=1)]).reason == "waiting for a free node"
    pinned = Placement(JOB.requirements, pinned_node="b")
    assert s.choose(pinned, [node("a"), node("b", running=0)]).node == "b"
    assert s.choose(pinned, [node("a")]).node is None
    excluded = Placement(JOB.requirements, excluded_nodes=frozenset({"a"}))
    assert s.choose(excluded, [node("a"), node("b", server_queue=9)]).node == "b"
    tagged = Placement(JOB.requirements, required_tags=frozenset({"video"}))
    assert s.choose(tagged, [node("a"), node("b", tags=frozenset({"video"}))]).node == "b"


def test_degraded_only_when_nothing_better() -> None:
    s = Scheduler()
    assert s.choose(JOB, [node("a", health=Health.DEGRADED), node("b", server_queue=1)]).node == "b"
    assert s.choose(JOB, [node("a", health=Health.DEGRADED)]).node == "a"


def test_explains_what_is_missing_where() -> None:
    s = Scheduler()
    nodes = [node("A", capabilities=caps("sdxl.safetensors")), node("B", capabilities=caps())]
    decision = s.choose(JOB, nodes)
    assert decision.node is None
    assert "no online node has flux1-dev.safetensors" in decision.reason
    assert s.choose(JOB, []).reason == "no render nodes are configured"
    assert s.choose(JOB, [node("A", health=Health.OFFLINE)]).reason == "no render node is online"


def test_capability_cache_is_reset() -> None:
    s = Scheduler()
    a = node("a", capabilities=caps())
    assert s.choose(JOB, [a]).node is None
    a.capabilities = caps("flux1-dev.safetensors")
    s.capabilities_changed()
    assert s.choose(JOB, [a]).node == "a"


def test_monitor_payloads_are_read_leniently() -> None:
    from directors_console.core.farm.health import parse_monitor

    live = parse_monitor({"gpus": [{"gpu_utilization": 50, "vram_used": 1, "vram_total": 2}]})
    assert live is not None and live.gpu_utilization == 50 and live.vram_total == 2
    assert parse_monitor({"gpus": "nope"}) is None
    assert parse_monitor([1, 2]) is None
    assert parse_monitor({"cpu_utilization": True}) is None
