"""Prompt execution of the fake ComfyUI server: order, cache, and the WebSocket story.

One queue item runs like on a real ComfyUI 0.3.64 (see ws_trace.jsonl): ``execution_start``,
``execution_cached``, then per node ``progress_state`` (running) -> ``executing`` -> per-step
``progress_state``/``progress``/preview -> ``executed`` (output nodes) -> ``progress_state``
(finished), and finally ``execution_success``, ``execution_error`` or
``execution_interrupted``. Node outputs are cached by input signature and the cache keeps only
what the latest prompt still uses, so an identical re-post executes nothing and re-sends
``executed`` with the old filenames. Events for a prompt without ``client_id`` are not sent,
except ``progress_state``/``progress``/previews, which are broadcast.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from PIL import Image

from tests.fakes import comfy_media
from tests.fakes.comfy_nodes import (
    Dirs,
    Interrupted,
    NodeContext,
    NodeResult,
    behaviour,
    change_marker,
)


@dataclass
class PreviewFrame:
    data: bytes
    fmt: str  # "JPEG" or "PNG"
    metadata: dict[str, Any]


class Outbox(Protocol):
    def send_json(self, event: str, data: dict[str, Any], sid: str | None) -> None: ...

    def send_progress(
        self, progress: dict[str, Any], frame: PreviewFrame | None, sid: str | None
    ) -> None: ...


@dataclass
class RunSettings:
    step_delay: float
    node_delay: float
    steps_override: int | None
    default_steps: int
    sampler_previews: bool
    preview_size: int


@dataclass
class ExecutionRecord:
    """One prompt the fake took from its queue and ran (or tried to)."""

    prompt_id: str
    number: float
    prompt: dict[str, Any]
    extra_data: dict[str, Any]
    outputs_to_execute: list[str]
    status: str = "running"  # then "success", "error" or "interrupted"
    executed_nodes: list[str] = field(default_factory=list)
    cached_nodes: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None


def now_ms() -> int:
    return int(time.time() * 1000)


def is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)


def execution_order(prompt: dict[str, Any], outputs: list[str]) -> list[str]:
    """Dependencies first, each output right after its inputs (as the real UX ordering)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(node_id: str) -> None:
        if node_id in seen or node_id not in prompt:
            return
        seen.add(node_id)
        for value in prompt[node_id].get("inputs", {}).values():
            if is_link(value):
                visit(value[0])
        order.append(node_id)

    for output in outputs:
        visit(output)
    return order


def _describe(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], Image.Image):
        width, height = value[0].size
        return f"tensor(shape=[{len(value)}, {height}, {width}, 3])"
    return repr(value)[:2000]


class _ProgressState:
    """The ``progress_state`` registry of one prompt run."""

    def __init__(self, prompt_id: str, outbox: Outbox, sid: str | None) -> None:
        self.prompt_id = prompt_id
        self.outbox = outbox
        self.sid = sid
        self.nodes: dict[str, dict[str, Any]] = {}

    def _set(self, node_id: str, value: float, maximum: float, state: str) -> None:
        self.nodes[node_id] = {
            "value": value,
            "max": maximum,
            "state": state,
            "node_id": node_id,
            "prompt_id": self.prompt_id,
            "display_node_id": node_id,
            "parent_node_id": None,
            "real_node_id": node_id,
        }
        self.outbox.send_json(
            "progress_state", {"prompt_id": self.prompt_id, "nodes": self.nodes}, self.sid
        )

    def start(self, node_id: str) -> None:
        self._set(node_id, 0.0, 1.0, "running")

    def update(self, node_id: str, value: int, maximum: int) -> None:
        self._set(node_id, value, maximum, "running")

    def finish(self, node_id: str) -> None:
        maximum = self.nodes.get(node_id, {}).get("max", 1.0)
        self._set(node_id, maximum, maximum, "finished")

    def finish_cached(self, node_id: str) -> None:
        self._set(node_id, 1, 1, "finished")


