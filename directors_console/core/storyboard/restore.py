"""Restore a panel's workflow (template, parameters, angle, LoRAs, prompt) from a render.

A still we rendered carries our shot metadata (``directors_console`` chunk: template id,
parameter values, angle, LoRAs, prompt); any ComfyUI image carries the API ``prompt``;
videos carry the same as MP4 tags. :func:`restore_workflow` reads the file and
:func:`restore_from` turns what it found into a :class:`RestoredWorkflow`, matched against
the loaded templates: our metadata wins, the ComfyUI prompt fills what it lacks (or all
of it, for files made elsewhere: the template whose nodes match best). Nothing usable is
a :class:`RestoreError` whose message says why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from directors_console.core.comfy.mp4meta import read_mp4_tags
from directors_console.core.comfy.pngmeta import read_image_metadata
from directors_console.core.comfy.shotmeta import SHOT_KEY, MetadataError
from directors_console.core.storyboard.naming import VIDEO_EXTENSIONS
from directors_console.core.templates.angles import AngleLibrary
from directors_console.core.templates.model import InputRef, ParamType, Template

#: Below this share of a template's nodes found in a prompt, it is not that template.
MATCH_THRESHOLD = 0.75
LORA_CLASSES = frozenset({"LoraLoader", "LoraLoaderModelOnly"})
_SKIPPED = (ParamType.PROMPT, ParamType.IMAGE)  # the sidebar has no field for these


class RestoreError(ValueError):
    """Nothing can be restored from the file; ``str()`` is for the user."""


@dataclass(frozen=True)
class Embedded:
    """The raw metadata a file carries: our shot document and ComfyUI's API prompt."""

    shot: Mapping[str, Any] | None
    prompt: Mapping[str, Any] | None


@dataclass(frozen=True)
class RestoredWorkflow:
    template_id: str
    values: dict[str, Any]
    prompt: str = ""
    negative: str = ""
    angle: str = ""  # an angle id of the library, or "" for none
    loras: tuple[tuple[str, float], ...] = ()
    source: str = "shot metadata"  # or "ComfyUI prompt"
    warnings: tuple[str, ...] = ()


def read_embedded(path: Path) -> Embedded:
    """Our shot metadata and the ComfyUI prompt of a PNG/WebP/MP4 (blocking: use a thread)."""
    if path.suffix.lower() in VIDEO_EXTENSIONS:
        return _read_video(path)
    try:
        meta = read_image_metadata(path)
    except MetadataError as exc:
        raise RestoreError(f"{path.name}: {exc}") from None
    shot = meta.shot.model_dump(mode="json") if meta.shot is not None else None
    return Embedded(shot, meta.prompt)


def _read_video(path: Path) -> Embedded:
    problems: list[str] = []
    try:
        with path.open("rb") as fh:
            tags = read_mp4_tags(fh, problems)
    except OSError as exc:
        raise RestoreError(f"{path.name}: cannot read: {exc.strerror or exc}") from None
    if not tags and problems:
        raise RestoreError(f"{path.name}: {'; '.join(problems)}")
    return Embedded(_json_tag(tags.get(SHOT_KEY)), _json_tag(tags.get("prompt")))


