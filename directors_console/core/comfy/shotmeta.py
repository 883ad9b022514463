"""The metadata model shared by the PNG and WebP readers/writers.

ComfyUI embeds the API ``prompt`` and the UI ``workflow`` as JSON text in its images; we
embed our own :class:`ShotMetadata` (project, panel, version, ...) beside them under the
keyword :data:`SHOT_KEY`. Reading is forgiving: a damaged chunk or a JSON text that does
not parse becomes a :class:`MetadataProblem` in :attr:`ImageMetadata.problems`, and the
rest is still read. A file that is not an image we know raises :class:`MetadataError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: Keyword of our text chunk (PNG iTXt) and of the JSON in our WebP chunk.
SHOT_KEY = "directors_console"
SHOT_SCHEMA = 1
#: Refuse to inflate compressed text beyond this (a zip bomb in a tEXt chunk).
MAX_TEXT_BYTES = 32 * 1024 * 1024


class MetadataError(Exception):
    """The file is not a PNG/WebP we can read, or cannot be changed safely."""


class ShotMetadata(BaseModel):
    """What we write into every image we save: where it belongs and how it was made."""

    model_config = ConfigDict(frozen=True, extra="allow")

    schema_version: int = SHOT_SCHEMA
    project: str
    panel: str
    version: int = Field(ge=0)
    preset: str | None = None
    template: str | None = None
    seed: int | None = None
    server: str | None = None
    prompt_id: str | None = None
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)


@dataclass(frozen=True)
class MetadataProblem:
    """Something odd in the file's metadata; ``where`` names the chunk or key."""

    where: str
    reason: str


@dataclass(frozen=True)
class ImageMetadata:
    format: str  # "png" | "webp"
    prompt: Mapping[str, Any] | None = None
    workflow: Mapping[str, Any] | None = None
    shot: ShotMetadata | None = None
    texts: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[MetadataProblem, ...] = ()

    @property
    def has_comfy_data(self) -> bool:
        return self.prompt is not None or self.workflow is not None


def _json_object(key: str, text: str, problems: list[MetadataProblem]) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError as exc:
        problems.append(MetadataProblem(key, f"not valid JSON: {exc}"))
        return None
    if not isinstance(value, dict):
        problems.append(MetadataProblem(key, f"JSON is a {type(value).__name__}, not an object"))
        return None
    return value


def interpret_texts(
    fmt: str, texts: Mapping[str, str], problems: list[MetadataProblem]
) -> ImageMetadata:
    """Turn raw ``keyword -> text`` pairs into typed metadata, noting what is odd."""
    prompt = _json_object("prompt", texts["prompt"], problems) if "prompt" in texts else None
    workflow = (
        _json_object("workflow", texts["workflow"], problems) if "workflow" in texts else None
    )
    shot = None
    if SHOT_KEY in texts:
        try:
            shot = ShotMetadata.model_validate_json(texts[SHOT_KEY])
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "document"
            problems.append(MetadataProblem(SHOT_KEY, f"{where}: {first.get('msg', exc)}"))
    return ImageMetadata(fmt, prompt, workflow, shot, dict(texts), tuple(problems))


def coerce_shot(shot: ShotMetadata | Mapping[str, Any]) -> ShotMetadata:
    if isinstance(shot, ShotMetadata):
        return shot
    try:
        return ShotMetadata.model_validate(dict(shot))
    except ValidationError as exc:
        raise MetadataError(f"shot metadata is not valid: {exc.errors()[0].get('msg')}") from exc
