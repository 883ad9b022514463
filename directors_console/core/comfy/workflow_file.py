"""Read a workflow the user brings: API JSON, UI JSON, or an image that carries one.

:func:`read_workflow_file` tells which it is and hands back the parsed JSON; every
problem (missing file, broken JSON, an image without a workflow, a JSON that is no
workflow) is a :class:`WorkflowFileError` whose text a user can act on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from directors_console.core.comfy.pngmeta import read_image_metadata
from directors_console.core.comfy.shotmeta import MetadataError

IMAGE_SUFFIXES = (".png", ".webp")
MAX_JSON_BYTES = 64 << 20


class WorkflowFileError(ValueError):
    pass


@dataclass(frozen=True)
class WorkflowFile:
    path: Path
    kind: Literal["api", "ui"]
    data: dict[str, Any]
    ui: dict[str, Any] | None = None  # the UI graph too, when an image carries both


def looks_like_api_prompt(data: object) -> bool:
    if not isinstance(data, Mapping) or not data:
        return False
    return all(isinstance(v, Mapping) and "class_type" in v for v in data.values())


def looks_like_ui_workflow(data: object) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("nodes"), list)


def classify(path: Path, data: object) -> WorkflowFile:
    if isinstance(data, Mapping) and looks_like_api_prompt(data.get("prompt")):
        data = data["prompt"]  # a saved POST /prompt body
    if looks_like_api_prompt(data):
        assert isinstance(data, dict)
        return WorkflowFile(path, "api", data)
    if looks_like_ui_workflow(data):
        assert isinstance(data, dict)
        return WorkflowFile(path, "ui", data)
    raise WorkflowFileError(
        f"{path.name} is JSON but not a ComfyUI workflow (neither the API format with "
        "class_type per node nor the editor's format with a node list)"
    )


def read_workflow_file(path: Path) -> WorkflowFile:
    try:
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return _from_image(path)
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise WorkflowFileError(f"{path.name} is {size >> 20} MB, too large for a workflow")
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise WorkflowFileError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowFileError(f"cannot read {path.name}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkflowFileError(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    return classify(path, data)


def _from_image(path: Path) -> WorkflowFile:
    try:
        meta = read_image_metadata(path)
    except MetadataError as exc:
        raise WorkflowFileError(f"{path.name}: {exc}") from exc
    ui = dict(meta.workflow) if meta.workflow is not None else None
    if meta.prompt is not None and looks_like_api_prompt(meta.prompt):
        return WorkflowFile(path, "api", dict(meta.prompt), ui)
    if ui is not None and looks_like_ui_workflow(ui):
        return WorkflowFile(path, "ui", ui, ui)
    problems = "; ".join(f"{p.where}: {p.reason}" for p in meta.problems)
    raise WorkflowFileError(
        f"{path.name} carries no ComfyUI workflow" + (f" ({problems})" if problems else "")
    )
