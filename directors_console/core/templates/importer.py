"""Turn a workflow the user brings into a template draft, and save the edited draft.

:func:`read_import_source` reads UI or API JSON, a PNG/WebP carrying one, or an MP4/MOV
that ComfyUI (SaveVideo, VideoHelperSuite) tagged with its ``prompt``/``workflow``.
:func:`draft_from_workflow` converts an editor workflow with the server's object_info
(refusing, with the missing types named, when the server lacks some) and detects the
parameters (:mod:`.detect`); the draft (:mod:`.draft`) is edited and :func:`save_draft`
writes it as ``<id>.yaml`` + ``<id>.api.json``, atomically, never over an existing
template.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from directors_console.core.comfy.converter import ConversionError, convert_workflow
from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.comfy.workflow_file import (
    WorkflowFile,
    WorkflowFileError,
    classify,
    read_workflow_file,
)
from directors_console.core.storage import StorageError, atomic_write_text

from .detect import draft_from_prompt, image_role, slug
from .draft import DetectedKind, DetectedParameter, TemplateDraft, WorkflowImportError
from .loader import TEMPLATE_SUFFIXES
from .model import TemplateInvalid
from .mp4_tags import Mp4TagError, read_mp4_tags

__all__ = [
    "DetectedKind",
    "DetectedParameter",
    "MissingNodeTypesError",
    "SavedTemplate",
    "TemplateDraft",
    "WorkflowImportError",
    "draft_from_prompt",
    "draft_from_workflow",
    "image_role",
    "prompt_of",
    "read_import_source",
    "save_draft",
    "slug",
]

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v")


class MissingNodeTypesError(WorkflowImportError):
    def __init__(self, missing: Mapping[str, list[str]]) -> None:
        self.missing = dict(missing)
        names = ", ".join(f"{t} (nodes {', '.join(ids)})" for t, ids in sorted(missing.items()))
        super().__init__(
            f"the server lacks these node types: {names}; install them (or bypass the "
            "nodes) and import again"
        )


@dataclass(frozen=True)
class SavedTemplate:
    id: str
    template_path: Path
    workflow_path: Path


# --- reading --------------------------------------------------------------------------------


def read_import_source(path: Path) -> WorkflowFile:
    """The workflow in ``path`` (JSON, PNG, WebP, MP4/MOV); WorkflowImportError if none."""
    try:
        if path.suffix.lower() in VIDEO_SUFFIXES:
            return _from_video(path)
        return read_workflow_file(path)
    except WorkflowFileError as exc:
        raise WorkflowImportError(str(exc)) from exc


def _from_video(path: Path) -> WorkflowFile:
    try:
        tags = read_mp4_tags(path)
    except FileNotFoundError:
        raise WorkflowImportError(f"{path} does not exist") from None
    except (OSError, Mp4TagError) as exc:
        raise WorkflowImportError(f"{path.name}: {exc}") from exc
    found: dict[str, Any] = {}
    for key, text in tags.items():
        value = _json_or_none(text)
        if key in ("prompt", "workflow") and value is not None:
            found.setdefault(key, value)
        elif key == "comment" and isinstance(value, Mapping):
            # VideoHelperSuite puts {"prompt": ..., "workflow": ...} in the comment
            for inner in ("prompt", "workflow"):
                if inner in value:
                    inner_value = value[inner]
                    if isinstance(inner_value, str):
                        inner_value = _json_or_none(inner_value)
                    if inner_value is not None:
                        found.setdefault(inner, inner_value)
    for key in ("prompt", "workflow"):
        if key in found:
            try:
                result = classify(path, found[key])
            except WorkflowFileError:
                continue
            ui = found.get("workflow")
            return dataclasses.replace(result, ui=ui if isinstance(ui, dict) else None)
    raise WorkflowImportError(
        f"{path.name} carries no ComfyUI workflow (no 'prompt' or 'workflow' tag; "
        f"tags found: {', '.join(sorted(tags)) or 'none'})"
    )


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def prompt_of(
    workflow: WorkflowFile, object_info: ObjectInfo | Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """The API prompt of ``workflow``: as it is, or converted from the editor's format."""
    if workflow.kind == "api":
        return workflow.data
    if object_info is None:
        raise WorkflowImportError(
            f"{workflow.path.name} is an editor workflow: the server's object_info is needed "
            "to convert it (give --object-info FILE or --node URL)"
        )
    try:
        result = convert_workflow(workflow.data, object_info, dynamic_prompts=None)
    except ConversionError as exc:
        raise WorkflowImportError(f"{workflow.path.name}: {exc}") from exc
    if result.missing:
        raise MissingNodeTypesError(result.missing)
    return result.prompt


def draft_from_workflow(
    workflow: WorkflowFile,
    name: str,
    object_info: ObjectInfo | Mapping[str, Any] | None = None,
    modules: Mapping[str, str] | None = None,
) -> TemplateDraft:
    return draft_from_prompt(prompt_of(workflow, object_info), name, object_info, modules)


# --- saving ---------------------------------------------------------------------------------


def save_draft(
    draft: TemplateDraft, folder: Path, *, on_conflict: Literal["rename", "error"] = "rename"
) -> SavedTemplate:
    """Write ``draft`` into ``folder`` as ``<id>.yaml`` and ``<id>.api.json``.

    An id a template in ``folder`` already uses is never overwritten: it becomes
    ``<id>_2``, ``<id>_3``... or, with ``on_conflict="error"``, a WorkflowImportError.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkflowImportError(f"cannot create {folder}: {exc}") from exc
    used = _ids_in(folder)
    template_id = draft.id
    if template_id in used or _files_exist(folder, template_id):
        if on_conflict == "error":
            raise WorkflowImportError(f"a template with the id {template_id!r} exists in {folder}")
        n = 2
        while f"{draft.id}_{n}" in used or _files_exist(folder, f"{draft.id}_{n}"):
            n += 1
        template_id = f"{draft.id}_{n}"
    draft = dataclasses.replace(draft, id=template_id)
    try:
        draft.to_template()
    except TemplateInvalid as exc:
        raise WorkflowImportError(f"the draft is not a valid template: {exc}") from exc
    workflow_path = folder / f"{template_id}.api.json"
    template_path = folder / f"{template_id}.yaml"
    data = draft._template_data(workflow_path.name)
    header = f"# {draft.name}: imported by Director's Console\n"
    text = header + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )
    claimed: list[Path] = []
    try:
        for path in (workflow_path, template_path):
            _claim(path)  # fails if someone made the file meanwhile: never overwrite
            claimed.append(path)
        atomic_write_text(
            workflow_path, json.dumps(draft.workflow, indent=2, ensure_ascii=False) + "\n"
        )
        atomic_write_text(template_path, text)
    except (OSError, StorageError) as exc:
        for path in claimed:
            path.unlink(missing_ok=True)
        raise WorkflowImportError(f"cannot write the template into {folder}: {exc}") from exc
    return SavedTemplate(template_id, template_path, workflow_path)


def _claim(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.close(fd)


def _files_exist(folder: Path, template_id: str) -> bool:
    names = [f"{template_id}{s}" for s in (*TEMPLATE_SUFFIXES, ".api.json")]
    return any((folder / n).exists() for n in names)


def _ids_in(folder: Path) -> set[str]:
    """Ids of the template files in ``folder`` (read leniently: only the id matters)."""
    ids: set[str] = set()
    for path in folder.iterdir():
        if not path.name.lower().endswith(TEMPLATE_SUFFIXES) or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            ids.add(data["id"])
    return ids
