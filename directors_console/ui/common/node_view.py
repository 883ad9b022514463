"""What a render-node card shows, as plain values: :class:`NodeView`.

Built from a running node (``from_runtime``) or, before the farm runs, from its
settings (``from_config``). Also the status colours and the small formatters the
cards and dialogs share.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor

if TYPE_CHECKING:
    from directors_console.core.farm.health import NodeRuntime
    from directors_console.core.settings import RenderNodeConfig

STATUS_COLORS = {
    "online": "#3fb950",
    "busy": "#3e9bd6",
    "degraded": "#f0a830",
    "offline": "#e5484d",
    "unknown": "#8b8d94",
    "starting": "#8b8d94",
    "stopped": "#8b8d94",
    "disabled": "#6b6d74",
}
STATUS_TEXT = {"unknown": "connecting…", "starting": "starting…", "stopped": "farm not running"}
GB = 1024**3


def status_color(status: str) -> QColor:
    return QColor(STATUS_COLORS.get(status, STATUS_COLORS["unknown"]))


def short_device(name: str | None) -> str:
    """``cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync`` -> ``NVIDIA GeForce RTX 4090``."""
    if not name:
        return ""
    text = re.sub(r"^(cuda|xpu|mps|npu|mlu):\d+\s+", "", name.strip())
    text = text.split(" : ")[0].strip()
    return "CPU" if text.lower() == "cpu" else text


def format_gb(value: int) -> str:
    return f"{value / GB:.1f}"


@dataclass(frozen=True)
class NodeView:
    """Everything a node card shows, as plain values."""

    name: str
    url: str
    status: str  # online|busy|degraded|offline|unknown, or starting|stopped|disabled
    latency_ms: float | None = None
    device: str = ""
    vram_total: int | None = None
    vram_free: int | None = None
    running: int = 0
    server_queue: int = 0
    max_concurrent: int = 1
    current_job: str = ""
    history: tuple[float, ...] = ()
    tags: tuple[str, ...] = ()
    draining: bool = False
    enabled: bool = True
    error: str = ""
    gpu_utilization: float | None = None  # live figures, when the server pushes them
    temperature: float | None = None

    @property
    def status_text(self) -> str:
        text = STATUS_TEXT.get(self.status, self.status)
        return f"{text} · draining" if self.draining else text

    @property
    def queue_depth(self) -> int:
        return self.running + self.server_queue

    @property
    def vram_used(self) -> int | None:
        if self.vram_total is None or self.vram_free is None:
            return None
        return max(0, self.vram_total - self.vram_free)

    @classmethod
    def from_config(cls, config: RenderNodeConfig) -> NodeView:
        return cls(
            name=config.name,
            url=config.url,
            status="starting" if config.enabled else "disabled",
            max_concurrent=config.max_concurrent,
            tags=tuple(config.tags),
            enabled=config.enabled,
        )

    @classmethod
    def from_runtime(cls, node: NodeRuntime, jobs_here: Sequence[str] = ()) -> NodeView:
        state = node.state
        status = str(state.health.value) if state.enabled else "disabled"
        current = ""
        if jobs_here:
            current = jobs_here[0] + (f" +{len(jobs_here) - 1}" if len(jobs_here) > 1 else "")
        live = node.live
        return cls(
            name=node.name,
            url=node.config.url,
            status=status,
            gpu_utilization=live.gpu_utilization if live else None,
            temperature=live.temperature if live else None,
            latency_ms=node.latency_ms,
            device=short_device(node.device),
            vram_total=node.vram_total,
            vram_free=state.free_vram,
            running=state.running,
            server_queue=state.server_queue,
            max_concurrent=state.max_concurrent,
            current_job=current,
            history=tuple(node.load_history),
            tags=tuple(sorted(state.tags)),
            draining=state.draining,
            enabled=state.enabled,
            error=node.last_error or "",
        )