class Executor:
    """Runs queue items one at a time; owns the output cache and the interrupt flag."""

    def __init__(
        self,
        outbox: Outbox,
        object_info: Callable[[], dict[str, Any]],
        dirs: Dirs,
        settings: Callable[[], RunSettings],
    ) -> None:
        self.outbox = outbox
        self.object_info = object_info
        self.dirs = dirs
        self.settings = settings
        self.cache: dict[str, NodeResult] = {}
        self.running_prompt_id: str | None = None
        self.running_client: str | None = None
        self.current_node: str | None = None
        self._interrupt = asyncio.Event()

    def interrupt(self) -> None:
        self._interrupt.set()

    def reset_cache(self) -> None:
        self.cache.clear()

    def _signatures(self, prompt: dict[str, Any]) -> dict[str, str]:
        memo: dict[str, str] = {}

        def sign(node_id: str, stack: frozenset[str]) -> str:
            if node_id in memo:
                return memo[node_id]
            node = prompt[node_id]
            inputs = node.get("inputs", {})
            parts: list[Any] = []
            for name in sorted(inputs):
                value = inputs[name]
                if is_link(value) and value[0] in prompt and value[0] not in stack:
                    parts.append([name, sign(value[0], stack | {node_id}), value[1]])
                else:
                    parts.append([name, value])
            marker = change_marker(node["class_type"], inputs, self.dirs)
            memo[node_id] = json.dumps([node["class_type"], marker, parts], default=repr)
            return memo[node_id]

        return {node_id: sign(node_id, frozenset()) for node_id in prompt}

    async def _sleep(self, seconds: float) -> None:
        if self._interrupt.is_set():
            raise Interrupted
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self._interrupt.wait(), timeout=seconds)
        except TimeoutError:
            return
        raise Interrupted

    async def run(self, item: list[Any], record: ExecutionRecord) -> dict[str, Any]:
        """Execute one queue item; returns its history entry."""
        _number, prompt_id, prompt, extra_data, outputs = item
        sid = extra_data.get("client_id")
        self._interrupt = asyncio.Event()
        self.running_prompt_id, self.running_client = prompt_id, sid
        messages: list[list[Any]] = []

        def add_message(event: str, data: dict[str, Any]) -> None:
            messages.append([event, data])
            if sid is not None:
                self.outbox.send_json(event, data, sid)

        add_message("execution_start", {"prompt_id": prompt_id, "timestamp": now_ms()})
        signatures = self._signatures(prompt)
        live = set(signatures.values())
        self.cache = {key: value for key, value in self.cache.items() if key in live}
        cached = [node_id for node_id in prompt if signatures[node_id] in self.cache]
        record.cached_nodes = cached
        add_message(
            "execution_cached", {"nodes": cached, "prompt_id": prompt_id, "timestamp": now_ms()}
        )
        progress = _ProgressState(prompt_id, self.outbox, sid)
        results: dict[str, NodeResult] = {}
        ui_outputs: dict[str, Any] = {}
        meta: dict[str, Any] = {}
        node_id = ""
        status = "success"
        try:
            for node_id in execution_order(prompt, outputs):
                signature = signatures[node_id]
                result = self.cache.get(signature)
                if result is None:
                    if self._interrupt.is_set():
                        raise Interrupted
                    result = await self._execute(node_id, prompt, extra_data, results, progress)
                    self.cache[signature] = result
                results[node_id] = result
                record.executed_nodes.append(node_id)
                if result.ui is not None:
                    ui_outputs[node_id] = result.ui
                    meta[node_id] = {
                        "node_id": node_id,
                        "display_node": node_id,
                        "parent_node": None,
                        "real_node_id": node_id,
                    }
                    if sid is not None:
                        executed = {
                            "node": node_id,
                            "display_node": node_id,
                            "output": result.ui,
                            "prompt_id": prompt_id,
                        }
                        self.outbox.send_json("executed", executed, sid)
                if node_id not in cached:
                    progress.finish(node_id)
                elif result.ui is not None:
                    progress.finish_cached(node_id)
        except Interrupted:
            status = "interrupted"
            add_message(
                "execution_interrupted",
                {
                    "prompt_id": prompt_id,
                    "node_id": node_id,
                    "node_type": prompt[node_id]["class_type"],
                    "executed": list(record.executed_nodes),
                    "timestamp": now_ms(),
                },
            )
        except Exception as exc:
            status = "error"
            error = {
                "prompt_id": prompt_id,
                "node_id": node_id,
                "node_type": prompt[node_id]["class_type"],
                "executed": list(record.executed_nodes),
                "exception_message": f"{exc}\n",
                "exception_type": type(exc).__name__,
                "traceback": traceback.format_tb(exc.__traceback__),
                "current_inputs": {
                    name: [_describe(value)]
                    for name, value in self._inputs(prompt[node_id], results).items()
                },
                "current_outputs": list(prompt),
                "timestamp": now_ms(),
            }
            record.error = error
            add_message("execution_error", error)
        else:
            add_message("execution_success", {"prompt_id": prompt_id, "timestamp": now_ms()})
        finally:
            self.current_node = None
            self.running_prompt_id = None
        record.status = status
        record.outputs = ui_outputs
        return {
            "prompt": item,
            "outputs": ui_outputs,
            "status": {
                "status_str": "success" if status == "success" else "error",
                "completed": status == "success",
                "messages": messages,
            },
            "meta": meta,
        }

    @staticmethod
    def _inputs(node: dict[str, Any], results: dict[str, NodeResult]) -> dict[str, Any]:
        resolved = {}
        for name, value in node.get("inputs", {}).items():
            if is_link(value) and value[0] in results:
                outputs = results[value[0]].outputs
                resolved[name] = outputs[value[1]] if value[1] < len(outputs) else None
            else:
                resolved[name] = value
        return resolved

    async def _execute(
        self,
        node_id: str,
        prompt: dict[str, Any],
        extra_data: dict[str, Any],
        results: dict[str, NodeResult],
        progress: _ProgressState,
    ) -> NodeResult:
        node = prompt[node_id]
        class_type = node["class_type"]
        prompt_id = self.running_prompt_id or ""
        sid = self.running_client
        settings = self.settings()
        progress.start(node_id)
        self.current_node = node_id
        if sid is not None:
            executing = {"node": node_id, "display_node": node_id, "prompt_id": prompt_id}
            self.outbox.send_json("executing", executing, sid)
        await self._sleep(settings.node_delay)
        encoded: dict[tuple[int, str], bytes] = {}

        async def report(value: int, total: int, image: Image.Image | None, fmt: str) -> None:
            progress.update(node_id, value, total)
            frame = None
            if image is not None:
                key = (id(image), fmt)
                if key not in encoded:
                    size = settings.preview_size if fmt == "JPEG" else None
                    encoded[key] = await asyncio.to_thread(
                        comfy_media.encode_image, image, fmt, size
                    )
                metadata = {
                    "node_id": node_id,
                    "prompt_id": prompt_id,
                    "display_node_id": node_id,
                    "parent_node_id": None,
                    "real_node_id": node_id,
                    "image_type": "image/jpeg" if fmt == "JPEG" else "image/png",
                }
                frame = PreviewFrame(encoded[key], fmt, metadata)
            data = {"value": value, "max": total, "prompt_id": prompt_id, "node": node_id}
            self.outbox.send_progress(data, frame, sid)

        ctx = NodeContext(
            node_id=node_id,
            class_type=class_type,
            info=self.object_info().get(class_type, {}),
            inputs=self._inputs(node, results),
            prompt=prompt,
            extra_data=extra_data,
            dirs=self.dirs,
            step_delay=settings.step_delay,
            steps_override=settings.steps_override,
            default_steps=settings.default_steps,
            sampler_previews=settings.sampler_previews,
            progress=report,
            sleep=self._sleep,
        )
        return await behaviour(class_type)(ctx)
