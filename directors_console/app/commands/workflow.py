"""``directors-console workflow``: convert and inspect ComfyUI workflows without the window.

``convert`` turns an editor workflow (JSON, or a PNG/WebP carrying one) into the API
prompt the editor would queue, using a server's ``object_info`` (a saved file, a server
address, or the first configured render node). Exit codes: 0 converted, 1 converted but
the server lacks node types (named on stderr), 2 unreadable input.

``inspect`` says what a workflow uses: node classes, model files, outputs, samplers and
the images it loads. It reads API prompts, editor workflows and PNG/WebP files; editor
workflows are read as saved, or exactly as sent when an ``object_info`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from directors_console.app.commands.context import CommandContext
from directors_console.core.comfy.client import ComfyClient
from directors_console.core.comfy.converter import (
    ConversionError,
    ConversionResult,
    convert_workflow,
)
from directors_console.core.comfy.errors import ComfyError
from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.comfy.workflow_file import (
    WorkflowFile,
    WorkflowFileError,
    read_workflow_file,
)
from directors_console.core.farm.requirements import is_model_file, requirements_of
from directors_console.core.storage import StorageError, atomic_write_text

EXIT_OK, EXIT_MISSING, EXIT_UNREADABLE = 0, 1, 2
OBJECT_INFO_TIMEOUT = 30.0
FRONTEND_ONLY = frozenset({"Reroute", "PrimitiveNode", "Note", "MarkdownNote"})
LOADERS_OF_FILES = {  # class -> the input naming the file it loads
    "LoadImage": "image",
    "LoadImageMask": "image",
    "LoadImageOutput": "image",
    "LoadVideo": "file",
    "LoadAudio": "audio",
}
SAMPLER_SETTINGS = ("seed", "noise_seed", "steps", "cfg", "sampler_name", "scheduler", "denoise")


class CommandError(Exception):
    """Input the command cannot use; the message goes to stderr, the exit code is 2."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("workflow", help="convert and inspect ComfyUI workflows")
    wsub = parser.add_subparsers(dest="workflow_command", metavar="ACTION", required=True)

    convert = wsub.add_parser(
        "convert",
        help="print the API prompt of an editor workflow",
        description="Convert an editor workflow (JSON, or a PNG/WebP carrying one) into the "
        "API prompt ComfyUI's editor would queue. Missing node types go to stderr.",
    )
    convert.add_argument("workflow", type=Path, help="UI workflow JSON, PNG or WebP")
    _add_object_info_options(convert)
    convert.add_argument("--out", type=Path, help="write the prompt here instead of stdout")
    convert.add_argument(
        "--keep-dynamic-prompts",
        action="store_true",
        help="leave {a|b} choices in prompt texts (the editor picks one at random)",
    )
    convert.set_defaults(run=_convert)

    inspect = wsub.add_parser(
        "inspect",
        help="list what a workflow uses",
        description="List the node classes, model files, outputs, samplers and loaded "
        "images of a workflow (API JSON, UI JSON, PNG or WebP).",
    )
    inspect.add_argument("workflow", type=Path, help="workflow JSON, PNG or WebP")
    _add_object_info_options(inspect)
    inspect.add_argument("--json", action="store_true", help="print JSON instead of text")
    inspect.set_defaults(run=_inspect)


def _add_object_info_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--object-info", type=Path, metavar="FILE", help="a saved /object_info")
    source.add_argument("--node", metavar="URL", help="a ComfyUI server (or render node name)")


# --- convert --------------------------------------------------------------------------------


