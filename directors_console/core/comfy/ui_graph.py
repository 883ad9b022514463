"""ComfyUI's UI ("workflow") format read into typed graphs, checked once at the edge.

A UI workflow is what the editor saves: ``nodes`` (with ``widgets_values``, input and
output slots, ``mode``), a ``links`` table (array rows ``[id, origin, origin_slot, target,
target_slot, type]`` or objects), subgraph definitions under ``definitions.subgraphs`` and
legacy group nodes under ``extra.groupNodes``. Anything of the wrong shape raises
:class:`WorkflowShapeError` naming where it is; nothing here guesses a default for it.

Node ids are kept as text: the editor's id maps treat ``5`` and ``"5"`` alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SUBGRAPH_INPUT_ID = "-10"
SUBGRAPH_OUTPUT_ID = "-20"

MODE_ALWAYS = 0
MODE_NEVER = 2  # muted
MODE_BYPASS = 4


class ConversionError(ValueError):
    """The input cannot be converted; ``str()`` says why, for a person to read."""


class NotAWorkflowError(ConversionError):
    """The data is not a ComfyUI UI workflow at all (e.g. an API prompt, or other JSON)."""


class WorkflowShapeError(ConversionError):
    """A UI workflow with a part of the wrong shape; ``where`` is a JSON-ish path."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class BrokenLinkError(ConversionError):
    """A link that points at nothing: a missing link id, node or slot."""


@dataclass(frozen=True, slots=True)
class InputSlot:
    name: str
    type: str
    link: int | None
    widget: str | None = None  # the widget this socket belongs to, if any


@dataclass(frozen=True, slots=True)
class OutputSlot:
    name: str
    type: str
    links: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class UiNode:
    id: str
    type: str
    mode: int = MODE_ALWAYS
    title: str | None = None
    inputs: tuple[InputSlot, ...] = ()
    outputs: tuple[OutputSlot, ...] = ()
    # A list as the editor saves it; some custom nodes save a name -> value object.
    widgets_values: tuple[Any, ...] | Mapping[str, Any] | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    order: int = 0


@dataclass(frozen=True, slots=True)
class UiLink:
    id: int
    origin_id: str
    origin_slot: int
    target_id: str
    target_slot: int
    type: str = "*"


@dataclass(frozen=True)
class UiGraph:
    """One graph: the workflow's root, or the inside of one subgraph definition."""

    nodes: Mapping[str, UiNode]
    links: Mapping[int, UiLink]

    def node_order(self) -> list[UiNode]:
        """Nodes in the order the editor last ran them (its ``order`` field), then by id."""
        return sorted(self.nodes.values(), key=lambda n: (n.order, _id_sort_key(n.id)))


@dataclass(frozen=True, slots=True)
class SubgraphPort:
    name: str
    type: str
    link_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SubgraphDef:
    id: str
    name: str
    graph: UiGraph
    inputs: tuple[SubgraphPort, ...]
    outputs: tuple[SubgraphPort, ...]


@dataclass(frozen=True)
class GroupNodeDef:
    """A legacy group node (``extra.groupNodes[name]``): inner nodes by index."""

    name: str
    nodes: tuple[UiNode, ...]
    # (origin index, origin slot, target index, target slot)
    links: tuple[tuple[int, int, int, int], ...]
    external: frozenset[tuple[int, int]]  # (node index, output slot) used outside


@dataclass(frozen=True)
class UiWorkflow:
    root: UiGraph
    subgraphs: Mapping[str, SubgraphDef]
    group_nodes: Mapping[str, GroupNodeDef]


GROUP_NODE_PREFIXES = ("workflow>", "workflow/")


def is_ui_workflow(data: object) -> bool:
    """True for the editor's saved format: an object with a ``nodes`` list."""
    return isinstance(data, Mapping) and isinstance(data.get("nodes"), list)


