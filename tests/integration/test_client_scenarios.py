"""ComfyClient against the fake ComfyUI server: every recorded scenario type, end to end."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from directors_console.core.comfy import messages as m
from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.errors import HttpError, ValidationFailed
from directors_console.core.comfy.outputs import MediaType, detect_media_type
from directors_console.core.comfy.pngmeta import read_image_metadata, write_shot_metadata
from directors_console.core.comfy.shotmeta import ShotMetadata
from directors_console.core.comfy.tracker import OutcomeStatus
from directors_console.core.comfy.websocket import ListenerOptions
from tests.conftest import FIXTURES, require_fixture
from tests.fakes import FakeComfyConfig, FakeComfyServer
from tests.fakes.prompts import slow_prompt

# --- prompts -----------------------------------------------------------------------------


def still(color: int = 0, prefix: str = "dc/shot", batch: int = 1) -> dict[str, Any]:
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 64, "height": 64, "batch_size": batch, "color": color},
        },
        "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": prefix}},
    }


def slow(steps: int, color: int = 1) -> dict[str, Any]:
    return slow_prompt(steps, color, prefix="dc/slow", seconds_per_step=0.3)


def failing() -> dict[str, Any]:
    prompt = still(5, "dc/fail")
    prompt["2"] = {"class_type": "FailAlways", "inputs": {"image": ["1", 0]}}
    return prompt


def load(name: str) -> Any:
    return json.loads(require_fixture(FIXTURES / name).read_text(encoding="utf-8"))


@contextlib.asynccontextmanager
async def serving(config: FakeComfyConfig | None = None) -> AsyncIterator[FakeComfyServer]:
    """A started fake server (like conftest's ``fake_comfy_factory``, usable mid-test)."""
    require_fixture(FIXTURES / "object_info_core.json")  # the fake answers from recordings
    server = FakeComfyServer(config)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@contextlib.asynccontextmanager
async def connected(server: FakeComfyServer, **kw: Any) -> AsyncIterator[ComfyClient]:
    async with ComfyClient(server.url, **kw) as client:
        if client.listener is not None:
            await client.connect(5)
        yield client


async def until(predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.01) -> None:
    """Poll a condition of the fake server (which has no event for everything)."""
    for _ in range(int(timeout / step)):
        if predicate():
            return
        await asyncio.sleep(step)
    raise TimeoutError(f"condition not met in {timeout}s")


class Collector:
    def __init__(self) -> None:
        self.events: list[m.Event] = []

    def __call__(self, event: m.Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events]


# --- scenarios ---------------------------------------------------------------------------


async def test_success_history_view_and_metadata(tmp_path: Path) -> None:
    async with serving() as server, connected(server) as client:
        seen = Collector()
        workflow = {"last_node_id": 3, "nodes": []}
        result, outcome = await client.run(
            still(batch=2),
            timeout=10,
            on_event=seen,
            extra_data={"extra_pnginfo": {"workflow": workflow}},
        )
        assert outcome.ok and outcome.source == "history"
        assert [f.filename for f in outcome.outputs] == ["shot_00001_.png", "shot_00002_.png"]
        assert seen.kinds()[:2] == ["ExecutionStart", "ExecutionCached"]
        assert seen.of(m.Executed) and seen.of(m.ExecutionSuccess)
        history = await client.history(result.prompt_id)
        assert history[result.prompt_id].outputs_to_execute == ("3",)
        assert result.prompt_id in await client.history(max_items=5)

        dest = tmp_path / "panel_v1.png"
        size = await client.download_output(outcome.outputs[0], dest)
        assert size == dest.stat().st_size and detect_media_type(dest.name, dest.read_bytes())
        meta = read_image_metadata(dest)
        assert meta.prompt is not None and meta.prompt["3"]["class_type"] == "SaveImage"
        assert meta.workflow == workflow
        shot = ShotMetadata(project="p", panel="1", version=1, prompt_id=result.prompt_id)
        write_shot_metadata(dest, shot)
        assert read_image_metadata(dest).shot == shot
        with pytest.raises(HttpError) as missing:
            await client.download("nope.png", tmp_path / "nope.png")
        assert missing.value.status == 404 and not (tmp_path / "nope.png").exists()


async def test_cached_rerun_reports_cached_nodes() -> None:
    async with serving() as server, connected(server) as client:
        first = await client.submit(still(7))
        assert (await client.wait_for_completion(first.prompt_id, timeout=10)).ok
        seen = Collector()
        _, outcome = await client.run(still(7), timeout=10, on_event=seen)
        assert outcome.ok
        (cached,) = seen.of(m.ExecutionCached)
        assert set(cached.nodes) == {"1", "2", "3"}
        assert [f.filename for f in outcome.outputs] == ["shot_00001_.png"]  # old files


@pytest.mark.parametrize("metadata", [True, False])
async def test_progress_and_previews(metadata: bool) -> None:
    options = ListenerOptions(preview_metadata=metadata)
    async with serving() as server, connected(server, listener_options=options) as client:
        seen = Collector()
        result, outcome = await client.run(slow(5), timeout=10, on_event=seen)
        assert outcome.ok
        progress = seen.of(m.Progress)
        assert [p.value for p in progress] == [1, 2, 3, 4, 5] and progress[0].max == 5
        previews = seen.of(m.PreviewImage)
        assert len(previews) == 5
        assert all(p.prompt_id == result.prompt_id and p.node_id == "2" for p in previews)
        assert {p.event_type for p in previews} == {4 if metadata else 1}
        with Image.open(io.BytesIO(previews[0].image)) as img:
            assert img.format == "JPEG"


async def test_interrupt_global_wrong_id_and_right_id() -> None:
    config = FakeComfyConfig(step_delay=0.05)
    async with serving(config) as server, connected(server) as client:
        result = await client.submit(slow(200))
        waiter = asyncio.create_task(client.wait_for_completion(result.prompt_id, timeout=20))
        await server.wait_connected(client.client_id)
        await until(lambda: server.running_prompt_id == result.prompt_id)
        await client.interrupt("some-other-prompt")  # silently ignored
        await asyncio.sleep(0.2)
        assert not waiter.done()
        await client.interrupt(result.prompt_id)
        outcome = await waiter
        assert outcome.status is OutcomeStatus.INTERRUPTED
        assert outcome.interrupted is not None and outcome.interrupted.node_type == "SlowCounter"
        assert outcome.outputs == ()
        # Global interrupt (no id) stops whatever runs.
        second = await client.submit(slow(200, color=2))
        waiter = asyncio.create_task(client.wait_for_completion(second.prompt_id, timeout=20))
        await until(lambda: server.running_prompt_id == second.prompt_id)
        await client.interrupt()
        assert (await waiter).status is OutcomeStatus.INTERRUPTED


async def test_execution_error() -> None:
    async with serving() as server, connected(server) as client:
        seen = Collector()
        _, outcome = await client.run(failing(), timeout=10, on_event=seen)
        assert outcome.status is OutcomeStatus.ERROR and outcome.error is not None
        assert outcome.error.node_type == "FailAlways"
        assert outcome.error.exception_type == "RuntimeError"
        assert "boom from FailAlways" in outcome.describe()
        assert seen.of(m.ExecutionError)


async def test_validation_errors_and_partial_acceptance() -> None:
    cases = load("validation_errors.json")
    async with serving() as server, connected(server) as client:
        for name in ("missing_required_input", "bad_value_string_for_int", "unknown_class_type"):
            with pytest.raises(ValidationFailed) as info:
                await client.submit(cases[name]["request"]["prompt"])
            assert info.value.error_type == cases[name]["response"]["error"]["type"], name
        with pytest.raises(ValidationFailed) as low:
            await client.submit(cases["value_below_min"]["request"]["prompt"])
        (err,) = low.value.node_errors
        assert (err.node_id, err.type, err.input_name, err.received_value) == (
            "1",
            "value_smaller_than_min",
            "width",
            0,
        )
        partial = cases["bad_combo_value_one_of_two_outputs"]["request"]["prompt"]
        result = await client.submit(partial)
        assert result.partial and result.node_errors[0].class_type == "LoadImage"
        assert (await client.wait_for_completion(result.prompt_id, timeout=10)).ok


async def test_client_chosen_prompt_id_and_reuse() -> None:
    async with serving() as server, connected(server) as client:
        result = await client.submit(still(11), prompt_id="shot-0042-v1")
        assert result.prompt_id == "shot-0042-v1"
        assert (await client.wait_for_completion("shot-0042-v1", timeout=10)).ok
        rerun = await client.submit(still(12), prompt_id="shot-0042-v1")
        outcome = await client.wait_for_completion("shot-0042-v1", timeout=10, number=rerun.number)
        assert outcome.ok and outcome.entry is not None
        assert outcome.entry.number == rerun.number != result.number


async def test_queue_operations_and_front() -> None:
    async with serving() as server, connected(server) as client:
        server.pause_queue()
        a = await client.submit(still(21))
        b = await client.submit(still(22))
        c = await client.submit(still(23))
        d = await client.submit(still(24), front=True)
        queue = await client.queue()
        assert [i.prompt_id for i in queue.pending] == [
            d.prompt_id,
            a.prompt_id,
            b.prompt_id,
            c.prompt_id,
        ]
        assert queue.pending[0].number < 0 and queue.pending[1].client_id == client.client_id
        assert await client.queue_remaining() == 4
        await client.delete_pending([b.prompt_id])
        assert b.prompt_id not in await client.queue()
        lost = await client.wait_for_completion(b.prompt_id, timeout=5)
        assert lost.status is OutcomeStatus.LOST
        await client.clear_queue()
        assert (await client.queue()).size == 0
        server.resume_queue()


async def test_events_are_routed_by_client_id() -> None:
    async with (
        serving() as server,
        connected(server, client_id="alpha") as alpha,
        connected(server, client_id="beta") as beta,
    ):
        a_events, b_events = Collector(), Collector()
        (ra, oa), (rb, ob) = await asyncio.gather(
            alpha.run(slow(3, color=31), timeout=10, on_event=a_events),
            beta.run(slow(3, color=32), timeout=10, on_event=b_events),
        )
        assert oa.ok and ob.ok
        assert {m.prompt_id_of(e) for e in a_events.of(m.ExecutionStart)} == {ra.prompt_id}
        assert {m.prompt_id_of(e) for e in b_events.of(m.ExecutionStart)} == {rb.prompt_id}
        with alpha.subscribe() as sub:
            await beta.submit(still(33))
            await server.wait_idle()
            await asyncio.sleep(0.1)
            foreign = []
            while sub.pending():
                foreign.append(await sub.get())
        assert not any(isinstance(e, m.ExecutionStart) for e in foreign)
        assert any(isinstance(e, m.Status) for e in foreign)  # status is broadcast


async def test_upload_dedupe_and_load_image() -> None:
    png = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(png, "PNG")
    async with serving() as server, connected(server) as client:
        first = await client.upload_image(png.getvalue(), subfolder="dc")
        second = await client.upload_image(png.getvalue(), subfolder="dc")
        assert first == second and len(server.uploads) == 1
        assert (server.dirs.input / "dc" / first.name).read_bytes() == png.getvalue()
        prompt = {
            "1": {"class_type": "LoadImage", "inputs": {"image": first.reference}},
            "2": {
                "class_type": "SaveImage",
                "inputs": {"images": ["1", 0], "filename_prefix": "dc/up"},
            },
        }
        result = await client.submit(prompt)
        assert (await client.wait_for_completion(result.prompt_id, timeout=10)).ok
        data = await client.view_bytes(first.name, subfolder="dc", type="input")
        assert data == png.getvalue()


async def test_save_image_websocket_images() -> None:
    prompt = {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 64, "height": 48, "batch_size": 2, "color": 1018},
        },
        "2": {"class_type": "SaveImageWebsocket", "inputs": {"images": ["1", 0]}},
    }
    async with serving() as server, connected(server) as client:
        _, outcome = await client.run(prompt, timeout=10)
        assert outcome.ok and outcome.outputs == ()
        assert len(outcome.websocket_images) == 2
        with Image.open(io.BytesIO(outcome.websocket_images[0].image)) as img:
            assert img.size == (64, 48)


