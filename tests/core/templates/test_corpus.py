"""Every official ComfyUI workflow template (the ``comfyui-workflow-templates-json`` package)
either converts against the recorded object_info and becomes a template draft, or is
refused with the missing node types named; nothing else may happen."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.comfy.workflow_file import WorkflowFileError, classify
from directors_console.core.templates.importer import (
    MissingNodeTypesError,
    draft_from_prompt,
    prompt_of,
)
from directors_console.core.templates.inspector import python_modules
from tests.conftest import FIXTURES, require_fixture


def _corpus() -> list[Path]:
    package = pytest.importorskip("comfyui_workflow_templates_json")
    folder = Path(package.__file__).parent / "templates"
    return sorted(folder.glob("*.json"))


def test_official_workflows_convert_or_name_missing_types() -> None:
    files = _corpus()
    raw: dict[str, Any] = json.loads(
        require_fixture(FIXTURES / "object_info.json").read_text(encoding="utf-8")
    )
    info = ObjectInfo.parse(raw)
    modules = python_modules(raw)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for path in files:
        try:
            workflow = classify(path, json.loads(path.read_text(encoding="utf-8")))
        except WorkflowFileError:
            counts["not a workflow"] += 1  # index.json, fuse_options.json...
            continue
        counts["workflows"] += 1
        try:
            prompt = prompt_of(workflow, info)
        except MissingNodeTypesError as exc:
            counts["missing node types"] += 1
            absent = [t for t in exc.missing if t in info]
            if absent or not all(t in str(exc) for t in exc.missing):
                failures.append(f"{path.name}: wrongly reported missing {absent}: {exc}")
            continue
        except Exception as exc:  # any other exception is the failure
            failures.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        counts["converted"] += 1
        try:
            draft = draft_from_prompt(prompt, path.stem, info, modules)
            template = draft.to_template()
            assert template.outputs
        except Exception as exc:
            failures.append(f"{path.name}: no draft: {type(exc).__name__}: {exc}")
            continue
        counts["drafts"] += 1
        counts["with samplers"] += bool(draft.inspection.samplers)
        counts["with prompts"] += bool(draft.inspection.prompts)
        counts["custom classes"] += any(
            not modules.get(c.class_type, "nodes").startswith(
                ("nodes", "comfy_extras", "comfy_api_nodes")
            )
            for c in draft.inspection.node_classes
        )
    print(f"\ncorpus of {len(files)} files: {dict(counts)}")
    assert not failures, "\n".join(failures[:20])
    assert counts["workflows"] > 500
    assert counts["drafts"] == counts["converted"] >= 100
