"""The fake ComfyUI server's deliberate failures work, so client tests can rely on them.

Covers crash (kill), restart on the same port (history wiped or kept), graceful stop,
hanging routes, HTTP 500 routes, sockets dropped mid-job, latency, timed and prompt-triggered
crashes, several independent instances, and the real server's socket-replacement quirk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import aiohttp
import pytest
import websockets

from tests.fakes import FakeComfyServer, prompts
from tests.integration.conftest import FakeFactory


def slow_prompt(steps: int = 5, color: int = 7) -> dict[str, Any]:
    return prompts.slow_prompt(steps, color, "faults/slow", size=16, seconds_per_step=0.3)


async def post_prompt(
    session: aiohttp.ClientSession, server: FakeComfyServer, prompt: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    async with session.post(f"{server.url}/prompt", json={"prompt": prompt, **extra}) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def next_json(conn: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next text message of one type (binary frames and other types are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            raw = await conn.recv()
            if isinstance(raw, str) and (message := json.loads(raw))["type"] == kind:
                return message


async def test_kill_drops_sockets_at_once_and_stops_listening(
    fake_comfy_factory: FakeFactory,
) -> None:
    server = await fake_comfy_factory(step_delay=0.05)
    async with (
        aiohttp.ClientSession() as session,
        websockets.connect(f"{server.ws_url}?clientId=k1") as conn,
    ):
        await post_prompt(session, server, slow_prompt(steps=100), client_id="k1")
        await next_json(conn, "progress")
        started = time.monotonic()
        await server.kill()
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(2):
                while True:
                    await conn.recv()
        assert time.monotonic() - started < 1.0
        assert conn.close_code == 1006  # no close handshake: the process "died"
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"{server.url}/queue")
    assert not server.is_running


async def test_restart_serves_again_on_the_same_port_with_empty_state(
    fake_comfy_factory: FakeFactory,
) -> None:
    server = await fake_comfy_factory(step_delay=0.0)
    port = server.port
    async with aiohttp.ClientSession() as session:
        first = await post_prompt(session, server, slow_prompt(steps=2))
        await server.wait_idle()
        await server.kill()
        await server.restart()
        assert server.port == port
        async with session.get(f"{server.url}/history") as resp:
            assert resp.status == 200
            assert await resp.json() == {}
        async with session.get(f"{server.url}/queue") as resp:
            assert await resp.json() == {"queue_running": [], "queue_pending": []}
        again = await post_prompt(session, server, slow_prompt(steps=2))
        assert again["number"] == first["number"] == 0  # the counter starts over
        await server.wait_idle()
        # The output files of the earlier run are still on disk, so names continue.
        saved = sorted(p.name for p in (server.dirs.output / "faults").iterdir())
        assert saved == ["slow_00001_.png", "slow_00002_.png"]
    async with websockets.connect(f"{server.ws_url}?clientId=back") as conn:
        status = await next_json(conn, "status")
        assert status["data"]["sid"] == "back"


async def test_restart_can_keep_history_of_a_server_that_was_only_unreachable(
    fake_comfy_factory: FakeFactory,
) -> None:
    server = await fake_comfy_factory(step_delay=0.0)
    async with aiohttp.ClientSession() as session:
        answer = await post_prompt(session, server, slow_prompt(steps=1))
        await server.wait_idle()
        await server.restart(keep_history=True)
        async with session.get(f"{server.url}/history/{answer['prompt_id']}") as resp:
            body = await resp.json()
    assert body[answer["prompt_id"]]["status"]["status_str"] == "success"


async def test_kill_during_a_prompt_loses_it_and_restart_comes_back_idle(
    fake_comfy_factory: FakeFactory,
) -> None:
    server = await fake_comfy_factory(step_delay=0.05)
    async with aiohttp.ClientSession() as session:
        answer = await post_prompt(session, server, slow_prompt(steps=50))
        await post_prompt(session, server, slow_prompt(steps=50, color=8))
        await asyncio.sleep(0.1)
        await server.kill()
        await server.restart()
        async with session.get(f"{server.url}/prompt") as resp:
            assert await resp.json() == {"exec_info": {"queue_remaining": 0}}
        async with session.get(f"{server.url}/history/{answer['prompt_id']}") as resp:
            assert await resp.json() == {}


async def test_stop_closes_sockets_with_a_handshake(fake_comfy_factory: FakeFactory) -> None:
    server = await fake_comfy_factory()
    async with websockets.connect(f"{server.ws_url}?clientId=s1") as conn:
        await next_json(conn, "status")
        await server.stop()
        with pytest.raises(websockets.ConnectionClosedOK):
            async with asyncio.timeout(2):
                await conn.recv()
        assert conn.close_code == 1001


async def test_hang_paths_accept_and_never_answer_until_stopped(
    fake_comfy_factory: FakeFactory,
) -> None:
    server = await fake_comfy_factory(hang_paths={"/queue"})
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await session.get(f"{server.url}/api/queue")
        async with session.get(f"{server.url}/system_stats") as resp:
            assert resp.status == 200
        pending = asyncio.ensure_future(session.get(f"{server.url}/queue"))
        await asyncio.sleep(0.1)
        assert not pending.done()
        started = time.monotonic()
        await server.stop()
        with pytest.raises(aiohttp.ClientError):
            async with asyncio.timeout(2):
                await pending
        assert time.monotonic() - started < 1.5


async def test_hang_on_the_websocket_route(fake_comfy_factory: FakeFactory) -> None:
    server = await fake_comfy_factory(hang_paths={"/ws"})
    with pytest.raises(TimeoutError):
        async with websockets.connect(server.ws_url, open_timeout=0.3):
            pass


async def test_http_500_paths(fake_comfy_factory: FakeFactory) -> None:
    server = await fake_comfy_factory(http_500_paths={"/prompt", "POST /history"})
    async with aiohttp.ClientSession() as session:
        for url in (f"{server.url}/prompt", f"{server.url}/api/prompt"):
            async with session.get(url) as resp:
                assert resp.status == 500
                assert resp.content_type == "text/plain"
                assert (await resp.text()).startswith("500 Internal Server Error")
        async with session.post(f"{server.url}/prompt", json={"prompt": {}}) as resp:
            assert resp.status == 500
        async with session.get(f"{server.url}/history") as resp:
            assert resp.status == 200
        async with session.post(f"{server.url}/history", json={"clear": True}) as resp:
            assert resp.status == 500
        # Faults can be switched while the server runs.
        server.config.http_500_paths.clear()
        async with session.get(f"{server.url}/prompt") as resp:
            assert resp.status == 200


async def test_drop_ws_after_messages_closes_the_socket_mid_job(
    fake_comfy_factory: FakeFactory,
) -> None:
    server = await fake_comfy_factory(step_delay=0.01, drop_ws_after_messages=6)
    received: list[Any] = []
    async with (
        aiohttp.ClientSession() as session,
        websockets.connect(f"{server.ws_url}?clientId=d1") as conn,
    ):
        answer = await post_prompt(session, server, slow_prompt(steps=5), client_id="d1")
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(3):
                while True:
                    received.append(await conn.recv())
    assert len(received) == 6
    types = [json.loads(m)["type"] for m in received if isinstance(m, str)]
    assert "execution_start" in types
    assert "execution_success" not in types  # dropped mid-job
    await server.wait_disconnected("d1")
    await server.wait_idle()  # the job itself carries on without the socket
    assert server.history[answer["prompt_id"]]["status"]["status_str"] == "success"


async def test_latency_delays_every_http_answer(fake_comfy_factory: FakeFactory) -> None:
    server = await fake_comfy_factory(latency=0.2)
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.get(f"{server.url}/system_stats") as resp:
            assert resp.status == 200
        # Qt's timers (the session loop is qasync) may fire up to 5 % early.
        assert time.monotonic() - started >= 0.2 * 0.95


async def test_die_after_seconds(fake_comfy_factory: FakeFactory) -> None:
    server = await fake_comfy_factory(die_after_seconds=0.2)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/queue") as resp:
            assert resp.status == 200
        await asyncio.sleep(0.5)
        assert not server.is_running
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"{server.url}/queue")
        await server.restart()  # the crash happens once; the restarted server stays up
        await asyncio.sleep(0.4)
        async with session.get(f"{server.url}/queue") as resp:
            assert resp.status == 200


async def test_die_on_prompt_crashes_when_that_prompt_starts(
    fake_comfy_factory: FakeFactory,
) -> None:
    server = await fake_comfy_factory(step_delay=0.0, die_on_prompt=2)
    async with (
        aiohttp.ClientSession() as session,
        websockets.connect(f"{server.ws_url}?clientId=p1") as conn,
    ):
        await post_prompt(session, server, slow_prompt(steps=1), client_id="p1")
        await server.wait_idle()
        await post_prompt(session, server, slow_prompt(steps=1, color=9), client_id="p1")
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(2):
                while True:
                    await conn.recv()
    assert not server.is_running
    assert [r.status for r in server.executed_prompts] == ["success", "running"]


async def test_instances_are_independent(fake_comfy_factory: FakeFactory) -> None:
    first = await fake_comfy_factory(step_delay=0.0)
    second = await fake_comfy_factory(step_delay=0.0)
    assert first.port != second.port
    async with aiohttp.ClientSession() as session:
        answer = await post_prompt(session, first, slow_prompt(steps=1))
        await first.wait_idle()
        async with session.get(f"{second.url}/history") as resp:
            assert await resp.json() == {}
        async with session.get(f"{first.url}/history") as resp:
            assert answer["prompt_id"] in await resp.json()
        await first.kill()
        async with session.get(f"{second.url}/queue") as resp:
            assert resp.status == 200


async def test_closing_a_replaced_socket_detaches_its_replacement(
    fake_comfy_factory: FakeFactory,
) -> None:
    """Real ComfyUI quirk, kept on purpose: clients must close the old socket first."""
    server = await fake_comfy_factory()
    old = await websockets.connect(f"{server.ws_url}?clientId=same")
    async with websockets.connect(f"{server.ws_url}?clientId=same") as new:
        await next_json(new, "status")
        assert server.connected_clients == ["same"]
        await old.close()
        await server.wait_disconnected("same")
        assert server.connected_clients == []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.1):
                await new.recv()
