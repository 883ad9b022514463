"""Builds the farm for a run of the program: queue, engine, and which nodes it uses.

- The job queue lives in the user data folder (``jobs.sqlite``).
- Only one process runs the farm at a time (``farm.lock``, an flock held for the
  process's life); a second one is told who holds it.
- First start: a ComfyUI answering at ``COMFYUI_URL`` or 127.0.0.1:8188 is added.
- ``--server-url URL`` adds a node for this run only.
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from directors_console.app.paths import AppPaths
from directors_console.core.farm.engine import FarmEngine, FarmOptions
from directors_console.core.farm.queue import JobQueue
from directors_console.core.settings import RenderNodeConfig, Settings, SettingsStore
from directors_console.core.storage import StorageError

log = logging.getLogger(__name__)

DEFAULT_LOCAL_URL = "http://127.0.0.1:8188"


class FarmBusy(RuntimeError):
    """Another process of ours runs the farm."""


@dataclass
class Farm:
    queue: JobQueue
    engine: FarmEngine
    lock: IO[str]
    session_nodes: list[RenderNodeConfig]

    def nodes(self, settings: Settings) -> list[RenderNodeConfig]:
        saved = list(settings.render_nodes)
        names = {n.name for n in saved}
        return saved + [n for n in self.session_nodes if n.name not in names]

    def apply_settings(self, settings: Settings) -> None:
        self.engine.set_nodes(self.nodes(settings))

    async def aclose(self) -> None:
        await self.engine.stop()
        self.queue.close()
        self.lock.close()


def _take_lock(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise FarmBusy(f"the render farm is already run by {holder}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"Director's Console (process {os.getpid()})")
    handle.flush()
    return handle


def session_nodes(urls: list[str]) -> list[RenderNodeConfig]:
    return [RenderNodeConfig(name=f"server-{i}", url=url) for i, url in enumerate(urls, start=1)]


def open_farm(paths: AppPaths, settings: Settings, server_urls: list[str] | None = None) -> Farm:
    lock = _take_lock(paths.data_dir / "farm.lock")
    try:
        queue = JobQueue(paths.data_dir / "jobs.sqlite")
    except Exception:
        lock.close()
        raise
    cfg = settings.farm
    engine = FarmEngine(
        queue,
        FarmOptions(
            poll_interval=cfg.poll_interval,
            poll_timeout=cfg.poll_timeout,
            failover_after=cfg.failover_after,
            stuck_after=cfg.stuck_after,
        ),
    )
    return Farm(queue, engine, lock, session_nodes(server_urls or []))


async def autodetect_local(store: SettingsStore, timeout: float = 1.5) -> RenderNodeConfig | None:
    """On first start, add a ComfyUI that answers locally; remember that we looked."""
    settings = store.settings
    if settings.farm.autodetect_done:
        return None
    url = os.environ.get("COMFYUI_URL", DEFAULT_LOCAL_URL).rstrip("/")
    found: RenderNodeConfig | None = None
    if not any(n.url == url for n in settings.render_nodes):
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                resp = await client.get(f"{url}/system_stats")
                if resp.status_code == 200 and "devices" in resp.json():
                    found = RenderNodeConfig(name="local", url=url)
        except (httpx.HTTPError, ValueError):
            found = None
    nodes = list(settings.render_nodes)
    if found is not None:
        if any(n.name == found.name for n in nodes):
            found = found.model_copy(update={"name": f"local-{len(nodes) + 1}"})
        nodes.append(found)
        log.info("found a ComfyUI at %s and added it as %s", found.url, found.name)
    farm = settings.farm.model_copy(update={"autodetect_done": True})
    try:
        store.update(render_nodes=nodes, farm=farm)
    except StorageError as exc:
        log.warning("could not save the detected node: %s", exc)
    return found
