"""Queue and history of the fake ComfyUI server, shaped like the real server's.

A queue item is the list ``[number, prompt_id, prompt, extra_data, outputs_to_execute]``.
Pending items live in a binary heap keyed by ``number`` (``front`` posts get a negative number),
and ``GET /queue`` shows them in heap-array order exactly like the real server does.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

QueueItem = list[Any]


@dataclass(order=True)
class _HeapEntry:
    number: float
    seq: int
    item: QueueItem = field(compare=False)


class PromptQueue:
    """Pending heap plus the one running item."""

    def __init__(self) -> None:
        self._heap: list[_HeapEntry] = []
        self._seq = itertools.count()
        self.running: QueueItem | None = None

    def put(self, item: QueueItem) -> None:
        heapq.heappush(self._heap, _HeapEntry(item[0], next(self._seq), item))

    def pop(self) -> QueueItem | None:
        if not self._heap:
            return None
        entry = heapq.heappop(self._heap)
        self.running = entry.item
        return entry.item

    def has_pending(self) -> bool:
        return bool(self._heap)

    def delete(self, prompt_id: str) -> bool:
        """Remove one pending item; the running one is never touched."""
        for index, entry in enumerate(self._heap):
            if entry.item[1] == prompt_id:
                self._heap.pop(index)
                heapq.heapify(self._heap)
                return True
        return False

    def clear(self) -> None:
        self._heap.clear()

    def remaining(self) -> int:
        return len(self._heap) + (1 if self.running is not None else 0)

    def pending_items(self) -> list[QueueItem]:
        """Heap-array order, not execution order (as the real server answers)."""
        return [entry.item for entry in self._heap]

    def pending_ids(self) -> list[str]:
        """Execution order."""
        return [entry.item[1] for entry in sorted(self._heap)]

    def reset(self) -> None:
        self._heap.clear()
        self.running = None


class History:
    """prompt_id -> entry, insertion ordered; a re-run id keeps its old slot."""

    MAX_SIZE = 10000

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Any]] = {}

    def store(self, prompt_id: str, entry: dict[str, Any]) -> None:
        if len(self._entries) > self.MAX_SIZE:
            self._entries.pop(next(iter(self._entries)))
        self._entries[prompt_id] = entry

    def get(self, prompt_id: str) -> dict[str, Any]:
        entry = self._entries.get(prompt_id)
        return {} if entry is None else {prompt_id: entry}

    def listing(self, max_items: int | None = None, offset: int = -1) -> dict[str, Any]:
        if offset < 0 and max_items is not None:
            offset = len(self._entries) - max_items
        out: dict[str, Any] = {}
        for index, (key, value) in enumerate(self._entries.items()):
            if index < offset:
                continue
            out[key] = value
            if max_items is not None and len(out) >= max_items:
                break
        return out

    def delete(self, prompt_id: str) -> None:
        self._entries.pop(prompt_id, None)

    def clear(self) -> None:
        self._entries.clear()

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return dict(self._entries)

    def __contains__(self, prompt_id: object) -> bool:
        return prompt_id in self._entries
