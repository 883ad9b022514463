"""Follow one submitted prompt to its outcome: WebSocket events, with /history as truth.

:class:`PromptTracker` (or ``ComfyClient.wait_for_completion``) listens to the
client's events for one prompt and passes them to ``on_event`` (progress, previews,
``Disconnected``/``Reconnected``). The outcome always comes from ``/history`` when the
server can give it; the WebSocket only says *when* to look. It polls ``/history``
instead while the socket is down, every ``safety_poll_interval`` while it is up (events
can be lost), and only ever when the client has no WebSocket (servers behind proxies
that drop WebSockets). A prompt in neither history nor queue is reported ``LOST`` (the
server restarted and forgot it). ``timeout`` bounds the whole wait: no hang past it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from .errors import ComfyError, ServerTimeout
from .messages import (
    TERMINAL_TYPES,
    Connected,
    Disconnected,
    Event,
    Executed,
    Executing,
    ExecutionError,
    ExecutionInterrupted,
    ExecutionStart,
    PreviewImage,
    Progress,
    ProgressText,
    Reconnected,
    WebsocketImage,
    prompt_id_of,
)
from .models import HistoryEntry
from .outputs import OutputFile, extract_outputs, outputs_of_node

if TYPE_CHECKING:
    from .client import ComfyClient
    from .websocket import Subscription

log = logging.getLogger(__name__)

EventCallback = Callable[[Event], object]
_ATTRIBUTABLE = (Executing, Progress, PreviewImage, WebsocketImage, ProgressText)


class _Next(Enum):
    WAIT = "wait"
    POLL = "poll"  # look at history now
    POLL_SOON = "poll_soon"  # the socket is down: history by polling
    FINISHED = "finished"


class OutcomeStatus(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    INTERRUPTED = "interrupted"
    LOST = "lost"  # the server knows nothing of it (restarted, or deleted from the queue)


@dataclass(frozen=True)
class PromptOutcome:
    prompt_id: str
    status: OutcomeStatus
    outputs: tuple[OutputFile, ...] = ()
    websocket_images: tuple[WebsocketImage, ...] = ()
    error: ExecutionError | None = None
    interrupted: ExecutionInterrupted | None = None
    entry: HistoryEntry | None = None
    source: str = "history"  # or "websocket" when history could not be read

    @property
    def ok(self) -> bool:
        return self.status is OutcomeStatus.SUCCESS

    def describe(self) -> str:
        if self.error is not None:
            where = (
                f" in {self.error.node_type} (#{self.error.node_id})" if self.error.node_id else ""
            )
            return f"{self.error.exception_type}{where}: {self.error.exception_message.strip()}"
        if self.status is OutcomeStatus.LOST:
            return "the server no longer knows this prompt"
        return self.status.value


def outcome_from_entry(
    entry: HistoryEntry, websocket_images: tuple[WebsocketImage, ...] = ()
) -> PromptOutcome:
    status = OutcomeStatus.SUCCESS
    if entry.interrupted is not None:
        status = OutcomeStatus.INTERRUPTED
    elif not entry.succeeded:
        status = OutcomeStatus.ERROR
    return PromptOutcome(
        entry.prompt_id,
        status,
        extract_outputs(entry.outputs),
        websocket_images,
        entry.error,
        entry.interrupted,
        entry,
    )


class PromptTracker:
    def __init__(
        self,
        client: ComfyClient,
        prompt_id: str,
        *,
        on_event: EventCallback | None = None,
        number: float | None = None,
        use_websocket: bool | None = None,
        poll_interval: float = 1.0,
        safety_poll_interval: float = 10.0,
        poll_timeout: float = 4.0,
        history_grace: float = 5.0,
        events_grace: float = 2.0,
        events_expected: bool = False,
        lost_after: int = 2,
    ) -> None:
        self.client = client
        self.prompt_id = prompt_id
        self.number = number  # of this run: an older history entry of a reused id is ignored
        self.on_event = on_event
        self.use_websocket = client.listener is not None and use_websocket is not False
        self.poll_interval = poll_interval
        self.safety_poll_interval = safety_poll_interval
        self.poll_timeout = poll_timeout
        self.history_grace = history_grace
        self.events_grace = events_grace
        self.events_expected = events_expected  # made before the post: no event missed
        self.lost_after = lost_after
        self.running = False  # the server said our prompt is executing
        self._executed: list[Executed] = []
        self._ws_images: list[WebsocketImage] = []
        self._terminal: Event | None = None
        self._strikes = 0
        self._unreachable_since: float | None = None
        # Subscribe now: a tracker made before the prompt is posted misses no event.
        self._sub = client.subscribe() if self.use_websocket else None

    def close(self) -> None:
        """Stop listening (``wait`` does this when it returns)."""
        if self._sub is not None:
            self._sub.close()

    def __enter__(self) -> PromptTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def wait(self, timeout: float | None, *, number: float | None = None) -> PromptOutcome:
        """The outcome; ServerTimeout if there is none after ``timeout`` seconds.

        ``number`` (from the SubmitResult) makes an older history entry of the same
        prompt id count as "not finished yet".
        """
        if number is not None:
            self.number = number
        try:
            async with asyncio.timeout(timeout):
                if self._sub is not None:
                    return await self._follow_events(self._sub)
                return await self._follow_history()
        except TimeoutError as exc:
            raise ServerTimeout(
                f"prompt {self.prompt_id} on {self.client.base_url} "
                f"did not finish within {timeout:g}s"
            ) from exc
        finally:
            self.close()

    def _emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    # --- modes ----------------------------------------------------------------------------

    async def _follow_history(self) -> PromptOutcome:
        while True:
            outcome = await self._poll(report=True)
            if outcome is not None:
                return outcome
            await asyncio.sleep(self.poll_interval)

    async def _follow_events(self, sub: Subscription) -> PromptOutcome:
        loop = asyncio.get_running_loop()
        listener = self.client.listener
        assert listener is not None
        if not listener.connected and listener.last_error:
            self._emit(Disconnected(listener.last_error))
        # Events that came while the prompt was being posted go first.
        while sub.pending():
            if self._handle(await sub.get()) is _Next.FINISHED:
                return await self._finish()
        outcome = await self._poll(report=False)
        if outcome is not None:
            return await self._settle(sub, outcome)
        next_poll = loop.time() + self._poll_gap()
        while True:
            step = _Next.POLL
            try:
                async with asyncio.timeout(max(0.0, next_poll - loop.time())):
                    step = self._handle(await sub.get())
            except TimeoutError:
                pass
            if step is _Next.FINISHED:
                return await self._finish()
            if step is _Next.POLL:
                outcome = await self._poll(report=False)
                if outcome is not None:
                    return await self._settle(sub, outcome)
                next_poll = loop.time() + self._poll_gap()
            elif step is _Next.POLL_SOON:
                next_poll = min(next_poll, loop.time() + self.poll_interval)

    async def _settle(self, sub: Subscription, outcome: PromptOutcome) -> PromptOutcome:
        """History says done; let this prompt's events still in flight arrive first.

        Only when we listened since before the post: then every event will come, and
        SaveImageWebsocket images exist nowhere else.
        """
        listener = self.client.listener
        if not (self.events_expected and listener is not None and listener.connected):
            return outcome
        if self._terminal is not None or outcome.status is OutcomeStatus.LOST:
            return outcome
        try:
            async with asyncio.timeout(self.events_grace):
                while self._handle(await sub.get()) is not _Next.FINISHED:
                    pass
        except TimeoutError:
            log.debug("events of %s did not all arrive; using history", self.prompt_id)
        return replace(outcome, websocket_images=tuple(self._ws_images))

    def _handle(self, event: Event) -> _Next:
        if isinstance(event, Connected | Reconnected):
            self._emit(event)
            return _Next.POLL
        if isinstance(event, Disconnected):
            self._emit(event)
            return _Next.POLL_SOON
        if not self._is_ours(event):
            return _Next.WAIT
        self._emit(event)
        return _Next.FINISHED if self._record(event) else _Next.WAIT

    def _poll_gap(self) -> float:
        listener = self.client.listener
        up = listener is not None and listener.connected
        # Re-check soon when the prompt was in neither history nor queue.
        return self.safety_poll_interval if up and not self._strikes else self.poll_interval

    def _is_ours(self, event: Event) -> bool:
        pid = prompt_id_of(event)
        if pid is None:
            # Frames/progress without ids (after a reconnect) belong to the running prompt.
            return self.running and isinstance(event, _ATTRIBUTABLE)
        return pid == self.prompt_id

    def _record(self, event: Event) -> bool:
        """Note what an event of ours says; True when the prompt has finished."""
        if isinstance(event, ExecutionStart):
            self.running = True
        elif isinstance(event, Executed):
            self._executed.append(event)
        elif isinstance(event, WebsocketImage):
            self._ws_images.append(event)
        elif isinstance(event, TERMINAL_TYPES):
            self._terminal = event
            return True
        elif isinstance(event, Executing) and event.node is None and event.prompt_id:
            return True
        return False

    # --- history --------------------------------------------------------------------------

    async def _entry(self) -> HistoryEntry | None:
        entry = await self.client.history_entry(self.prompt_id)
        if entry is not None and self.number is not None and entry.number != self.number:
            return None  # an earlier run under the same id
        return entry

    async def _poll(self, *, report: bool) -> PromptOutcome | None:
        """One look at history (and the queue); ``report`` emits reachability events."""
        try:
            async with asyncio.timeout(self.poll_timeout):
                entry = await self._entry()
                if entry is None:
                    queue = await self.client.queue()
                    if self.prompt_id in queue:
                        self.running = queue.position(self.prompt_id) == 0
                        self._strikes = 0
                    else:
                        entry = await self._entry()  # it may have finished in between
                        if entry is None:
                            self._strikes += 1
        except (ComfyError, TimeoutError) as exc:
            reason = str(exc) or f"no answer in {self.poll_timeout:g}s"
            if report and self._unreachable_since is None:
                self._unreachable_since = time.monotonic()
                self._emit(Disconnected(reason))
            log.debug("polling %s for %s failed: %s", self.client.base_url, self.prompt_id, reason)
            return None
        if report and self._unreachable_since is not None:
            down = time.monotonic() - self._unreachable_since
            self._unreachable_since = None
            self._emit(Reconnected(None, down))
        if entry is not None:
            return outcome_from_entry(entry, tuple(self._ws_images))
        if self._strikes >= self.lost_after:
            return PromptOutcome(self.prompt_id, OutcomeStatus.LOST, source="history")
        return None

    async def _finish(self) -> PromptOutcome:
        """The socket says it is done: read history (it lands a moment after)."""
        deadline = time.monotonic() + self.history_grace
        delay = 0.05
        while True:
            try:
                async with asyncio.timeout(self.poll_timeout):
                    entry = await self._entry()
                if entry is not None:
                    return outcome_from_entry(entry, tuple(self._ws_images))
            except (ComfyError, TimeoutError) as exc:
                log.debug("history of %s not readable yet: %s", self.prompt_id, exc)
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
        log.warning("no history for %s; outcome taken from WebSocket events", self.prompt_id)
        return self._outcome_from_events()

    def _outcome_from_events(self) -> PromptOutcome:
        files: list[OutputFile] = []
        for ev in self._executed:
            files.extend(outputs_of_node(ev.node, ev.output))
        term = self._terminal
        error = term if isinstance(term, ExecutionError) else None
        stopped = term if isinstance(term, ExecutionInterrupted) else None
        status = OutcomeStatus.SUCCESS
        if error is not None:
            status = OutcomeStatus.ERROR
        elif stopped is not None:
            status = OutcomeStatus.INTERRUPTED
        return PromptOutcome(
            self.prompt_id,
            status,
            tuple(files),
            tuple(self._ws_images),
            error,
            stopped,
            None,
            "websocket",
        )
