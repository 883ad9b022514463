"""Builds every service once and hands them to the widgets that need them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from directors_console.app.paths import AppPaths
from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.events import EventBus
from directors_console.core.project import ProjectService
from directors_console.core.settings import SettingsStore

if TYPE_CHECKING:
    from directors_console.app.farm_setup import Farm

log = logging.getLogger(__name__)


@dataclass
class Services:
    paths: AppPaths
    settings: SettingsStore
    bus: EventBus
    projects: ProjectService
    tasks: TaskManager
    workers: Workers
    farm: Farm | None = None
    farm_problem: str | None = field(default=None)

    def apply_farm_nodes(self) -> None:
        """Settings' node list changed (UI or file edit): update the running farm."""
        if self.farm is not None:
            self.farm.apply_settings(self.settings.settings)

    async def open_farm(self, server_urls: list[str] | None = None) -> Farm | None:
        """Open the queue and engine off the event loop (after the window is up: the
        farm's imports and the queue file are the slow part of start-up)."""
        from directors_console.app.farm_setup import FarmBusy, open_farm

        try:
            farm = await self.workers.in_thread(
                open_farm, self.paths, self.settings.settings, server_urls
            )
        except FarmBusy as exc:
            self.farm_problem = f"{exc}; this window shows no render farm until it stops."
            return None
        except Exception as exc:  # a damaged or newer queue must not stop the program
            log.exception("could not open the job queue")
            self.farm_problem = f"The job queue could not be opened: {exc}"
            return None
        self.farm = farm
        self.tasks.add_closer("render farm", farm.aclose)
        return farm

    async def shutdown(self, timeout: float = 2.0) -> bool:
        clean = await self.tasks.shutdown(timeout)
        self.workers.shutdown()
        return clean


def build_services(paths: AppPaths) -> Services:
    paths.ensure()
    settings = SettingsStore(paths.config_dir)
    settings.load()
    bus = EventBus()
    return Services(
        paths=paths,
        settings=settings,
        bus=bus,
        projects=ProjectService(settings, bus),
        tasks=TaskManager(),
        workers=Workers(),
    )
