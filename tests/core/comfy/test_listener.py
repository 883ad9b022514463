"""EventListener without a network: frame classification, fan-out, connection events."""

from __future__ import annotations

import asyncio

from directors_console.core.comfy import messages as m
from directors_console.core.comfy.websocket import EventListener, ListenerOptions, Subscription
from tests.core.comfy.replay import frames, posted_prompts, prompt_ids


def classify_all(listener: EventListener, raw: list[str | bytes]) -> list[m.Event]:
    parse = {str: m.parse_text, bytes: m.parse_binary}
    return [listener._classify(parse[type(f)](f)) for f in raw]  # type: ignore[operator]


def test_legacy_previews_get_ids_from_the_progress_before_them() -> None:
    listener = EventListener("ws://x/ws", "c")
    events = classify_all(listener, frames("04_progress_preview", "A"))
    previews = [e for e in events if isinstance(e, m.PreviewImage)]
    (pid,) = prompt_ids("04_progress_preview")
    assert len(previews) == 8
    assert all(p.prompt_id == pid and p.node_id == "2" and p.format == "jpeg" for p in previews)


def test_metadata_previews_keep_their_own_ids() -> None:
    listener = EventListener("ws://x/ws", "c")
    events = classify_all(listener, frames("04b_progress_preview_feature_flags", "A"))
    previews = [e for e in events if isinstance(e, m.PreviewImage)]
    (pid,) = prompt_ids("04b_progress_preview_feature_flags")
    assert len(previews) == 5 and all(p.event_type == 4 and p.prompt_id == pid for p in previews)


def test_save_image_websocket_frames_become_websocket_images() -> None:
    for scenario in ("14_save_image_websocket", "14b_save_image_websocket_feature_flags"):
        listener = EventListener("ws://x/ws", "c")
        (pid,) = prompt_ids(scenario)
        listener.watch_prompt(pid, posted_prompts(scenario)[0]["prompt"])
        events = classify_all(listener, frames(scenario, "A"))
        images = [e for e in events if isinstance(e, m.WebsocketImage)]
        assert len(images) == 2, scenario
        assert all(i.prompt_id == pid and i.node_id == "2" and i.format == "png" for i in images)
        assert not any(isinstance(e, m.PreviewImage) for e in events)
        assert pid not in listener._ws_nodes  # forgotten once the prompt finished
        # Without knowing the prompt, the same frames are previews.
        unaware = EventListener("ws://x/ws", "c")
        events = classify_all(unaware, frames(scenario, "A"))
        assert sum(isinstance(e, m.PreviewImage) for e in events) == 2


def test_reconnect_midrun_frames_keep_the_node_context() -> None:
    listener = EventListener("ws://x/ws", "c")
    events = classify_all(listener, frames("17_reconnect_midrun", "A_reconnected"))
    assert events[1] == m.Executing("2")  # no prompt_id after a reconnect
    (pid,) = prompt_ids("17_reconnect_midrun")
    previews = [e for e in events if isinstance(e, m.PreviewImage)]
    assert len(previews) == 6 and all(p.node_id == "2" and p.prompt_id == pid for p in previews)


def test_status_tracks_queue_length() -> None:
    listener = EventListener("ws://x/ws", "c")
    classify_all(listener, frames("02_success", "A")[:3])
    assert listener.queue_remaining == 1


def test_connection_events_sequence() -> None:
    listener = EventListener("ws://x/ws", "c")
    sub = listener.subscribe()
    listener._went_down("refused")
    listener._went_down("refused again")  # not repeated while down
    listener._came_up()
    listener._went_down("server gone")
    listener._came_up()
    got = []
    while sub.pending():
        got.append(sub._queue.get_nowait())
    assert [type(e) for e in got] == [
        m.Disconnected,
        m.Connected,
        m.Disconnected,
        m.Reconnected,
    ]
    assert got[0].reason == "refused" and got[1].sid == "c"  # type: ignore[union-attr]
    assert listener.connected
    sub.close()


def test_backoff_is_capped() -> None:
    listener = EventListener("ws://x/ws", "c", options=ListenerOptions(backoff_max=2.0))
    delays = [listener._backoff(n) for n in range(40)]
    assert 0 < delays[0] <= 0.25 and max(delays) <= 2.0
    assert delays[-1] >= 1.6


async def test_subscriptions_fan_out_drop_previews_and_close() -> None:
    listener = EventListener("ws://x/ws", "c", options=ListenerOptions(max_backlog=3))
    slow, fast = listener.subscribe(), listener.subscribe()
    for n in range(5):
        listener.publish(m.Progress(n, 5, "2", "p"))
    listener.publish(m.ExecutionSuccess("p"))
    assert slow.dropped == 2 and slow.pending() == 4  # success is never dropped
    got = [await fast.get() for _ in range(4)]
    assert got[-1] == m.ExecutionSuccess("p")
    fast.close()
    listener.publish(m.Status(0))
    assert fast.pending() == 1  # only the close marker
    with Subscription(listener) as temp:
        assert not temp.closed
    assert temp.closed

    async def drain(sub: Subscription) -> list[m.Event]:
        return [e async for e in sub]

    task = asyncio.create_task(drain(slow))
    await asyncio.sleep(0)
    await listener.aclose()
    assert len(await task) == 5
    assert not listener.running
