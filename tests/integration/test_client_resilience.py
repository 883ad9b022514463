"""ComfyClient when servers die, restart, hang or drop sockets (fake ComfyUI server)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

import pytest

from directors_console.core.comfy import messages as m
from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import ConnectionLost, HttpError, ServerTimeout
from directors_console.core.comfy.tracker import OutcomeStatus
from tests.fakes import FakeComfyConfig, FakeComfyServer
from tests.integration.test_client_scenarios import connected, serving, slow, still, until


class Timeline:
    """Events with the time they arrived."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.items: list[tuple[float, m.Event]] = []

    def __call__(self, event: m.Event) -> None:
        self.items.append((time.monotonic(), event))

    def first(self, kind: type) -> float | None:
        return next((t for t, e in self.items if isinstance(e, kind)), None)

    async def wait_for(self, kind: type, timeout: float) -> float:
        await until(lambda: self.first(kind) is not None, timeout)
        t = self.first(kind)
        assert t is not None
        return t


async def wait_running(server: FakeComfyServer, prompt_id: str) -> None:
    await until(lambda: server.running_prompt_id == prompt_id)


async def test_killed_mid_job_reports_within_5s_then_reads_history_after_restart() -> None:
    async with serving(FakeComfyConfig(step_delay=0.05)) as server, connected(server) as client:
        timeline = Timeline()
        tracker = client.track("job-1", on_event=timeline, poll_interval=0.5)
        result = await client.submit(slow(400), prompt_id="job-1")
        waiter = asyncio.create_task(tracker.wait(timeout=30, number=result.number))
        await wait_running(server, "job-1")
        await timeline.wait_for(m.Progress, 5)
        killed = time.monotonic()
        await server.kill()
        lost_at = await timeline.wait_for(m.Disconnected, 5)
        assert lost_at - killed < 5
        await asyncio.sleep(1.0)
        assert not waiter.done()  # keeps retrying while the server is gone
        await server.restart(keep_history=True)
        outcome = await waiter
        # The restarted server kept its history but the running job died with it
        # (found by polling while the socket was still reconnecting, or right after).
        assert outcome.status is OutcomeStatus.LOST and outcome.source == "history"
        await client.connect(6)


async def test_outcome_of_a_job_finished_before_a_crash_is_read_after_restart() -> None:
    async with serving() as server, connected(server) as client:
        result = await client.submit(still(51))
        await server.wait_idle()
        await server.kill()
        timeline = Timeline()
        waiter = asyncio.create_task(
            client.wait_for_completion(result.prompt_id, timeout=30, on_event=timeline)
        )
        await timeline.wait_for(m.Disconnected, 5)
        await asyncio.sleep(0.5)
        assert not waiter.done()
        await server.restart(keep_history=True)
        outcome = await waiter
        assert outcome.ok and outcome.source == "history"
        assert [f.filename for f in outcome.outputs] == ["shot_00001_.png"]


async def test_polling_client_survives_kill_and_restart() -> None:
    async with (
        serving(FakeComfyConfig(step_delay=0.05)) as server,
        connected(server, use_websocket=False) as client,
    ):
        timeline = Timeline()
        result = await client.submit(slow(400))
        waiter = asyncio.create_task(
            client.wait_for_completion(
                result.prompt_id, timeout=30, on_event=timeline, poll_interval=0.2
            )
        )
        await wait_running(server, result.prompt_id)
        killed = time.monotonic()
        await server.kill()
        assert await timeline.wait_for(m.Disconnected, 5) - killed < 5
        await server.restart(keep_history=True)
        outcome = await waiter
        assert outcome.status is OutcomeStatus.LOST
        assert timeline.first(m.Reconnected) is not None


async def test_crash_when_the_prompt_starts() -> None:
    async with serving(FakeComfyConfig(die_on_prompt=1)) as server, connected(server) as client:
        timeline = Timeline()
        waiter = asyncio.create_task(client.run(still(52), timeout=30, on_event=timeline))
        await timeline.wait_for(m.Disconnected, 5)
        await server.restart()
        _, outcome = await waiter
        assert outcome.status is OutcomeStatus.LOST


