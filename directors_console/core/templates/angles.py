"""The camera-angle library: shot size × camera height × direction around the subject.

The axes and their prompt tokens live in ``presets/angles.yaml``; the combinations are
generated here deterministically, in the file's order, with ids of the form
``"{size}-{height}-{direction}"`` (e.g. ``"wide-low-090"``) that stay stable as long as
the axis ids do. An :class:`Angle`'s ``prompt`` is what the WorkflowBuilder appends to
the positive prompt.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from directors_console.core.data_paths import presets_dir

ANGLES_FILE = "angles.yaml"
_AXIS_ID = r"^[a-z0-9][a-z0-9_]*$"


class AngleFileError(ValueError):
    """The angles file is missing or malformed (the message says where)."""


class AxisValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_AXIS_ID)
    label: str = Field(min_length=1)
    tokens: str = Field(min_length=1)


class Direction(AxisValue):
    degrees: float = Field(ge=0, lt=360)
    clock: int | None = Field(None, ge=1, le=12)


class AngleAxes(BaseModel):
    """What ``angles.yaml`` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    sizes: tuple[AxisValue, ...] = Field(min_length=1)
    heights: tuple[AxisValue, ...] = Field(min_length=1)
    directions: tuple[Direction, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> AngleAxes:
        for axis in ("sizes", "heights", "directions"):
            ids = [v.id for v in getattr(self, axis)]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{axis}: duplicate ids {dupes}")
        degrees = [d.degrees for d in self.directions]
        if len(set(degrees)) != len(degrees):
            raise ValueError("directions: two directions share the same degrees")
        return self


@dataclass(frozen=True, slots=True)
class Angle:
    id: str
    size: str
    height: str
    direction: str
    degrees: float
    label: str
    tokens: tuple[str, ...]

    @property
    def prompt(self) -> str:
        return ", ".join(self.tokens)


class AngleLibrary:
    """All combinations of the axes, in a stable order, looked up by id or filtered."""

    def __init__(self, axes: AngleAxes) -> None:
        self.axes = axes
        self._angles: dict[str, Angle] = {}
        for size in axes.sizes:
            for height in axes.heights:
                for direction in axes.directions:
                    angle = Angle(
                        id=f"{size.id}-{height.id}-{direction.id}",
                        size=size.id,
                        height=height.id,
                        direction=direction.id,
                        degrees=direction.degrees,
                        label=f"{size.label} · {height.label} · {direction.label}",
                        tokens=(size.tokens, height.tokens, direction.tokens),
                    )
                    self._angles[angle.id] = angle

    @classmethod
    def load(cls, path: Path | None = None) -> AngleLibrary:
        """Read the axes from ``path`` (default: the program's presets/angles.yaml)."""
        path = path or presets_dir() / ANGLES_FILE
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise AngleFileError(f"{path}: cannot read: {exc}") from None
        try:
            return cls(AngleAxes.model_validate(raw))
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<file>'}: {e['msg']}"
                for e in exc.errors()
            )
            raise AngleFileError(f"{path}: {details}") from None

    def __len__(self) -> int:
        return len(self._angles)

    def __iter__(self) -> Iterator[Angle]:
        return iter(self._angles.values())

    def __contains__(self, angle_id: object) -> bool:
        return angle_id in self._angles

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._angles)

    def get(self, angle_id: str) -> Angle | None:
        return self._angles.get(angle_id)

    def __getitem__(self, angle_id: str) -> Angle:
        try:
            return self._angles[angle_id]
        except KeyError:
            raise KeyError(f"no camera angle {angle_id!r}") from None

    def filter(
        self,
        size: str | None = None,
        height: str | None = None,
        direction: str | None = None,
    ) -> list[Angle]:
        """The angles matching every axis given (None matches any); unknown ids raise."""
        for axis, value, known in (
            ("size", size, self.axes.sizes),
            ("height", height, self.axes.heights),
            ("direction", direction, self.axes.directions),
        ):
            ids = [v.id for v in known]
            if value is not None and value not in ids:
                raise KeyError(f"no {axis} {value!r} (known: {', '.join(ids)})")
        return [
            a
            for a in self._angles.values()
            if (size is None or a.size == size)
            and (height is None or a.height == height)
            and (direction is None or a.direction == direction)
        ]

    def nearest(self, size: str, height: str, degrees: float) -> Angle:
        """The angle of this size and height whose direction is closest to ``degrees``."""

        def gap(d: Direction) -> float:
            diff = abs(d.degrees - degrees % 360)
            return min(diff, 360 - diff)

        best = min(self.axes.directions, key=gap)
        return self[f"{size}-{height}-{best.id}"]
