"""Typed cross-tab and service events, without Qt.

Tabs never import each other; they talk through an :class:`EventBus` of frozen
message dataclasses (``bus.publish(FilesRenamed(...))``, ``bus.subscribe(FilesRenamed,
handler)``). :class:`Observable` holds one value that others watch (the current
project). Handlers bound to an object are held weakly, so a deleted widget stops
receiving without having to unsubscribe. Publish from the event-loop thread.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

M = TypeVar("M")
T = TypeVar("T")


# --- messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectOpened:
    folder: Path
    name: str


@dataclass(frozen=True)
class ProjectClosed:
    folder: Path


@dataclass(frozen=True)
class SendReferenceImage:
    """Use an image as a reference in another tab (e.g. Gallery -> Storyboard panel)."""

    path: Path
    target: str  # the receiving tab's id, e.g. "storyboard"


@dataclass(frozen=True)
class RestoreWorkflow:
    """Restore a panel's template and parameters from a rendered file's metadata.

    The Gallery publishes it ("Restore workflow to Storyboard"); the Storyboard reads
    the file's shot metadata (or ComfyUI prompt) and applies it to the selected panel.
    """

    path: Path
    target: str = "storyboard"


@dataclass(frozen=True)
class SendPrompt:
    """A generated prompt for another tab to use (Prompt Studio -> Storyboard)."""

    prompt: str
    negative: str
    model_family: str
    config: dict[str, Any]  # ShotConfig.model_dump()
    target: str = "storyboard"


@dataclass(frozen=True)
class FilesRenamed:
    """Files moved or renamed inside a project; old path -> new path."""

    moves: tuple[tuple[Path, Path], ...]


@dataclass(frozen=True)
class UserNotice:
    """Something a user should read, shown as a non-modal notification."""

    title: str
    text: str
    level: str = "info"  # "info" | "warning" | "error"
    details: str = ""


# --- handler references ------------------------------------------------------------------


class _Ref:
    """A strong reference to a plain function, a weak one to a bound method."""

    __slots__ = ("_fn", "_weak")

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._weak: weakref.WeakMethod[Callable[..., Any]] | None = None
        self._fn: Callable[..., Any] | None = None
        if hasattr(fn, "__self__") and hasattr(fn, "__func__"):
            self._weak = weakref.WeakMethod(fn)
        else:
            self._fn = fn

    def get(self) -> Callable[..., Any] | None:
        if self._weak is not None:
            return self._weak()
        return self._fn


@dataclass
class Subscription:
    """Returned by subscribe; call :meth:`cancel` to stop receiving."""

    _cancel: Callable[[], None] = field(repr=False)
    active: bool = True

    def cancel(self) -> None:
        if self.active:
            self.active = False
            self._cancel()


def _deliver(refs: list[_Ref], value: object) -> list[_Ref]:
    """Call each live handler with ``value``; return the refs that are still alive."""
    alive: list[_Ref] = []
    for ref in list(refs):
        fn = ref.get()
        if fn is None:
            continue
        alive.append(ref)
        try:
            fn(value)
        except Exception:
            # One broken subscriber must not stop the others.
            log.exception("event handler %r failed for %r", fn, value)
    return alive


class EventBus:
    """Publish/subscribe by message type (subclasses are delivered to base-type handlers)."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[_Ref]] = {}

    def subscribe(self, kind: type[M], handler: Callable[[M], Any]) -> Subscription:
        ref = _Ref(handler)
        self._handlers.setdefault(kind, []).append(ref)

        def cancel() -> None:
            refs = self._handlers.get(kind, [])
            if ref in refs:
                refs.remove(ref)

        return Subscription(cancel)

    def publish(self, message: object) -> None:
        for kind in type(message).__mro__:
            refs = self._handlers.get(kind)
            if refs:
                alive = _deliver(refs, message)
                if len(alive) != len(refs):
                    self._handlers[kind] = [r for r in self._handlers[kind] if r.get()]

    def subscriber_count(self, kind: type) -> int:
        return sum(1 for r in self._handlers.get(kind, []) if r.get() is not None)


class Observable(Generic[T]):
    """One value others watch; subscribers are called with each new value."""

    def __init__(self, value: T) -> None:
        self._value = value
        self._refs: list[_Ref] = []

    @property
    def value(self) -> T:
        return self._value

    def set(self, value: T) -> None:
        if value is self._value or value == self._value:
            return
        self._value = value
        self._refs = _deliver(self._refs, value)

    def subscribe(self, handler: Callable[[T], Any], *, call_now: bool = False) -> Subscription:
        ref = _Ref(handler)
        self._refs.append(ref)

        def cancel() -> None:
            if ref in self._refs:
                self._refs.remove(ref)

        if call_now:
            handler(self._value)
        return Subscription(cancel)