async def test_socket_dropped_mid_run_reconnects_and_finishes() -> None:
    config = FakeComfyConfig(drop_ws_after_messages=12)
    async with serving(config) as server, connected(server) as client:
        timeline = Timeline()
        _, outcome = await client.run(slow(10), timeout=30, on_event=timeline)
        assert outcome.ok and outcome.source == "history"
        assert timeline.first(m.Disconnected) is not None
        assert timeline.first(m.Reconnected) is not None


async def test_hanging_server_respects_callers_timeouts() -> None:
    config = FakeComfyConfig(hang_paths={"*"})  # every route, the WebSocket too
    async with serving(config) as server:
        async with ComfyClient(server.url, timeout=0.5) as client:
            start = time.monotonic()
            with pytest.raises(ServerTimeout):
                await client.submit(still())
            with pytest.raises(ServerTimeout):
                await client.queue()
            assert time.monotonic() - start < 2
            start = time.monotonic()
            with pytest.raises(ServerTimeout):
                await client.connect(timeout=1.0)
            with pytest.raises(ServerTimeout, match=r"within 1\.5s"):
                await client.wait_for_completion("whatever", timeout=1.5)
            assert time.monotonic() - start < 3.5
        async with ComfyClient(server.url, use_websocket=False) as poller:
            start = time.monotonic()
            with pytest.raises(ServerTimeout):
                await poller.wait_for_completion("whatever", timeout=1.0)
            assert time.monotonic() - start < 1.5


async def test_history_hangs_but_socket_works() -> None:
    config = FakeComfyConfig(hang_paths={"GET /history/*"})
    async with serving(config) as server, connected(server) as client:
        start = time.monotonic()
        with pytest.raises(ServerTimeout):
            await client.run(still(53), timeout=2.0)
        assert time.monotonic() - start < 3


async def test_nothing_listening() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with ComfyClient(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(ConnectionLost):
            await client.submit(still())
        with pytest.raises(ServerTimeout, match=r"refused|Connect|Errno"):
            await client.connect(timeout=1.0)
        timeline = Timeline()
        with pytest.raises(ServerTimeout):
            await client.wait_for_completion("x", timeout=1.0, on_event=timeline)
        assert timeline.first(m.Disconnected) is not None


async def test_server_errors_are_typed() -> None:
    config = FakeComfyConfig(http_500_paths={"POST /prompt"})
    async with serving(config) as server, connected(server) as client:
        with pytest.raises(HttpError) as info:
            await client.submit(still())
        assert info.value.status == 500
        assert (await client.queue()).size == 0  # the pool recovers from the closed socket


class FreezableProxy:
    """A TCP relay to the fake server that can stop relaying: a frozen machine or network."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.frozen = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                if self.frozen.is_set():
                    await asyncio.Event().wait()  # swallow everything from now on
                dst.write(data)
                await dst.drain()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for w in self._writers:
            w.close()
        await self._server.wait_closed()


async def test_frozen_server_is_noticed_by_pings_within_5s() -> None:
    async with serving(FakeComfyConfig(step_delay=0.05)) as server:
        proxy = FreezableProxy(server.port)
        await proxy.start()
        try:
            async with ComfyClient(f"http://127.0.0.1:{proxy.port}") as client:
                await client.connect(5)
                timeline = Timeline()
                run = asyncio.create_task(client.run(slow(400), timeout=30, on_event=timeline))
                await timeline.wait_for(m.Progress, 5)
                frozen = time.monotonic()
                proxy.frozen.set()
                lost = await timeline.wait_for(m.Disconnected, 6)
                assert lost - frozen < 5  # ping interval + ping timeout + close timeout
                run.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await run
        finally:
            await proxy.stop()