def is_api_prompt(data: object) -> bool:
    """True for an API prompt: a non-empty object of ``{id: {class_type, inputs}}``."""
    if not isinstance(data, Mapping) or not data or "nodes" in data:
        return False
    return all(
        isinstance(node, Mapping)
        and isinstance(node.get("class_type"), str)
        and isinstance(node.get("inputs", {}), Mapping)
        for node in data.values()
    )


def parse_workflow(data: object) -> UiWorkflow:
    if not is_ui_workflow(data):
        if is_api_prompt(data):
            raise NotAWorkflowError("this is an API prompt already, not a UI workflow")
        raise NotAWorkflowError("not a ComfyUI workflow: expected an object with a 'nodes' list")
    assert isinstance(data, Mapping)
    root = _parse_graph(data, "")
    subgraphs: dict[str, SubgraphDef] = {}
    definitions = data.get("definitions")
    if definitions is not None:
        _expect(definitions, Mapping, "definitions")
        raw_subgraphs = definitions.get("subgraphs") or []
        _expect(raw_subgraphs, list, "definitions.subgraphs")
        for i, raw in enumerate(raw_subgraphs):
            sub = _parse_subgraph(raw, f"definitions.subgraphs[{i}]")
            subgraphs[sub.id] = sub
    group_nodes: dict[str, GroupNodeDef] = {}
    extra = data.get("extra")
    if isinstance(extra, Mapping) and extra.get("groupNodes") is not None:
        raw_groups = extra["groupNodes"]
        _expect(raw_groups, Mapping, "extra.groupNodes")
        for name, raw in raw_groups.items():
            group_nodes[str(name)] = _parse_group_node(str(name), raw)
    return UiWorkflow(root, subgraphs, group_nodes)


# --- parts ----------------------------------------------------------------------------------


def _parse_graph(data: Mapping[str, Any], where: str) -> UiGraph:
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, list):
        raise WorkflowShapeError(f"{where}nodes", "expected a list")
    nodes: dict[str, UiNode] = {}
    for i, raw in enumerate(raw_nodes):
        node = _parse_node(raw, f"{where}nodes[{i}]")
        if node.id in nodes:
            raise WorkflowShapeError(f"{where}nodes[{i}]", f"node id {node.id} is used twice")
        nodes[node.id] = node
    links = _parse_links(data.get("links"), f"{where}links")
    return UiGraph(nodes, links)


def _parse_node(raw: object, where: str) -> UiNode:
    _expect(raw, Mapping, where)
    assert isinstance(raw, Mapping)
    node_id = _node_id(raw.get("id"), f"{where}.id")
    node_type = raw.get("type")
    if not isinstance(node_type, str) or not node_type:
        raise WorkflowShapeError(f"{where}.type", "missing or not text")
    mode = raw.get("mode", MODE_ALWAYS)
    if mode is None:
        mode = MODE_ALWAYS
    if not isinstance(mode, int) or isinstance(mode, bool):
        raise WorkflowShapeError(f"{where}.mode", f"not an integer: {mode!r}")
    title = raw.get("title")
    inputs = tuple(
        _parse_input(slot, f"{where}.inputs[{j}]")
        for j, slot in enumerate(_list_or_empty(raw.get("inputs"), f"{where}.inputs"))
    )
    outputs = tuple(
        _parse_output(slot, f"{where}.outputs[{j}]")
        for j, slot in enumerate(_list_or_empty(raw.get("outputs"), f"{where}.outputs"))
    )
    values = raw.get("widgets_values")
    widgets_values: tuple[Any, ...] | Mapping[str, Any] | None
    if values is None:
        widgets_values = None
    elif isinstance(values, list):
        widgets_values = tuple(values)
    elif isinstance(values, Mapping):
        widgets_values = {str(k): v for k, v in values.items()}
    else:
        raise WorkflowShapeError(f"{where}.widgets_values", "not a list")
    properties = raw.get("properties")
    order = raw.get("order", 0)
    return UiNode(
        id=node_id,
        type=node_type,
        mode=mode,
        title=title if isinstance(title, str) else None,
        inputs=inputs,
        outputs=outputs,
        widgets_values=widgets_values,
        properties=properties if isinstance(properties, Mapping) else {},
        order=order if isinstance(order, int) and not isinstance(order, bool) else 0,
    )


