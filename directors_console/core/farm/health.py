"""Health of one render node: poll it, classify it, learn what it can run.

Every ``interval`` seconds (with a timeout) the monitor asks the server for
``/system_stats`` and ``/queue``: the answer time is its latency, the queue its load,
the devices its VRAM. States: online (answers, idle or with room), busy (its own queue
is not empty or all our slots are in use), degraded (answers slowly, or failed once),
offline (failed ``offline_after`` polls in a row). When a node comes online its
object_info and model lists are read, so the scheduler knows what it can run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import ComfyError
from directors_console.core.comfy.message_types import UnknownMessage
from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.farm.requirements import INPUT_FOLDERS, Capabilities
from directors_console.core.farm.scheduler import Health, NodeState
from directors_console.core.settings import RenderNodeConfig

log = logging.getLogger(__name__)

MODEL_FOLDERS = tuple(sorted(set(INPUT_FOLDERS.values())))


@dataclass
class NodeRuntime:
    """One configured node: its client, the scheduler's view, and what the UI shows."""

    config: RenderNodeConfig
    client: ComfyClient
    state: NodeState
    latency_ms: float | None = None
    last_error: str | None = None
    vram_total: int | None = None
    ram_total: int | None = None
    ram_free: int | None = None
    device: str | None = None
    failures: int = 0
    offline_since: float | None = None
    load_history: deque[float] = field(default_factory=lambda: deque(maxlen=60))
    went_offline: asyncio.Event = field(default_factory=asyncio.Event)
    capabilities_loaded: bool = False
    live: GpuLive | None = None  # from Crystools-style monitor messages, when sent

    @property
    def name(self) -> str:
        return self.config.name


@dataclass(frozen=True)
class GpuLive:
    """Live figures a server pushes over its WebSocket (ComfyUI-Crystools' monitor)."""

    gpu_utilization: float | None
    temperature: float | None
    vram_used: int | None
    vram_total: int | None
    cpu_utilization: float | None
    at: float


def parse_monitor(data: object) -> GpuLive | None:
    """Read a ``crystools.monitor`` payload; None if it is not one we understand."""
    if not isinstance(data, dict):
        return None
    gpus = data.get("gpus")
    gpu = gpus[0] if isinstance(gpus, list) and gpus and isinstance(gpus[0], dict) else {}

    def num(source: dict[str, Any], key: str) -> float | None:
        value = source.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        return None

    util, cpu = num(gpu, "gpu_utilization"), num(data, "cpu_utilization")
    used, total = num(gpu, "vram_used"), num(gpu, "vram_total")
    if util is None and cpu is None and used is None:
        return None
    return GpuLive(
        util,
        num(gpu, "gpu_temperature"),
        int(used) if used is not None else None,
        int(total) if total is not None else None,
        cpu,
        time.monotonic(),
    )


MONITOR_TYPES = frozenset({"crystools.monitor"})


class HealthMonitor:
    def __init__(
        self,
        node: NodeRuntime,
        on_change: Callable[[NodeRuntime], None],
        *,
        interval: float = 3.0,
        timeout: float = 5.0,
        slow_ms: float = 2000.0,
        offline_after: int = 2,
    ) -> None:
        self.node = node
        self._on_change = on_change
        self.interval = interval
        self.timeout = timeout
        self.slow_ms = slow_ms
        self.offline_after = offline_after
        self._wake = asyncio.Event()

    def poll_now(self) -> None:
        self._wake.set()

    async def watch_live(self) -> None:
        """Follow the server's pushed monitor messages (if it sends any) while it is up."""
        sub = self.node.client.subscribe()
        try:
            while True:
                event = await sub.get()
                if isinstance(event, UnknownMessage) and event.type in MONITOR_TYPES:
                    live = parse_monitor(event.data)
                    if live is not None:
                        self.node.live = live
                        if live.vram_total and live.vram_used is not None:
                            self.node.state.free_vram = live.vram_total - live.vram_used
                        self._on_change(self.node)
        finally:
            sub.close()

    async def run(self) -> None:
        live = asyncio.ensure_future(self.watch_live()) if self.node.client.listener else None
        try:
            await self._poll_forever()
        finally:
            if live is not None:
                live.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await live

    async def _poll_forever(self) -> None:
        while True:
            await self.poll_once()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    async def poll_once(self) -> Health:
        node = self.node
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                stats = await node.client.system_stats()
                latency = (time.monotonic() - started) * 1000
                queue = await node.client.queue()
                if not node.capabilities_loaded:
                    await self.load_capabilities()
        except (ComfyError, TimeoutError, OSError) as exc:
            return self._failed(exc)
        node.failures = 0
        node.offline_since = None
        node.went_offline.clear()
        node.last_error = None
        node.latency_ms = latency
        gpu = stats.devices[0] if stats.devices else None
        if gpu is not None:
            node.device = gpu.name
            node.vram_total = gpu.vram_total
            node.state.free_vram = gpu.vram_free
        node.ram_total = stats.ram_total
        node.ram_free = stats.ram_free
        node.state.server_queue = max(0, queue.size - node.state.running)
        if latency > self.slow_ms:
            health = Health.DEGRADED
        elif queue.size > 0 or node.state.free_slots == 0:
            health = Health.BUSY
        else:
            health = Health.ONLINE
        node.load_history.append(float(queue.size))
        self._set(health)
        return health

    def _failed(self, exc: BaseException) -> Health:
        node = self.node
        node.failures += 1
        node.latency_ms = None
        node.last_error = str(exc) or type(exc).__name__
        if node.failures >= self.offline_after:
            if node.offline_since is None:
                node.offline_since = time.monotonic()
            node.went_offline.set()
            node.capabilities_loaded = False
            node.client.refresh()
            health = Health.OFFLINE
        else:
            health = Health.DEGRADED
        node.load_history.append(0.0)
        self._set(health)
        return health

    def _set(self, health: Health) -> None:
        if self.node.state.health is not health:
            log.info("node %s: %s -> %s", self.node.name, self.node.state.health, health)
        self.node.state.health = health
        self._on_change(self.node)

    async def load_capabilities(self) -> None:
        node = self.node
        raw = await node.client.object_info()
        info = ObjectInfo.parse(raw)
        models: dict[str, frozenset[str]] = {}
        try:
            folders = set(await node.client.model_folders())
        except ComfyError:
            folders = set()
        for folder in MODEL_FOLDERS:
            if folder in folders:
                models[folder] = frozenset(await node.client.models(folder))
        node.state.capabilities = Capabilities(info, models)
        node.capabilities_loaded = True
        log.info("node %s: %d node classes, %d model folders", node.name, len(info), len(models))
