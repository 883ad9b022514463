"""Fixtures for tests that talk to fake ComfyUI servers over real sockets.

``fake_comfy`` is one started server; ``fake_comfy_factory`` starts as many as a test needs
(``server = await fake_comfy_factory(step_delay=0.05)``). Every server is stopped after the
test. Both need the recorded fixtures (skip locally, fail under CI when they are missing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from directors_console.core.farm.engine import FarmEngine, FarmOptions
from directors_console.core.farm.queue import JobQueue
from tests.conftest import FIXTURES, require_fixture
from tests.fakes import FakeComfyConfig, FakeComfyServer

FakeFactory = Callable[..., Awaitable[FakeComfyServer]]


@pytest.fixture
def comfy_fixtures() -> Path:
    """The recorded ComfyUI fixture folder (../shared/fixtures/comfyui)."""
    require_fixture(FIXTURES / "object_info_core.json")
    return FIXTURES


@pytest.fixture
def fake_comfy_factory(
    aloop: asyncio.AbstractEventLoop, tmp_path: Path, comfy_fixtures: Path
) -> Iterator[FakeFactory]:
    servers: list[FakeComfyServer] = []

    async def make(config: FakeComfyConfig | None = None, **fields: Any) -> FakeComfyServer:
        config = config or FakeComfyConfig(**fields)
        if config.root_dir is None:
            config.root_dir = tmp_path / f"comfy-{len(servers)}"
        server = FakeComfyServer(config)
        servers.append(server)
        await server.start()
        return server

    yield make
    for server in servers:
        aloop.run_until_complete(server.stop())


@pytest.fixture
def fake_comfy(
    aloop: asyncio.AbstractEventLoop, fake_comfy_factory: FakeFactory
) -> FakeComfyServer:
    return aloop.run_until_complete(fake_comfy_factory())


async def until(check: Callable[[], object], timeout: float = 30.0) -> None:
    """Let the loop run until ``check()`` is true (fails after ``timeout`` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
def farm(aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[FarmEngine]:
    """A started farm engine on a fresh queue; nodes are set by the test."""
    queue = JobQueue(tmp_path / "jobs.sqlite")
    engine = FarmEngine(queue, FarmOptions(poll_interval=0.2, poll_timeout=2.0, failover_after=0.5))
    aloop.run_until_complete(engine.start())
    yield engine
    aloop.run_until_complete(engine.stop())
    queue.close()
