"""The Qt-free event bus and observable."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from directors_console.core.events import (
    EventBus,
    FilesRenamed,
    Observable,
    ProjectOpened,
    UserNotice,
)


def test_publish_reaches_subscribers_of_that_type_only() -> None:
    bus = EventBus()
    opened: list[ProjectOpened] = []
    notices: list[UserNotice] = []
    bus.subscribe(ProjectOpened, opened.append)
    bus.subscribe(UserNotice, notices.append)
    message = ProjectOpened(Path("/films/a"), "A")
    bus.publish(message)
    assert opened == [message]
    assert notices == []


def test_base_type_subscribers_see_subclasses() -> None:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(object, seen.append)
    bus.publish(UserNotice("t", "x"))
    assert len(seen) == 1


def test_cancel_stops_delivery() -> None:
    bus = EventBus()
    seen: list[FilesRenamed] = []
    sub = bus.subscribe(FilesRenamed, seen.append)
    sub.cancel()
    sub.cancel()  # twice is harmless
    bus.publish(FilesRenamed(((Path("a"), Path("b")),)))
    assert seen == []
    assert bus.subscriber_count(FilesRenamed) == 0


def test_bound_methods_are_weak() -> None:
    bus = EventBus()

    class Widget:
        def __init__(self) -> None:
            self.seen: list[UserNotice] = []

        def on_notice(self, notice: UserNotice) -> None:
            self.seen.append(notice)

    widget = Widget()
    bus.subscribe(UserNotice, widget.on_notice)
    bus.publish(UserNotice("a", "b"))
    assert len(widget.seen) == 1
    del widget
    gc.collect()
    assert bus.subscriber_count(UserNotice) == 0
    bus.publish(UserNotice("c", "d"))  # no error for the dead subscriber


def test_failing_handler_does_not_stop_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[UserNotice] = []

    def broken(_: UserNotice) -> None:
        raise RuntimeError("boom")

    bus.subscribe(UserNotice, broken)
    bus.subscribe(UserNotice, seen.append)
    bus.publish(UserNotice("a", "b"))
    assert len(seen) == 1
    assert "boom" in caplog.text


def test_observable_notifies_on_change_only() -> None:
    value: Observable[int | None] = Observable(None)
    seen: list[int | None] = []
    value.subscribe(seen.append, call_now=True)
    value.set(1)
    value.set(1)
    value.set(2)
    assert seen == [None, 1, 2]
    assert value.value == 2
