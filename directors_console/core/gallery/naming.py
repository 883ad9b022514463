"""New names for batch renames: templates, regex find/replace, and a checked preview.

A template uses ``str.format`` fields: ``{name}`` (old name without extension),
``{n}`` / ``{n:03}`` (counter), ``{date}`` / ``{date:%Y%m%d}`` (file time),
``{rating}``, ``{seed}``, ``{prompt}`` / ``{prompt:20}`` (first 20 characters of the
positive prompt, made safe for a file name) and ``{ext}`` (extension without the
dot). A template without ``{ext}`` keeps the old extension.

:func:`check_plan` marks every planned rename that would be unsafe: an invalid name,
two files getting the same name (also when the names differ only in case, which
clashes on Windows/macOS shares), or a name that already exists and is not itself
renamed away by the same batch (renumbering v001..v009 to v002..v010 is fine). Nothing is renamed
here; :mod:`.fileops` carries a clean plan out.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

Info = Callable[[str], Mapping[str, Any]]
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]')
_SLUG = re.compile(r"[^\w\-]+", re.UNICODE)
_MAX_NAME_BYTES = 255
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}  # fmt: skip


class TemplateError(ValueError):
    """The template or pattern cannot be used; ``str()`` says why."""


@dataclass(frozen=True)
class PlannedMove:
    """One file's old and new project-relative path; ``problem`` blocks the batch."""

    old: str
    new: str
    problem: str | None = None


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text


class _NameFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, datetime):
            return value.strftime(format_spec or "%Y-%m-%d")
        if isinstance(value, _Text):
            if format_spec.isdigit():
                return value.text[: int(format_spec)].rstrip("_")
            return format(value.text, format_spec)
        if value is None:
            return ""
        return str(super().format_field(value, format_spec))


def slug(text: str) -> str:
    return _SLUG.sub("_", text).strip("_")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file name, or None."""
    if not name or name in (".", ".."):
        return "the new name is empty"
    if _UNSAFE.search(name):
        return 'the new name has characters that are not allowed (/ \\ : * ? " < > |)'
    if name != name.strip() or name.endswith("."):
        return "the new name starts or ends with a space or ends with a dot"
    if name.split(".")[0].upper() in _RESERVED:
        return f"{name} is a reserved name on Windows"
    if len(name.encode("utf-8", "surrogateescape")) > _MAX_NAME_BYTES:
        return "the new name is too long"
    return None


def render_template(template: str, rel: str, n: int, mtime: float, info: Mapping[str, Any]) -> str:
    """The new file name (not path) for ``rel`` under ``template``."""
    name = rel.rpartition("/")[2]
    stem, ext = _split(name)
    fields = {
        "name": stem,
        "n": n,
        "date": datetime.fromtimestamp(mtime),
        "rating": info.get("rating", 0),
        "seed": info.get("seed"),
        "prompt": _Text(slug(str(info.get("positive") or ""))),
        "ext": ext.lstrip("."),
    }
    try:
        out = _NameFormatter().vformat(template, (), fields)
    except KeyError as exc:
        raise TemplateError(f"unknown token {{{exc.args[0]}}}; use {', '.join(fields)}") from exc
    except (ValueError, IndexError, TypeError) as exc:
        raise TemplateError(f"the template is not valid: {exc}") from exc
    if "{ext" not in template and ext:
        out += ext
    return out


def plan_template(
    rels: Sequence[str],
    template: str,
    *,
    mtime: Callable[[str], float],
    info: Info,
    start: int = 1,
) -> list[PlannedMove]:
    needs_info = any(t in template for t in ("{seed", "{prompt", "{rating"))
    out = []
    for i, rel in enumerate(rels):
        data = info(rel) if needs_info else {}
        new_name = render_template(template, rel, start + i, mtime(rel), data)
        out.append(PlannedMove(rel, _sibling(rel, new_name)))
    return out


def plan_regex(
    rels: Sequence[str], pattern: str, replacement: str, *, ignore_case: bool = False,
    whole_name: bool = False,
) -> list[PlannedMove]:  # fmt: skip
    """Find/replace in each name (without its extension unless ``whole_name``)."""
    try:
        regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise TemplateError(f"the pattern is not valid: {exc}") from exc
    out = []
    for rel in rels:
        name = rel.rpartition("/")[2]
        stem, ext = (name, "") if whole_name else _split(name)
        try:
            new = regex.sub(replacement, stem) + ext
        except (re.error, IndexError) as exc:
            raise TemplateError(f"the replacement is not valid: {exc}") from exc
        out.append(PlannedMove(rel, _sibling(rel, new)))
    return out


def plan_move(rels: Sequence[str], folder: str) -> list[PlannedMove]:
    folder = folder.strip("/")
    return [
        PlannedMove(rel, f"{folder}/{rel.rpartition('/')[2]}" if folder else rel.rpartition("/")[2])
        for rel in rels
    ]


def _split(name: str) -> tuple[str, str]:
    """``("a.b", ".png")`` for ``"a.b.png"``; names are strings here, not paths."""
    stem, dot, ext = name.rpartition(".")
    return (stem, dot + ext) if stem else (name, "")


def _sibling(rel: str, name: str) -> str:
    folder = rel.rpartition("/")[0]
    return f"{folder}/{name}" if folder else name


def check_plan(root: Path, plan: Sequence[PlannedMove]) -> list[PlannedMove]:
    """The plan with ``problem`` set on every unsafe entry; unchanged names are dropped."""
    plan = [p for p in plan if p.new != p.old]
    folded: dict[str, int] = {}
    for p in plan:
        key = p.new.casefold()
        folded[key] = folded.get(key, 0) + 1
    sources = {p.old for p in plan}  # names freed by this batch (see fileops: two phases)
    out = []
    for p in plan:
        problem = name_problem(p.new.rpartition("/")[2])
        if problem is None and folded[p.new.casefold()] > 1:
            problem = "another file in this batch gets the same name"
        if problem is None and p.new not in sources and os.path.lexists(root / p.new):
            same = p.old.casefold() == p.new.casefold() and _same_file(root / p.old, root / p.new)
            if not same:
                problem = "a file with this name already exists"
        out.append(replace(p, problem=problem) if problem else p)
    return out


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