def _convert(args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        workflow = _read(args.workflow)
        if workflow.kind == "api":
            print(f"{args.workflow.name} is an API prompt already", file=sys.stderr)
            _emit(workflow.data, args.out)
            return EXIT_OK
        info = _object_info(args, ctx, required=True)
        assert info is not None
        dynamic = None if args.keep_dynamic_prompts else random.random
        result = convert_workflow(workflow.data, info, dynamic_prompts=dynamic)
        _emit(result.prompt, args.out)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except ConversionError as exc:
        print(f"error: {args.workflow.name}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    _report(result)
    return EXIT_MISSING if result.missing else EXIT_OK


def _report(result: ConversionResult) -> None:
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for class_type, ids in sorted(result.missing.items()):
        print(f"missing node type {class_type} (nodes {', '.join(ids)})", file=sys.stderr)
    if result.missing:
        print(
            "the server lacks these node types: install them (or bypass the nodes) first",
            file=sys.stderr,
        )


def _emit(prompt: Mapping[str, Any], out: Path | None) -> None:
    text = json.dumps(prompt, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        atomic_write_text(out, text)
    except StorageError as exc:
        raise CommandError(str(exc)) from exc


# --- inspect --------------------------------------------------------------------------------


@dataclass
class Summary:
    """What a workflow uses, for people (``lines``) and scripts (``as_json``)."""

    kind: str
    nodes: int = 0
    class_types: Counter[str] = field(default_factory=Counter)
    models: list[dict[str, str]] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)
    samplers: list[dict[str, Any]] = field(default_factory=list)
    loaded_files: list[dict[str, str]] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "nodes": self.nodes,
            "class_types": dict(sorted(self.class_types.items())),
            "models": self.models,
            "outputs": self.outputs,
            "samplers": self.samplers,
            "loaded_files": self.loaded_files,
            "missing": self.missing,
            "notes": self.notes,
        }

    def lines(self) -> Iterator[str]:
        yield f"{self.kind}, {self.nodes} nodes"
        yield "node classes:"
        for name, count in sorted(self.class_types.items()):
            yield f"  {name}" + (f" x{count}" if count > 1 else "")
        yield "model files:" + ("" if self.models else " none")
        for m in self.models:
            yield f"  {m['file']}  ({m['class_type']}.{m['input']})"
        yield "outputs:" + ("" if self.outputs else " none")
        for o in self.outputs:
            yield f"  {o['id']}  {o['class_type']}"
        yield "samplers:" + ("" if self.samplers else " none")
        for s in self.samplers:
            settings = ", ".join(f"{k}={v}" for k, v in s["settings"].items())
            yield f"  {s['id']}  {s['class_type']}" + (f"  {settings}" if settings else "")
        yield "loaded files:" + ("" if self.loaded_files else " none")
        for f in self.loaded_files:
            yield f"  {f['id']}  {f['class_type']}: {f['file']}"
        for class_type, ids in sorted(self.missing.items()):
            yield f"missing on the server: {class_type} (nodes {', '.join(ids)})"
        for note in self.notes:
            yield f"note: {note}"


def _inspect(args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        workflow = _read(args.workflow)
        info = _object_info(args, ctx, required=False)
        summary = summarize(workflow, info)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except ConversionError as exc:
        print(f"error: {args.workflow.name}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.json:
        print(json.dumps(summary.as_json(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(summary.lines()))
    return EXIT_OK


def summarize(workflow: WorkflowFile, info: ObjectInfo | None) -> Summary:
    source = workflow.path.suffix.lower().lstrip(".")
    where = f" (in a {source.upper()} file)" if source in ("png", "webp") else ""
    if workflow.kind == "api":
        return _summarize_prompt(workflow.data, info, f"API prompt{where}")
    if info is not None:
        result = convert_workflow(workflow.data, info, dynamic_prompts=None)
        summary = _summarize_prompt(result.prompt, info, f"editor workflow{where}, as sent")
        summary.missing = result.missing
        return summary
    return _summarize_ui(workflow.data, f"editor workflow{where}, as saved")


def _summarize_prompt(prompt: Mapping[str, Any], info: ObjectInfo | None, kind: str) -> Summary:
    summary = Summary(kind)
    for node_id, node in prompt.items():
        if not isinstance(node, Mapping):
            continue
        class_type = node.get("class_type")
        inputs = node.get("inputs")
        if not isinstance(class_type, str):
            continue
        summary.nodes += 1
        summary.class_types[class_type] += 1
        _describe_node(summary, str(node_id), class_type, inputs, info)
    summary.models = [
        {"file": m.file, "class_type": m.class_type, "input": m.input_name}
        for m in sorted(requirements_of(prompt).models)
    ]
    if info is None:
        summary.notes.append("outputs are guessed from class names; give --object-info")
    return summary


def _describe_node(
    summary: Summary, node_id: str, class_type: str, inputs: object, info: ObjectInfo | None
) -> None:
    values = inputs if isinstance(inputs, Mapping) else {}
    node_class = info.get(class_type) if info is not None else None
    if node_class.output_node if node_class is not None else _looks_like_output(class_type):
        summary.outputs.append({"id": node_id, "class_type": class_type})
    if _looks_like_sampler(class_type):
        settings = {k: values[k] for k in SAMPLER_SETTINGS if _is_plain(values.get(k))}
        summary.samplers.append({"id": node_id, "class_type": class_type, "settings": settings})
    file_input = LOADERS_OF_FILES.get(class_type)
    if file_input is not None and isinstance(values.get(file_input), str):
        summary.loaded_files.append(
            {"id": node_id, "class_type": class_type, "file": values[file_input]}
        )


def _summarize_ui(ui: Mapping[str, Any], kind: str) -> Summary:
    """A saved editor workflow read as it is: widget values by position, no server."""
    summary = Summary(kind)
    summary.notes.append(
        "read without a server: give --object-info or --node to see the prompt as sent"
    )
    model_files: set[tuple[str, str]] = set()
    for node_id, node in _ui_nodes(ui):
        node_type = node.get("type")
        if not isinstance(node_type, str) or node_type in FRONTEND_ONLY:
            continue
        if node.get("mode") in (2, 4):
            continue
        summary.nodes += 1
        summary.class_types[node_type] += 1
        values = node.get("widgets_values")
        listed = list(values.values()) if isinstance(values, Mapping) else values
        listed = listed if isinstance(listed, list) else []
        for value in listed:
            if isinstance(value, str) and is_model_file(value):
                model_files.add((value, node_type))
        named: dict[str, Any] = {}
        if node_type in LOADERS_OF_FILES and listed:
            named[LOADERS_OF_FILES[node_type]] = listed[0]
        if _looks_like_sampler(node_type) and isinstance(values, Mapping):
            named.update(values)
        _describe_node(summary, node_id, node_type, named, None)
    summary.models = [
        {"file": file, "class_type": class_type, "input": "?"}
        for file, class_type in sorted(model_files)
    ]
    return summary


def _ui_nodes(ui: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    subgraph_ids: set[str] = set()
    graphs: list[tuple[str, Any]] = [("", ui.get("nodes"))]
    definitions = ui.get("definitions")
    if isinstance(definitions, Mapping) and isinstance(definitions.get("subgraphs"), list):
        for sub in definitions["subgraphs"]:
            if isinstance(sub, Mapping):
                subgraph_ids.add(str(sub.get("id")))
                graphs.append((f"{sub.get('name') or sub.get('id')}/", sub.get("nodes")))
    for prefix, nodes in graphs:
        for node in nodes if isinstance(nodes, list) else ():
            if isinstance(node, Mapping) and str(node.get("type")) not in subgraph_ids:
                yield f"{prefix}{node.get('id')}", node


def _looks_like_output(class_type: str) -> bool:
    return class_type.startswith(("Save", "Preview"))


def _looks_like_sampler(class_type: str) -> bool:
    return "Sampler" in class_type and not class_type.endswith("Select")


def _is_plain(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


# --- shared ---------------------------------------------------------------------------------


def _read(path: Path) -> WorkflowFile:
    try:
        return read_workflow_file(path)
    except WorkflowFileError as exc:
        raise CommandError(str(exc)) from exc


def _object_info(
    args: argparse.Namespace, ctx: CommandContext, *, required: bool
) -> ObjectInfo | None:
    if args.object_info is not None:
        return _object_info_file(args.object_info)
    url, headers = _server(args.node, ctx)
    if url is None:
        if required:
            raise CommandError(
                "no server to ask: give --object-info FILE or --node URL "
                "(or add a render node: directors-console farm add-node NAME URL)"
            )
        return None
    return _object_info_of(url, headers)


def _object_info_file(path: Path) -> ObjectInfo:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path.name}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path.name} is not valid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise CommandError(f"{path.name} is not an object_info (expected a JSON object)")
    return ObjectInfo.parse(raw)


def _server(node: str | None, ctx: CommandContext) -> tuple[str | None, dict[str, str]]:
    configured = [n for n in ctx.settings.settings.render_nodes if n.enabled]
    if node is None:
        first = configured[0] if configured else None
        return (first.url, dict(first.headers)) if first is not None else (None, {})
    named = next((n for n in ctx.settings.settings.render_nodes if n.name == node), None)
    if named is not None:
        return named.url, dict(named.headers)
    return node, {}


def _object_info_of(url: str, headers: dict[str, str]) -> ObjectInfo:
    async def fetch() -> dict[str, Any]:
        async with ComfyClient(url, headers=headers, use_websocket=False) as client:
            return await asyncio.wait_for(client.object_info(), OBJECT_INFO_TIMEOUT)

    try:
        raw = asyncio.run(fetch())
    except ValueError as exc:  # not an http(s) address
        raise CommandError(str(exc)) from exc
    except (ComfyError, TimeoutError, OSError) as exc:
        raise CommandError(f"cannot read object_info from {url}: {exc}") from exc
    return ObjectInfo.parse(raw)