@pytest.mark.parametrize(
    ("workflow", "media"),
    [
        ("SaveAnimatedWEBP", MediaType.WEBP_ANIMATED),
        ("SaveAnimatedPNG", MediaType.APNG),
        ("CreateVideo+SaveVideo", MediaType.MP4),
        ("SaveWEBM", MediaType.WEBM),
    ],
)
async def test_animated_and_video_outputs(tmp_path: Path, workflow: str, media: MediaType) -> None:
    (entry,) = load("history_video.json")[workflow].values()
    async with serving() as server, connected(server) as client:
        result = await client.submit(entry["prompt"][2])
        outcome = await client.wait_for_completion(result.prompt_id, timeout=20)
        assert outcome.ok
        (out,) = outcome.outputs
        assert out.animated and out.media is media
        dest = tmp_path / out.filename
        await client.download_output(out, dest)
        head = dest.read_bytes()[:4096]
        assert detect_media_type(out.filename, head, animated=True) is media


async def test_history_ops_free_and_server_facts() -> None:
    async with serving() as server, connected(server) as client:
        result = await client.submit(still(41))
        await client.wait_for_completion(result.prompt_id, timeout=10)
        await client.delete_history([result.prompt_id])
        assert await client.history_entry(result.prompt_id) is None
        other = await client.submit(still(42))
        await client.wait_for_completion(other.prompt_id, timeout=10)
        await client.clear_history()
        assert await client.history() == {}
        await client.free(unload_models=True, free_memory=True)
        assert server.free_requests[-1] == {"unload_models": True, "free_memory": True}
        stats = await client.system_stats()
        assert stats.comfyui_version and stats.devices
        assert (await client.features()).supports_preview_metadata
        assert "KSampler" in await client.object_info()
        assert await client.object_info_for("NoSuchNode") is None
        assert "checkpoints" in await client.model_folders()
        assert isinstance(await client.models("checkpoints"), list)
