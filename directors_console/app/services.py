"""Builds every service once and hands them to the widgets that need them."""

from __future__ import annotations

from dataclasses import dataclass

from directors_console.app.paths import AppPaths
from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.events import EventBus
from directors_console.core.project import ProjectService
from directors_console.core.settings import SettingsStore


@dataclass
class Services:
    paths: AppPaths
    settings: SettingsStore
    bus: EventBus
    projects: ProjectService
    tasks: TaskManager
    workers: Workers

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
