"""Shared pieces of the Orchestrator tests: prompts the fake ComfyUI runs, fake
servers per test, a real queue and engine in tmp_path, and the tab built on them.

Async tests that start the farm are wrapped in :func:`quiet_teardown`, which stops
the farm and the servers inside the test's own loop run.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from directors_console.app.services import Services
from directors_console.core.farm.engine import FarmEngine, FarmOptions
from directors_console.core.farm.jobs import Job
from directors_console.core.farm.queue import JobQueue
from directors_console.core.settings import RenderNodeConfig
from directors_console.ui.orchestrator import OrchestratorTab
from tests.conftest import FIXTURES, require_fixture
from tests.fakes import FakeComfyConfig, FakeComfyServer
from tests.fakes.prompts import slow_prompt

GB = 1024**3


def slow(color: int, steps: int = 10) -> dict[str, Any]:
    return slow_prompt(steps, color, prefix="ui/slow")


def failing() -> dict[str, Any]:
    prompt = slow(1)
    prompt["2"] = {"class_type": "FailAlways", "inputs": {"image": ["1", 0]}}
    return prompt


def gpu(name: str, total_gb: float, free_gb: float) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "type": "cuda",
            "index": 0,
            "vram_total": int(total_gb * GB),
            "vram_free": int(free_gb * GB),
            "torch_vram_total": 0,
            "torch_vram_free": 0,
        }
    ]


def job(prompt: dict[str, Any], out: Path, label: str, **kw: Any) -> Job:
    return Job(prompt=prompt, destination=str(out), label=label, name_stem=label, **kw)


class Servers:
    """Starts fake ComfyUI servers for one test; ``await servers(**config)``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: list[FakeComfyServer] = []

    async def __call__(self, **fields: Any) -> FakeComfyServer:
        config = FakeComfyConfig(root_dir=self.root / f"comfy-{len(self.started)}", **fields)
        server = FakeComfyServer(config)
        self.started.append(server)
        await server.start()
        return server

    async def stop_all(self) -> None:
        for server in self.started:
            await server.stop()


@pytest.fixture
def servers(aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Servers]:
    require_fixture(FIXTURES / "object_info_core.json")
    started = Servers(tmp_path)
    yield started
    aloop.run_until_complete(started.stop_all())


def quiet_teardown(test: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Stop the farm and the servers inside the test's own loop run.

    pytest-qt processes Qt events before fixtures are torn down; with qasync that would
    step the farm's tasks outside a running loop.
    """

    @functools.wraps(test)
    async def run(**kwargs: Any) -> None:
        try:
            await test(**kwargs)
        finally:
            farm = kwargs.get("engine")
            if isinstance(farm, FarmEngine):
                await farm.stop()
            fakes = kwargs.get("servers")
            if isinstance(fakes, Servers):
                await fakes.stop_all()
            await asyncio.sleep(0.05)

    return run


@pytest.fixture
def engine(aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[FarmEngine]:
    queue = JobQueue(tmp_path / "jobs.sqlite")
    farm = FarmEngine(queue, FarmOptions(poll_interval=0.2, poll_timeout=2.0, failover_after=0.5))
    aloop.run_until_complete(farm.start())
    yield farm
    aloop.run_until_complete(farm.stop())
    queue.close()


@pytest.fixture
def tab(qtbot, services: Services, engine: FarmEngine) -> OrchestratorTab:  # type: ignore[no-untyped-def]
    def apply() -> None:
        engine.set_nodes(services.settings.settings.render_nodes)

    page = OrchestratorTab(
        services.projects, services.settings, services.tasks, services.workers, apply
    )
    qtbot.addWidget(page)
    page.resize(1180, 760)
    page.show()
    return page


def add_nodes(services: Services, engine: FarmEngine, **urls: str) -> None:
    nodes = [RenderNodeConfig(name=name, url=url) for name, url in urls.items()]
    services.settings.update(render_nodes=nodes)
    engine.set_nodes(nodes)


def card_status(page: OrchestratorTab, name: str) -> str:
    card = page.nodes.cards.get(name)
    return card.view.status if card is not None else ""


def message(page: OrchestratorTab) -> str:
    box = page.findChild(QMessageBox, "OrchestratorMessage")
    if box is None:
        return ""
    text = box.text()
    box.done(0)
    return text
