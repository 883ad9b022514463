"""PromptTracker without a network: recorded events replayed, /history from MockTransport."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from directors_console.core.comfy import messages as m
from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import ServerTimeout
from directors_console.core.comfy.tracker import OutcomeStatus, PromptTracker
from tests.conftest import FIXTURES, require_fixture
from tests.core.comfy.replay import frames, posted_prompts, prompt_ids

EMPTY_QUEUE: dict[str, list[Any]] = {"queue_running": [], "queue_pending": []}


def load(name: str) -> Any:
    return json.loads(require_fixture(FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class FakeServer:
    """What /history and /queue answer; ``down``/``hang`` simulate a dead/stuck server."""

    history: dict[str, Any] = field(default_factory=dict)
    queue: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(EMPTY_QUEUE))
    down: bool = False
    hang: bool = False
    calls: int = 0

    async def __call__(self, req: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.hang:
            await asyncio.sleep(3600)
        if self.down:
            raise httpx.ConnectError("connection refused", request=req)
        path = req.url.path
        if path.startswith("/history/"):
            pid = path.rsplit("/", 1)[1]
            return httpx.Response(200, json={pid: self.history[pid]} if pid in self.history else {})
        if path == "/queue":
            return httpx.Response(200, json=self.queue)
        raise AssertionError(path)

    def running(self, pid: str) -> None:
        self.queue = {"queue_running": [[1, pid, {}, {}, ["3"]]], "queue_pending": []}

    def finish(self, history_file: str) -> None:
        self.history.update(load(history_file))
        self.queue = copy.deepcopy(EMPTY_QUEUE)


def ws_client(server: FakeServer) -> ComfyClient:
    client = ComfyClient(
        "http://comfy.test", transport=httpx.MockTransport(server), client_id="farmtest"
    )
    assert client.listener is not None
    client.listener.start = lambda: None  # type: ignore[method-assign]  # no socket in unit tests
    client.listener._up.set()
    client.listener._ever_up = True
    return client


def poll_client(server: FakeServer) -> ComfyClient:
    return ComfyClient(
        "http://comfy.test", transport=httpx.MockTransport(server), use_websocket=False
    )


async def replay(client: ComfyClient, scenario: str, client_label: str = "A") -> None:
    listener = client.listener
    assert listener is not None
    await asyncio.sleep(0.01)  # let the tracker subscribe
    for raw in frames(scenario, client_label):
        event = m.parse_text(raw) if isinstance(raw, str) else m.parse_binary(raw)
        listener.publish(listener._classify(event))
        await asyncio.sleep(0)


async def test_success_follows_events_then_reads_history() -> None:
    (pid,) = prompt_ids("02_success")
    server = FakeServer()
    server.running(pid)
    seen: list[m.Event] = []
    async with ws_client(server) as client:
        tracker = PromptTracker(client, pid, on_event=seen.append, safety_poll_interval=30)
        waiter = asyncio.create_task(tracker.wait(timeout=5))
        await replay(client, "02_success")
        assert not waiter.done()  # history not there yet: keeps asking
        server.finish("history_prompt.json")
        outcome = await waiter
    assert outcome.ok and outcome.source == "history" and outcome.entry is not None
    assert [f.filename for f in outcome.outputs] == ["shot_00001_.png", "shot_00002_.png"]
    kinds = [type(e) for e in seen]
    assert kinds[0] is m.ExecutionStart and m.Executed in kinds and m.ProgressState in kinds
    assert m.Status not in kinds  # not about this prompt
    assert tracker.running


async def test_execution_error_outcome() -> None:
    (pid,) = prompt_ids("06_execution_error")
    server = FakeServer()
    server.finish("history_error.json")
    server.history = {}  # the entry lands only after the events
    async with ws_client(server) as client:
        waiter = asyncio.create_task(client.wait_for_completion(pid, timeout=5))
        await replay(client, "06_execution_error")
        server.finish("history_error.json")
        outcome = await waiter
    assert outcome.status is OutcomeStatus.ERROR and outcome.error is not None
    assert outcome.error.node_type == "FailAlways" and "boom" in outcome.describe()


async def test_interrupt_outcome_from_events_when_history_never_comes() -> None:
    pid = prompt_ids("05_interrupt")[0]
    server = FakeServer()
    server.running(pid)
    async with ws_client(server) as client:
        tracker = PromptTracker(client, pid, history_grace=0.2)
        waiter = asyncio.create_task(tracker.wait(timeout=5))
        await replay(client, "05_interrupt")
        outcome = await waiter
    assert outcome.status is OutcomeStatus.INTERRUPTED and outcome.source == "websocket"
    assert outcome.interrupted is not None and outcome.interrupted.node_type == "SlowCounter"


async def test_websocket_images_are_collected() -> None:
    scenario = "14_save_image_websocket"
    (pid,) = prompt_ids(scenario)
    server = FakeServer()
    server.running(pid)
    async with ws_client(server) as client:
        assert client.listener is not None
        client.listener.watch_prompt(pid, posted_prompts(scenario)[0]["prompt"])
        tracker = PromptTracker(client, pid, history_grace=0.2)
        waiter = asyncio.create_task(tracker.wait(timeout=5))
        await replay(client, scenario)
        outcome = await waiter
    assert outcome.ok and outcome.outputs == ()
    assert [i.node_id for i in outcome.websocket_images] == ["2", "2"]


async def test_already_finished_prompt_returns_at_once() -> None:
    server = FakeServer()
    server.finish("history_prompt.json")
    async with ws_client(server) as client:
        outcome = await client.wait_for_completion(
            "544efa46-7ccd-4f47-a502-7c805cd34e6e", timeout=1
        )
    assert outcome.ok


async def test_stale_entry_of_a_reused_id_is_ignored() -> None:
    server = FakeServer()
    server.finish("history_prompt.json")  # number 0
    pid = "544efa46-7ccd-4f47-a502-7c805cd34e6e"
    server.running(pid)
    async with ws_client(server) as client:
        with pytest.raises(ServerTimeout):
            await client.wait_for_completion(pid, timeout=0.3, number=5)


async def test_socket_down_polls_history_and_reports_within_seconds() -> None:
    (pid,) = prompt_ids("02_success")
    server = FakeServer()
    server.running(pid)
    seen: list[tuple[float, m.Event]] = []
    start = time.monotonic()
    async with ws_client(server) as client:
        listener = client.listener
        assert listener is not None
        tracker = PromptTracker(
            client,
            pid,
            on_event=lambda e: seen.append((time.monotonic() - start, e)),
            poll_interval=0.05,
            safety_poll_interval=30,
        )
        waiter = asyncio.create_task(tracker.wait(timeout=5))
        await asyncio.sleep(0.05)
        server.down = True
        listener._went_down("server killed")
        await asyncio.sleep(0.3)  # tracker polls, server refuses, tracker keeps going
        assert not waiter.done()
        calls = server.calls
        server.down = False
        server.finish("history_prompt.json")  # restarted with its history
        outcome = await waiter  # found by polling, before any reconnect
    assert outcome.ok
    assert calls >= 3
    lost = [(t, e) for t, e in seen if isinstance(e, m.Disconnected)]
    assert lost and lost[0][0] < 5


async def test_reconnect_triggers_a_history_check() -> None:
    (pid,) = prompt_ids("02_success")
    server = FakeServer()
    server.running(pid)
    seen: list[m.Event] = []
    async with ws_client(server) as client:
        listener = client.listener
        assert listener is not None
        tracker = PromptTracker(
            client, pid, on_event=seen.append, poll_interval=30, safety_poll_interval=30
        )
        waiter = asyncio.create_task(tracker.wait(timeout=5))
        await asyncio.sleep(0.05)
        listener._went_down("gone")
        server.finish("history_prompt.json")
        listener._came_up()
        outcome = await asyncio.wait_for(waiter, 1)
    assert outcome.ok
    assert [type(e) for e in seen] == [m.Disconnected, m.Reconnected]


async def test_safety_poll_finds_a_prompt_whose_events_were_lost() -> None:
    server = FakeServer()
    server.running("544efa46-7ccd-4f47-a502-7c805cd34e6e")
    async with ws_client(server) as client:
        waiter = asyncio.create_task(
            client.wait_for_completion(
                "544efa46-7ccd-4f47-a502-7c805cd34e6e", timeout=5, safety_poll_interval=0.1
            )
        )
        await asyncio.sleep(0.05)
        server.finish("history_prompt.json")
        assert (await waiter).ok


async def test_polling_only_mode() -> None:
    pid = "544efa46-7ccd-4f47-a502-7c805cd34e6e"
    server = FakeServer()
    server.running(pid)
    seen: list[m.Event] = []
    async with poll_client(server) as client:
        waiter = asyncio.create_task(
            client.wait_for_completion(pid, timeout=5, on_event=seen.append, poll_interval=0.02)
        )
        await asyncio.sleep(0.1)
        server.down = True
        await asyncio.sleep(0.1)
        server.down = False
        server.finish("history_prompt.json")
        outcome = await waiter
    assert outcome.ok and len(outcome.outputs) == 2
    assert [type(e) for e in seen] == [m.Disconnected, m.Reconnected]


async def test_unknown_prompt_is_lost() -> None:
    async with poll_client(FakeServer()) as client:
        outcome = await client.wait_for_completion("never-seen", timeout=5, poll_interval=0.01)
    assert outcome.status is OutcomeStatus.LOST and not outcome.ok
    assert "no longer knows" in outcome.describe()


@pytest.mark.parametrize("mode", ["websocket", "polling"])
async def test_hanging_server_respects_the_callers_timeout(mode: str) -> None:
    server = FakeServer(hang=True)
    client = ws_client(server) if mode == "websocket" else poll_client(server)
    async with client:
        start = time.monotonic()
        with pytest.raises(ServerTimeout, match=r"did not finish within 0\.5s"):
            await client.wait_for_completion("p", timeout=0.5)
        assert time.monotonic() - start < 1.0
