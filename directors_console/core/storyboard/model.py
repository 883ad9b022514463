"""The storyboard model: panels on a free canvas and the board that holds them.

A :class:`Panel` is one shot: its place on the canvas, its rating and lock, the image
it shows now and every version rendered for it (:class:`HistoryEntry`, paths relative
to the project folder), and what generation will need later (template, parameters,
angle, LoRAs, reference images). A :class:`Board` is the panels plus the project's
storyboard settings. Both are pydantic models and round-trip through project.json.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PANEL_PREFIX = "Panel_"
DEFAULT_WIDTH = 320.0
DEFAULT_HEIGHT = 230.0
MIN_WIDTH = 160.0
MIN_HEIGHT = 120.0


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def _now() -> datetime:
    return datetime.now(UTC)


class MediaKind(StrEnum):
    STILL = "still"
    VIDEO = "video"


class PanelStatus(StrEnum):
    EMPTY = "empty"
    GENERATING = "generating"
    COMPLETE = "complete"
    ERROR = "error"


class HistoryEntry(BaseModel):
    """One rendered version of a panel."""

    model_config = ConfigDict(extra="allow")

    path: str  # relative to the project folder, POSIX separators
    kind: MediaKind = MediaKind.STILL
    version: int = Field(default=1, ge=1)
    seed: int | None = None
    node: str = ""  # the render node that made it
    template: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    created: datetime = Field(default_factory=_now)


class LoraRef(BaseModel):
    name: str
    strength: float = 1.0


class Panel(BaseModel):
    """One shot on the canvas."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    id: str = Field(default_factory=new_id)
    name: str = Field(min_length=1)
    rating: int = Field(default=0, ge=0, le=5)
    locked: bool = False
    z: float = 0.0
    x: float = 0.0
    y: float = 0.0
    width: float = Field(default=DEFAULT_WIDTH, ge=MIN_WIDTH)
    height: float = Field(default=DEFAULT_HEIGHT, ge=MIN_HEIGHT)
    image: str | None = None  # current image, relative to the project folder
    history: list[HistoryEntry] = Field(default_factory=list)
    status: PanelStatus = PanelStatus.EMPTY
    status_text: str = ""
    notes: str = ""  # Markdown
    template: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    angle: str = ""
    loras: list[LoraRef] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)  # relative or absolute paths

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.width, self.height)

    def copy_as(self, name: str, dx: float = 0.0, dy: float = 0.0) -> Panel:
        """A new panel with the same content, a new id and name, moved by (dx, dy)."""
        data = self.model_dump()
        data.update(id=new_id(), name=name, x=self.x + dx, y=self.y + dy, locked=False)
        return Panel.model_validate(data)


class BoardSettings(BaseModel):
    model_config = ConfigDict(extra="allow")

    naming_template: str = "{project}_{panel}_v{version}"
    default_template: str = ""
    grid_columns: int = Field(default=4, ge=1, le=64)
    grid_gap: float = Field(default=40.0, ge=0)


class Board(BaseModel):
    """All panels of a project's storyboard plus its settings."""

    model_config = ConfigDict(extra="allow")

    panels: list[Panel] = Field(default_factory=list)
    settings: BoardSettings = Field(default_factory=BoardSettings)

    def get(self, panel_id: str) -> Panel | None:
        for panel in self.panels:
            if panel.id == panel_id:
                return panel
        return None

    def index_of(self, panel_id: str) -> int:
        for i, panel in enumerate(self.panels):
            if panel.id == panel_id:
                return i
        raise KeyError(panel_id)

    def names(self) -> set[str]:
        return {p.name for p in self.panels}

    def next_name(self, taken: set[str] | None = None) -> str:
        """The first free ``Panel_NN`` after the highest number in use."""
        used = self.names() | (taken or set())
        pattern = re.compile(rf"^{re.escape(PANEL_PREFIX)}(\d+)$")
        numbers = [int(m.group(1)) for n in used if (m := pattern.match(n))]
        n = max(numbers, default=0) + 1
        while f"{PANEL_PREFIX}{n:02d}" in used:
            n += 1
        return f"{PANEL_PREFIX}{n:02d}"

    def top_z(self) -> float:
        return max((p.z for p in self.panels), default=0.0)