def _json_tag(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def restore_workflow(
    path: Path, templates: Sequence[Template], angles: AngleLibrary | None = None
) -> RestoredWorkflow:
    """Read ``path`` and restore its workflow; RestoreError with the reason if impossible."""
    embedded = read_embedded(path)
    try:
        return restore_from(embedded, templates, angles)
    except RestoreError as exc:
        raise RestoreError(f"{path.name}: {exc}") from None


def restore_from(
    embedded: Embedded, templates: Sequence[Template], angles: AngleLibrary | None = None
) -> RestoredWorkflow:
    shot = dict(embedded.shot or {})
    prompt = _api_prompt(embedded.prompt)
    if not shot and prompt is None:
        raise RestoreError("it carries no workflow metadata (no shot metadata, no ComfyUI prompt)")
    warnings: list[str] = []
    by_id = {t.id: t for t in templates}
    wanted = str(shot.get("template") or "")
    template = by_id.get(wanted)
    if template is None and wanted:
        warnings.append(f"template {wanted!r} is not loaded; matched by its nodes instead")
    if template is None and prompt is not None:
        template = best_template(prompt, templates)
    if template is None:
        if prompt is None:
            raise RestoreError(f"its template {wanted!r} is not loaded and it has no prompt")
        raise RestoreError("its workflow matches none of the loaded templates")
    source = "shot metadata" if template.id == wanted else "ComfyUI prompt"
    values = _values(template, shot, prompt)
    angle = _angle(shot, prompt, template, angles)
    positive, negative = _prompts(template, shot, prompt, angle, angles)
    loras = _loras(shot, prompt, template)
    return RestoredWorkflow(
        template.id, values, positive, negative, angle, loras, source, tuple(warnings)
    )


def _api_prompt(raw: Mapping[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    """The API prompt's nodes (``{id: {class_type, inputs}}``), or None if it is not one."""
    if not raw:
        return None
    nodes = {
        str(k): dict(v)
        for k, v in raw.items()
        if isinstance(v, Mapping) and isinstance(v.get("inputs"), Mapping) and "class_type" in v
    }
    return nodes or None


def match_score(prompt: Mapping[str, Mapping[str, Any]], template: Template) -> float:
    """Share of the template's nodes present in ``prompt`` with the same class (0..1)."""
    nodes = template.workflow
    same = sum(
        1
        for node_id, node in nodes.items()
        if prompt.get(node_id, {}).get("class_type") == node.get("class_type")
    )
    return same / len(nodes)


def same_inputs(prompt: Mapping[str, Mapping[str, Any]], template: Template) -> int:
    """How many of the template's literal inputs ``prompt`` has with the very same value
    (tells apart templates of one graph shape, e.g. SD 1.5 and SDXL by their checkpoints)."""
    count = 0
    for node_id, node in template.workflow.items():
        theirs = prompt.get(node_id, {}).get("inputs", {})
        for name, value in node.get("inputs", {}).items():
            if not isinstance(value, list) and theirs.get(name) == value:
                count += 1
    return count


def best_template(
    prompt: Mapping[str, Mapping[str, Any]], templates: Sequence[Template]
) -> Template | None:
    """The loaded template whose nodes ``prompt`` matches best (then: most equal inputs)."""
    scored = [(match_score(prompt, t), same_inputs(prompt, t), t.id, t) for t in templates]
    scored = [s for s in scored if s[0] >= MATCH_THRESHOLD]
    if not scored:
        return None
    return max(scored, key=lambda s: (s[0], s[1], s[2]))[3]


def _input(prompt: Mapping[str, Mapping[str, Any]] | None, ref: InputRef) -> Any:
    if prompt is None:
        return None
    value = prompt.get(ref.node, {}).get("inputs", {}).get(ref.input)
    return None if isinstance(value, list) else value  # a list is a link to another node


def _values(
    template: Template, shot: Mapping[str, Any], prompt: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, Any]:
    stored = shot.get("parameters")
    stored = stored if isinstance(stored, Mapping) else {}
    values: dict[str, Any] = {}
    for param in template.parameters:
        if param.type in _SKIPPED:
            continue
        if param.type == ParamType.SEED and isinstance(shot.get("seed"), int):
            values[param.name] = shot["seed"]  # the seed this very render used
        elif param.name in stored:
            values[param.name] = stored[param.name]
        elif (value := _input(prompt, param.targets[0])) is not None:
            values[param.name] = value
    return values


def _angle(
    shot: Mapping[str, Any],
    prompt: Mapping[str, Mapping[str, Any]] | None,
    template: Template,
    angles: AngleLibrary | None,
) -> str:
    if angles is None:
        return ""
    wanted = shot.get("angle")
    if isinstance(wanted, str) and wanted in angles:
        return wanted
    if "angle" in shot:
        return ""  # rendered without an angle, or one this library lacks
    text = _target_text(prompt, template.prompts.positive)
    for angle in angles:
        if text.endswith(angle.prompt):
            return angle.id
    return ""


def _target_text(prompt: Mapping[str, Mapping[str, Any]] | None, refs: Sequence[InputRef]) -> str:
    value = _input(prompt, refs[0]) if refs else None
    return value if isinstance(value, str) else ""


def _prompts(
    template: Template,
    shot: Mapping[str, Any],
    prompt: Mapping[str, Mapping[str, Any]] | None,
    angle: str,
    angles: AngleLibrary | None,
) -> tuple[str, str]:
    positive = shot.get("prompt")
    negative = shot.get("negative")
    if not isinstance(positive, str):
        positive = _target_text(prompt, template.prompts.positive)
        suffix = angles[angle].prompt if angle and angles is not None else ""
        if suffix and positive.endswith(suffix):
            positive = positive[: -len(suffix)].rstrip(", ")
    if not isinstance(negative, str):
        negative = _target_text(prompt, template.prompts.negative)
    return positive, negative


def _loras(
    shot: Mapping[str, Any], prompt: Mapping[str, Mapping[str, Any]] | None, template: Template
) -> tuple[tuple[str, float], ...]:
    stored = shot.get("loras")
    if isinstance(stored, list):
        out = []
        for item in stored:
            if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str):
                out.append((item[0], float(item[1])))
        return tuple(out)
    if prompt is None or not template.lora_slots:
        return ()
    found: list[tuple[str, float]] = []
    for node_id, node in sorted(prompt.items(), key=lambda kv: _numeric(kv[0])):
        if node_id in template.workflow or node.get("class_type") not in LORA_CLASSES:
            continue
        inputs = node.get("inputs", {})
        name, strength = inputs.get("lora_name"), inputs.get("strength_model", 1.0)
        if isinstance(name, str) and isinstance(strength, int | float):
            found.append((name, float(strength)))
    return tuple(found)


def _numeric(node_id: str) -> tuple[int, str]:
    return (int(node_id), "") if node_id.isdigit() else (1 << 62, node_id)
