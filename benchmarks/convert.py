"""Editor-to-API workflow conversion speed over the official ComfyUI workflow templates.

Every ``*.json`` of the ``comfyui-workflow-templates-json`` package (installed in the
venv) is read and classified; each workflow is converted to an API prompt with the
recorded ``object_info`` (``fixtures/comfyui/object_info.json`` in ../shared, parsed
once, as the program keeps it per node) by :func:`prompt_of`, which refuses workflows
that use node types the server lacks. Only the conversion is timed (reading and JSON
parsing are not); ``--drafts`` also times making a template draft of each converted
prompt (parameter detection), as the import dialog does.

    .venv/bin/python benchmarks/convert.py [--object-info FILE] [--repeat N] [--drafts]

Reported: files, workflows, converted, missing-node refusals, other errors, total
conversion time (each attempt timed alone; the pass with the median total is shown), and
conversions per second: successful conversions over the time they took, and every attempt
(refusals included) over the total.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.comfy.workflow_file import WorkflowFile, WorkflowFileError, classify
from directors_console.core.templates.importer import (
    MissingNodeTypesError,
    WorkflowImportError,
    draft_from_prompt,
    prompt_of,
)
from directors_console.core.templates.inspector import python_modules

SHARED_OBJECT_INFO = (
    Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "comfyui" / "object_info.json"
)


def corpus() -> list[Path]:
    try:
        import comfyui_workflow_templates_json as package
    except ImportError:
        sys.exit("install comfyui-workflow-templates-json in the venv first")
    return sorted((Path(package.__file__).parent / "templates").glob("*.json"))


def read(files: list[Path]) -> tuple[list[WorkflowFile], int]:
    workflows: list[WorkflowFile] = []
    skipped = 0
    for path in files:
        try:
            workflows.append(classify(path, json.loads(path.read_text(encoding="utf-8"))))
        except (WorkflowFileError, ValueError):
            skipped += 1  # index.json and other non-workflow files
    return workflows, skipped


def run(
    workflows: list[WorkflowFile], info: ObjectInfo
) -> tuple[float, float, dict[str, int], list[dict[str, Any]]]:
    """(time of all attempts, time of the successful ones, counts, prompts)."""
    counts = {"converted": 0, "missing": 0, "errors": 0}
    prompts: list[dict[str, Any]] = []
    total = ok_time = 0.0
    for workflow in workflows:
        start = time.perf_counter()
        try:
            prompt = prompt_of(workflow, info)
        except MissingNodeTypesError:
            counts["missing"] += 1
        except WorkflowImportError:
            counts["errors"] += 1
        else:
            ok_time += time.perf_counter() - start
            counts["converted"] += 1
            prompts.append(prompt)
        total += time.perf_counter() - start
    return total, ok_time, counts, prompts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--object-info", type=Path, default=SHARED_OBJECT_INFO)
    parser.add_argument("--repeat", type=int, default=3, help="passes; the median is reported")
    parser.add_argument("--drafts", action="store_true", help="also time template drafts")
    args = parser.parse_args()

    raw = json.loads(args.object_info.read_text(encoding="utf-8"))
    info = ObjectInfo.parse(raw)
    files = corpus()
    workflows, skipped = read(files)
    editor = sum(1 for w in workflows if w.kind == "ui")

    passes = [run(workflows, info) for _ in range(max(1, args.repeat))]
    total, ok_time, counts, prompts = sorted(passes, key=lambda p: p[0])[len(passes) // 2]
    attempts = len(workflows)

    print(f"corpus:              {len(files)} files ({skipped} not workflows)")
    print(f"workflows:           {attempts} ({editor} editor format, {attempts - editor} API)")
    print(f"converted:           {counts['converted']}")
    print(f"missing node types:  {counts['missing']}")
    print(f"other errors:        {counts['errors']}")
    converted = counts["converted"]
    print(f"conversion time:     {total * 1000:.1f} ms, all attempts (median of {len(passes)})")
    print(f"  of which succeeded {ok_time * 1000:.1f} ms")
    print(f"conversions/s:       {converted / ok_time:.0f} (successful conversions only)")
    print(f"attempts/s:          {attempts / total:.0f} (every workflow, refusals included)")
    print(f"per conversion:      {ok_time / converted * 1000:.2f} ms")

    if args.drafts:
        modules = python_modules(raw)
        start = time.perf_counter()
        made = 0
        for i, prompt in enumerate(prompts):
            try:
                draft_from_prompt(prompt, f"template {i}", info, modules)
                made += 1
            except WorkflowImportError:
                pass
        elapsed = time.perf_counter() - start
        print(f"drafts:              {made} in {elapsed * 1000:.1f} ms ({made / elapsed:.0f}/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
