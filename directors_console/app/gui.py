"""Open the window: QApplication, the one qasync loop, services, main window.

Runs until the last window closes or a quit signal arrives, then cancels every
task and closes network clients (2 s at most) and returns the exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from directors_console import APP_ID, APP_NAME, __version__
from directors_console.app.paths import AppPaths

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 2.0


def run_gui(args: argparse.Namespace, paths: AppPaths) -> int:
    os.environ.setdefault("QT_API", "pyside6")
    from PySide6.QtCore import QFileSystemWatcher, QTimer
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from directors_console.app.services import build_services
    from directors_console.bridge.loop import install_loop, install_quit_signals
    from directors_console.core.data_paths import resources_dir
    from directors_console.core.events import UserNotice
    from directors_console.ui.common.theme import apply_theme
    from directors_console.ui.main_window import MainWindow, WindowServices

    QGuiApplication.setDesktopFileName(APP_ID)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / f"{APP_ID}.svg")))
    app.setQuitOnLastWindowClosed(False)
    loop = install_loop(app)

    def on_quit_signal(signum: int) -> None:
        # Runs inside the event loop, so the window exists by then.
        log.info("signal %d: closing the window", signum)
        window.close()

    # Installed first, so a SIGTERM during start-up also ends in a clean shutdown.
    notifier = install_quit_signals(on_quit_signal)

    services = build_services(paths)
    apply_theme(app, services.settings.settings.theme)
    window = MainWindow(
        WindowServices(
            settings=services.settings,
            bus=services.bus,
            projects=services.projects,
            tasks=services.tasks,
            workers=services.workers,
            log_dir=paths.log_dir,
            cache_dir=paths.cache_dir,
            apply_farm_nodes=services.apply_farm_nodes,
        )
    )
    window.show()

    if services.settings.load_problem:
        services.bus.publish(
            UserNotice("Settings reset", services.settings.load_problem, "warning")
        )
    start_project = args.project
    if start_project is None and services.settings.settings.reopen_last_project:
        last = services.settings.settings.last_project
        if last and (Path(last) / "project.json").exists():
            start_project = last
    if start_project:
        window.open_project(start_project)

    async def start_farm() -> None:
        from directors_console.app.farm_setup import autodetect_local

        farm = await services.open_farm(args.server_url)
        if farm is None:
            window.farm_unavailable(services.farm_problem or "The render farm is not running.")
            services.bus.publish(UserNotice("Render farm", services.farm_problem or "", "warning"))
            return
        await autodetect_local(services.settings)
        farm.apply_settings(services.settings.settings)
        await farm.engine.start()
        window.attach_farm(farm.engine)

    farm_started = False

    def start_farm_once() -> None:
        nonlocal farm_started
        if not farm_started:
            farm_started = True
            services.tasks.run_task(start_farm(), None, "Start the render farm")

    # After the first paint, so the window shows up before the farm's imports and
    # queue file are read; the timer covers a window that is never painted.
    window.first_painted.connect(start_farm_once)
    QTimer.singleShot(1500, start_farm_once)

    watcher = QFileSystemWatcher([str(paths.config_dir)])
    settings_path = str(services.settings.path)

    def settings_file_changed(_path: str = "") -> None:
        # The user edited settings.yaml by hand (or another tool did): take the nodes.
        # An edit in place fires fileChanged; a save by rename fires directoryChanged and
        # drops the file from the watch, so it is added again each time.
        store = services.settings
        if settings_path not in watcher.files() and store.path.exists():
            watcher.addPath(settings_path)
        if not store.changed_on_disk():
            return
        store.load()
        if store.load_problem:
            services.bus.publish(UserNotice("Settings", store.load_problem, "warning"))
        services.apply_farm_nodes()
        window.settings_reloaded()

    watcher.directoryChanged.connect(settings_file_changed)
    watcher.fileChanged.connect(settings_file_changed)
    settings_file_changed()

    async def until_closed() -> bool:
        closed = asyncio.Event()
        app.lastWindowClosed.connect(closed.set)

        await closed.wait()
        notifier.setEnabled(False)
        return await services.shutdown(SHUTDOWN_TIMEOUT)

    clean = loop.run_until_complete(until_closed())
    # qasync runs getaddrinfo and default-executor work on QThreads; Qt aborts the
    # process if any is still running when it exits.
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)
    log.info("shut down %s", "cleanly" if clean else "with tasks still running")
    window.deleteLater()
    return 0
