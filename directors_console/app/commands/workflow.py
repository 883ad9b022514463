"""``directors-console workflow``: convert, inspect and import ComfyUI workflows headless.

``convert`` turns an editor workflow (JSON, or a PNG/WebP carrying one) into the API
prompt the editor would queue, using a server's ``object_info`` (a saved file, a server
address, or the first configured render node). Exit codes: 0 converted, 1 converted but
the server lacks node types (named on stderr), 2 unreadable input.

``inspect`` says what a workflow uses: node classes, model files, outputs, samplers and
the images it loads. It reads API prompts, editor workflows and PNG/WebP files; editor
workflows are read as saved, or exactly as sent when an ``object_info`` is given.

``import`` makes a template of a workflow (JSON, PNG, WebP or MP4): the detected
parameters, exposed or hidden as asked, saved into the user's templates folder; it prints
the template's path. Exit codes: 0 saved, 1 the server lacks node types, 2 other problems.
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
from directors_console.core.comfy.workflow_file import WorkflowFile
from directors_console.core.farm.requirements import is_model_file
from directors_console.core.storage import StorageError, atomic_write_text
from directors_console.core.templates.importer import (
    MissingNodeTypesError,
    TemplateDraft,
    WorkflowImportError,
    draft_from_prompt,
    prompt_of,
    read_import_source,
    save_draft,
)
from directors_console.core.templates.inspector import PromptInspection, inspect_prompt

EXIT_OK, EXIT_MISSING, EXIT_UNREADABLE = 0, 1, 2
OBJECT_INFO_TIMEOUT = 30.0
FRONTEND_ONLY = frozenset({"Reroute", "PrimitiveNode", "Note", "MarkdownNote"})
RawObjectInfo = dict[str, Any]
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

    imp = wsub.add_parser(
        "import",
        help="make a template of a workflow",
        description="Detect the parameters of a workflow (API JSON, UI JSON, or a PNG, WebP "
        "or MP4 carrying one) and save it as a template (YAML + API JSON) into the user "
        "templates folder. Editor workflows need the server's object_info to convert.",
    )
    imp.add_argument("workflow", type=Path, help="workflow JSON, PNG, WebP or MP4")
    imp.add_argument("--name", required=True, help="the template's name (its id is made of it)")
    _add_object_info_options(imp)
    imp.add_argument(
        "--out-dir", type=Path, help="folder to save into (default: the user templates folder)"
    )
    imp.add_argument(
        "--expose", action="append", default=[], metavar="PARAM", help="expose a parameter"
    )
    imp.add_argument("--hide", action="append", default=[], metavar="PARAM", help="hide one")
    imp.set_defaults(run=_import)


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
    models_by_kind: dict[str, list[str]] = field(default_factory=dict)
    loras: list[dict[str, Any]] = field(default_factory=list)
    not_core: dict[str, str] = field(default_factory=dict)  # class -> custom|missing|unknown
    prompts: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "nodes": self.nodes,
            "class_types": dict(sorted(self.class_types.items())),
            "models": self.models,
            "models_by_kind": self.models_by_kind,
            "loras": self.loras,
            "not_core": self.not_core,
            "outputs": self.outputs,
            "samplers": self.samplers,
            "prompts": self.prompts,
            "loaded_files": self.loaded_files,
            "missing": self.missing,
            "notes": self.notes,
        }

    def lines(self) -> Iterator[str]:
        yield f"{self.kind}, {self.nodes} nodes"
        yield "node classes:"
        for name, count in sorted(self.class_types.items()):
            origin = self.not_core.get(name)
            yield (
                f"  {name}"
                + (f" x{count}" if count > 1 else "")
                + (f"  [{origin}]" if origin in ("custom", "missing") else "")
            )
        yield "model files:" + ("" if self.models else " none")
        for m in self.models:
            yield f"  {m['file']}  ({m['class_type']}.{m['input']})"
        for lora in self.loras:
            yield (
                f"  LoRA {lora['file']}: model {lora['strength_model']}, "
                f"clip {lora['strength_clip']}"
            )
        yield "outputs:" + ("" if self.outputs else " none")
        for o in self.outputs:
            yield f"  {o['id']}  {o['class_type']}"
        yield "samplers:" + ("" if self.samplers else " none")
        for s in self.samplers:
            settings = ", ".join(f"{k}={v}" for k, v in s["settings"].items())
            yield f"  {s['id']}  {s['class_type']}" + (f"  {settings}" if settings else "")
        if self.prompts:
            yield "prompts:"
        for p in self.prompts:
            text = p["text"] if len(p["text"]) <= 70 else p["text"][:67] + "..."
            yield f"  {p['side']}  {p['node']}.{p['input']}: {text!r}"
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
        info = _raw_object_info(args, ctx, required=False)
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


def summarize(workflow: WorkflowFile, info: RawObjectInfo | None) -> Summary:
    source = workflow.path.suffix.lower().lstrip(".")
    article = "an" if source == "mp4" else "a"
    where = f" (in {article} {source.upper()} file)" if source in ("png", "webp", "mp4") else ""
    if workflow.kind == "api":
        return _summarize_prompt(workflow.data, info, f"API prompt{where}")
    if info is not None:
        result = convert_workflow(workflow.data, info, dynamic_prompts=None)
        summary = _summarize_prompt(result.prompt, info, f"editor workflow{where}, as sent")
        summary.missing = result.missing
        return summary
    return _summarize_ui(workflow.data, f"editor workflow{where}, as saved")


def _summarize_prompt(prompt: Mapping[str, Any], info: RawObjectInfo | None, kind: str) -> Summary:
    found = inspect_prompt(prompt, info)
    summary = _summary_of(found, kind)
    if info is None:
        summary.notes.append(
            "outputs and custom nodes are guessed from class names; give --object-info"
        )
    return summary


def _summary_of(found: PromptInspection, kind: str) -> Summary:
    summary = Summary(kind)
    for use in found.node_classes:
        summary.class_types[use.class_type] = len(use.nodes)
        if not use.is_core:
            summary.not_core[use.class_type] = use.origin
    summary.nodes = sum(summary.class_types.values())
    summary.models = [
        {"file": m.file, "class_type": m.class_type, "input": m.input}
        for m in sorted(found.models, key=lambda m: (m.file, m.class_type, m.input))
    ]
    for m in found.models:
        summary.models_by_kind.setdefault(m.kind.value, [])
        if m.file not in summary.models_by_kind[m.kind.value]:
            summary.models_by_kind[m.kind.value].append(m.file)
    summary.loras = [
        {"file": m.file, "node": m.node, "strength_model": m.strength_model,
         "strength_clip": m.strength_clip}
        for m in found.loras
    ]  # fmt: skip
    summary.outputs = [{"id": o.node, "class_type": o.class_type} for o in found.outputs]
    summary.samplers = [
        {
            "id": s.node,
            "class_type": s.class_type,
            "settings": {k: ref.value for k, ref in s.settings.items()},
        }
        for s in found.samplers
    ]
    summary.prompts = [
        {"side": p.side, "node": p.ref.node, "input": p.ref.input, "text": str(p.ref.value)}
        for p in found.prompts
    ]
    summary.loaded_files = [
        {"id": f.node, "class_type": f.class_type, "file": f.file} for f in found.loaded_files
    ]
    return summary


def _describe_node(summary: Summary, node_id: str, class_type: str, inputs: object) -> None:
    """A UI node read without a server: outputs, samplers and loaded files by name."""
    values = inputs if isinstance(inputs, Mapping) else {}
    if _looks_like_output(class_type):
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
        _describe_node(summary, node_id, node_type, named)
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


# --- import ---------------------------------------------------------------------------------


def _import(args: argparse.Namespace, ctx: CommandContext) -> int:
    out_dir: Path = args.out_dir or ctx.paths.config_dir / "templates"
    try:
        workflow = _read(args.workflow)
        info = _raw_object_info(args, ctx, required=workflow.kind == "ui")
        draft = draft_from_prompt(prompt_of(workflow, info), args.name, info)
        draft = draft.expose(*args.expose).hide(*args.hide)
        saved = save_draft(draft, out_dir)
    except MissingNodeTypesError as exc:
        print(f"error: {args.workflow.name}: {exc}", file=sys.stderr)
        return EXIT_MISSING
    except (CommandError, WorkflowImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    _describe_draft(draft)
    if saved.id != draft.id:
        print(f"note: the id {draft.id!r} is taken; saved as {saved.id!r}", file=sys.stderr)
    print(saved.template_path)
    return EXIT_OK


def _describe_draft(draft: TemplateDraft) -> None:
    print(
        f"{draft.name}: {draft.category.value}, {draft.model_family}, {len(draft.workflow)} nodes",
        file=sys.stderr,
    )
    for p in draft.parameters:
        state = "exposed" if p.exposed else "hidden "
        default = repr(p.default)
        default = default if len(default) <= 50 else default[:47] + "..."
        print(f"  {state}  {p.name:<20} {p.label}  = {default}", file=sys.stderr)
    for slot in draft.lora_slots:
        print(f"  LoRA slot {slot.name} after node {slot.model.node}", file=sys.stderr)
    for note in draft.notes:
        print(f"note: {note}", file=sys.stderr)


# --- shared ---------------------------------------------------------------------------------


def _read(path: Path) -> WorkflowFile:
    try:
        return read_import_source(path)
    except WorkflowImportError as exc:
        raise CommandError(str(exc)) from exc


def _object_info(
    args: argparse.Namespace, ctx: CommandContext, *, required: bool
) -> ObjectInfo | None:
    raw = _raw_object_info(args, ctx, required=required)
    return ObjectInfo.parse(raw) if raw is not None else None


def _raw_object_info(
    args: argparse.Namespace, ctx: CommandContext, *, required: bool
) -> RawObjectInfo | None:
    """The ``/object_info`` document as read (its ``python_module`` tells custom nodes)."""
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


def _object_info_file(path: Path) -> RawObjectInfo:
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
    return raw


def _server(node: str | None, ctx: CommandContext) -> tuple[str | None, dict[str, str]]:
    configured = [n for n in ctx.settings.settings.render_nodes if n.enabled]
    if node is None:
        first = configured[0] if configured else None
        return (first.url, dict(first.headers)) if first is not None else (None, {})
    named = next((n for n in ctx.settings.settings.render_nodes if n.name == node), None)
    if named is not None:
        return named.url, dict(named.headers)
    return node, {}


def _object_info_of(url: str, headers: dict[str, str]) -> RawObjectInfo:
    async def fetch() -> dict[str, Any]:
        async with ComfyClient(url, headers=headers, use_websocket=False) as client:
            return await asyncio.wait_for(client.object_info(), OBJECT_INFO_TIMEOUT)

    try:
        raw = asyncio.run(fetch())
    except ValueError as exc:  # not an http(s) address
        raise CommandError(str(exc)) from exc
    except (ComfyError, TimeoutError, OSError) as exc:
        raise CommandError(f"cannot read object_info from {url}: {exc}") from exc
    if not isinstance(raw, dict):
        raise CommandError(f"{url} answered object_info with no JSON object")
    return raw
