"""The one asyncio loop of the process, running inside Qt's event loop (qasync)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Callable

os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication


def install_loop(app: QApplication) -> asyncio.AbstractEventLoop:
    """Create the process's qasync loop on ``app`` and make it the current loop.

    Call once per process: closing and re-creating a qasync loop while Qt objects
    still refer to it has crashed on this platform.
    """
    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return loop


def install_quit_signals(on_signal: Callable[[int], None]) -> QSocketNotifier:
    """Call ``on_signal(signum)`` on SIGTERM/SIGINT/SIGHUP without polling.

    Python only runs signal handlers when the interpreter gets control, which an idle
    Qt loop never gives it; the wakeup fd turns the signal into a socket event.
    """
    receiver, sender = socket.socketpair()
    receiver.setblocking(False)
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno(), warn_on_full_buffer=False)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: None)
    notifier = QSocketNotifier(receiver.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        try:
            data = receiver.recv(64)
        except OSError:
            return
        for signum in data:
            on_signal(signum)

    notifier.activated.connect(drain)
    # Keep the sockets alive as long as the notifier.
    notifier._dc_sockets = (receiver, sender)  # type: ignore[attr-defined]
    return notifier
