"""Finds and loads workflow templates from the built-in folder and the user's folder.

A template file is ``*.yaml``/``*.yml`` or ``*.template.json`` anywhere under a folder;
its ``workflow`` is inline or names a ``.json`` file beside it (plain ``.json`` files are
workflows, never templates). Files are parsed once and cached by path and modification
stamp (the template's and its workflow file's); :meth:`TemplateLoader.refresh` picks up
new, changed and removed files. A bad file becomes a :class:`TemplateError` (file, field,
reason) in :attr:`TemplateLoader.errors`; it never stops the others from loading. A user
template with the id of a built-in one replaces it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .model import Template, TemplateInvalid, TemplateIssue, parse_template

log = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template.json")

Stamp = tuple[tuple[str, int, int], ...]  # (path, mtime_ns, size) of the file and its workflow


@dataclass(frozen=True, slots=True)
class TemplateError:
    """Why one template file did not load."""

    file: Path
    field: str
    reason: str

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.file}{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class TemplateChanges:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass(slots=True)
class _Entry:
    files: tuple[Path, ...]
    stamp: Stamp
    template: Template | None
    errors: list[TemplateError] = field(default_factory=list)


def is_template_file(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and name.endswith(TEMPLATE_SUFFIXES) and not name.startswith(".")


def load_template_file(path: Path, root: Path | None = None) -> Template:
    """Read and check one template file; TemplateInvalid lists what is wrong with it."""
    root = (root or path.parent).resolve()
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise TemplateInvalid([TemplateIssue(field="", reason=f"unreadable: {exc}")]) from None
    if not isinstance(data, dict):
        raise TemplateInvalid([TemplateIssue(field="", reason="not a mapping of fields")])
    workflow = data.get("workflow")
    if isinstance(workflow, str):
        data = {**data, "workflow": _read_workflow(path, workflow, root)}
    return parse_template(data, path)


def _read_workflow(template_path: Path, name: str, root: Path) -> Any:
    target = (template_path.parent / name).resolve()
    if not target.is_relative_to(root):
        issue = TemplateIssue(field="workflow", reason=f"{name!r} is outside {root}")
        raise TemplateInvalid([issue])
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        issue = TemplateIssue(field="workflow", reason=f"cannot read {name!r}: {exc}")
        raise TemplateInvalid([issue]) from None


def _workflow_file(path: Path) -> Path | None:
    """The sibling workflow file a template names, so its changes are noticed too."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None
    workflow = data.get("workflow") if isinstance(data, dict) else None
    return path.parent / workflow if isinstance(workflow, str) else None


def _stamp(files: tuple[Path, ...]) -> Stamp:
    out = []
    for p in files:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), -1, -1))
    return tuple(out)


class TemplateLoader:
    """All templates of the built-in folder and (optionally) the user's folder."""

    def __init__(self, builtin_dir: Path, user_dir: Path | None = None) -> None:
        self.builtin_dir = builtin_dir
        self.user_dir = user_dir
        self._cache: dict[Path, _Entry] = {}
        self._templates: dict[str, Template] = {}
        self._errors: list[TemplateError] = []
        self._loaded = False

    @property
    def templates(self) -> dict[str, Template]:
        """Templates by id (loads on first use)."""
        if not self._loaded:
            self.refresh()
        return dict(self._templates)

    @property
    def errors(self) -> list[TemplateError]:
        if not self._loaded:
            self.refresh()
        return list(self._errors)

    def get(self, template_id: str) -> Template | None:
        return self.templates.get(template_id)

    def __iter__(self) -> Iterator[Template]:
        return iter(sorted(self.templates.values(), key=lambda t: (t.category, t.name)))

    def load_all(self) -> dict[str, Template]:
        """Forget the cache and read every file again."""
        self._cache.clear()
        self.refresh()
        return dict(self._templates)

    def refresh(self) -> TemplateChanges:
        """Re-read new and changed files, drop removed ones; say which ids changed."""
        before = dict(self._templates)
        seen: set[Path] = set()
        templates: dict[str, Template] = {}
        errors: list[TemplateError] = []
        for folder in (self.builtin_dir, self.user_dir):
            if folder is None or not folder.is_dir():
                continue
            in_folder: dict[str, Path] = {}
            for path in sorted(p for p in folder.rglob("*") if is_template_file(p)):
                seen.add(path)
                entry = self._entry(path, folder)
                errors.extend(entry.errors)
                t = entry.template
                if t is None:
                    continue
                if t.id in in_folder:
                    reason = f"id {t.id!r} is already used by {in_folder[t.id]}"
                    errors.append(TemplateError(path, "id", reason))
                    continue
                in_folder[t.id] = path
                if t.id in templates:
                    log.info("template %s: %s replaces the built-in one", t.id, path)
                templates[t.id] = t
        for gone in set(self._cache) - seen:
            del self._cache[gone]
        self._templates, self._errors, self._loaded = templates, errors, True
        for err in errors:
            log.warning("template not loaded: %s", err)
        return TemplateChanges(
            added=tuple(sorted(templates.keys() - before.keys())),
            changed=tuple(
                sorted(k for k in templates.keys() & before.keys() if templates[k] is not before[k])
            ),
            removed=tuple(sorted(before.keys() - templates.keys())),
        )

    def _entry(self, path: Path, root: Path) -> _Entry:
        cached = self._cache.get(path)
        if cached is not None and _stamp(cached.files) == cached.stamp:
            return cached
        workflow = _workflow_file(path)
        files = (path,) if workflow is None else (path, workflow)
        stamp = _stamp(files)
        try:
            entry = _Entry(files, stamp, load_template_file(path, root))
        except TemplateInvalid as exc:
            errors = [TemplateError(path, i.field, i.reason) for i in exc.issues]
            entry = _Entry(files, stamp, None, errors)
        self._cache[path] = entry
        return entry