def _parse_input(raw: object, where: str) -> InputSlot:
    _expect(raw, Mapping, where)
    assert isinstance(raw, Mapping)
    name = raw.get("name")
    if not isinstance(name, str):
        raise WorkflowShapeError(f"{where}.name", "missing or not text")
    link = raw.get("link")
    if link is not None:
        link = _link_id(link, f"{where}.link")
    widget = raw.get("widget")
    widget_name = widget.get("name") if isinstance(widget, Mapping) else None
    return InputSlot(
        name=name,
        type=slot_type(raw.get("type")),
        link=link,
        widget=widget_name if isinstance(widget_name, str) else None,
    )


def _parse_output(raw: object, where: str) -> OutputSlot:
    _expect(raw, Mapping, where)
    assert isinstance(raw, Mapping)
    name = raw.get("name")
    links = raw.get("links") or []
    if not isinstance(links, list):
        raise WorkflowShapeError(f"{where}.links", "not a list")
    return OutputSlot(
        name=name if isinstance(name, str) else "",
        type=slot_type(raw.get("type")),
        links=tuple(_link_id(link, f"{where}.links") for link in links if link is not None),
    )


def _parse_links(raw: object, where: str) -> dict[int, UiLink]:
    if raw is None:
        return {}
    rows: Sequence[Any]
    if isinstance(raw, Mapping):
        rows = list(raw.values())
    elif isinstance(raw, list):
        rows = raw
    else:
        raise WorkflowShapeError(where, "not a list")
    links: dict[int, UiLink] = {}
    for i, row in enumerate(rows):
        if row is None:
            continue  # the editor leaves holes in old link tables
        link = _parse_link(row, f"{where}[{i}]")
        links[link.id] = link
    return links


def _parse_link(row: object, where: str) -> UiLink:
    if isinstance(row, list):
        if len(row) < 5:
            raise WorkflowShapeError(where, f"a link row needs 5 or 6 fields, has {len(row)}")
        link_id, origin, origin_slot, target, target_slot = row[:5]
        kind = row[5] if len(row) > 5 else "*"
    elif isinstance(row, Mapping):
        link_id = row.get("id")
        origin, origin_slot = row.get("origin_id"), row.get("origin_slot")
        target, target_slot = row.get("target_id"), row.get("target_slot")
        kind = row.get("type", "*")
    else:
        raise WorkflowShapeError(where, "a link is neither a list nor an object")
    return UiLink(
        id=_link_id(link_id, f"{where}.id"),
        origin_id=_node_id(origin, f"{where}.origin_id"),
        origin_slot=_slot(origin_slot, f"{where}.origin_slot"),
        target_id=_node_id(target, f"{where}.target_id"),
        target_slot=_slot(target_slot, f"{where}.target_slot"),
        type=slot_type(kind),
    )


def _parse_subgraph(raw: object, where: str) -> SubgraphDef:
    _expect(raw, Mapping, where)
    assert isinstance(raw, Mapping)
    sub_id = raw.get("id")
    if not isinstance(sub_id, str) or not sub_id:
        raise WorkflowShapeError(f"{where}.id", "missing or not text")
    graph = _parse_graph(raw, f"{where}.")
    ports: dict[str, tuple[SubgraphPort, ...]] = {}
    for side in ("inputs", "outputs"):
        items = _list_or_empty(raw.get(side), f"{where}.{side}")
        ports[side] = tuple(_parse_port(p, f"{where}.{side}[{j}]") for j, p in enumerate(items))
    name = raw.get("name")
    return SubgraphDef(
        id=sub_id,
        name=name if isinstance(name, str) else sub_id,
        graph=graph,
        inputs=ports["inputs"],
        outputs=ports["outputs"],
    )


def _parse_port(raw: object, where: str) -> SubgraphPort:
    _expect(raw, Mapping, where)
    assert isinstance(raw, Mapping)
    name = raw.get("name")
    link_ids = _list_or_empty(raw.get("linkIds"), f"{where}.linkIds")
    return SubgraphPort(
        name=name if isinstance(name, str) else "",
        type=slot_type(raw.get("type")),
        link_ids=tuple(_link_id(x, f"{where}.linkIds") for x in link_ids),
    )


def _parse_group_node(name: str, raw: object) -> GroupNodeDef:
    where = f"extra.groupNodes[{name!r}]"
    _expect(raw, Mapping, where)
    assert isinstance(raw, Mapping)
    nodes: list[UiNode] = []
    for i, item in enumerate(_list_or_empty(raw.get("nodes"), f"{where}.nodes")):
        _expect(item, Mapping, f"{where}.nodes[{i}]")
        # Inner nodes carry no id of their own; the editor names them by index.
        nodes.append(_parse_node({**item, "id": i}, f"{where}.nodes[{i}]"))
    links: list[tuple[int, int, int, int]] = []
    for i, row in enumerate(_list_or_empty(raw.get("links"), f"{where}.links")):
        if not isinstance(row, list) or len(row) < 4:
            raise WorkflowShapeError(f"{where}.links[{i}]", "a link row needs 4 fields")
        if row[0] is None:
            continue  # a link from outside the group
        parts = [_slot(v, f"{where}.links[{i}]") for v in row[:4]]
        links.append((parts[0], parts[1], parts[2], parts[3]))
    external: set[tuple[int, int]] = set()
    for i, row in enumerate(_list_or_empty(raw.get("external"), f"{where}.external")):
        if not isinstance(row, list) or len(row) < 2:
            raise WorkflowShapeError(f"{where}.external[{i}]", "needs node index and slot")
        external.add((_slot(row[0], f"{where}.external[{i}]"), _slot(row[1], where)))
    return GroupNodeDef(name, tuple(nodes), tuple(links), frozenset(external))


# --- small readers --------------------------------------------------------------------------


def slot_type(raw: object) -> str:
    """A slot type as text; the editor also writes ``-1``/``0`` and lists for some slots."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        return "COMBO"
    if raw is None or raw == 0:
        return "*"
    return str(raw)


def _node_id(raw: object, where: str) -> str:
    if isinstance(raw, bool):
        raise WorkflowShapeError(where, f"not a node id: {raw!r}")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, str) and raw:
        return raw
    raise WorkflowShapeError(where, f"not a node id: {raw!r}")


def _whole_number(raw: object, where: str, what: str) -> int:
    if isinstance(raw, bool):
        raise WorkflowShapeError(where, f"not a {what}: {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.lstrip("-").isdigit():
        return int(raw)
    raise WorkflowShapeError(where, f"not a {what}: {raw!r}")


def _link_id(raw: object, where: str) -> int:
    return _whole_number(raw, where, "link id")


def _slot(raw: object, where: str) -> int:
    return _whole_number(raw, where, "slot number")


def _list_or_empty(raw: object, where: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise WorkflowShapeError(where, "not a list")
    return raw


def _expect(value: object, kind: type, where: str) -> None:
    if not isinstance(value, kind):
        wanted = "an object" if kind is Mapping else "a list"
        raise WorkflowShapeError(where or "workflow", f"expected {wanted}")


def _id_sort_key(node_id: str) -> tuple[int, int, str]:
    """Integer-like ids first in numeric order, as JavaScript orders object keys."""
    if node_id.isdigit():
        return (0, int(node_id), "")
    return (1, 0, node_id)
