"""The workflow as the editor executes it: subgraphs flattened, every input resolved.

A :class:`NodeState` is one node of one graph (the root or a subgraph definition) as the
editor holds it after loading; every instance of a subgraph shares the states of its
definition, as the editor's instances share one inner graph. An :class:`ExecNode` is a
state at one place in the flattened graph, with its execution id: its own id at the root,
``"outer:inner"`` inside a subgraph instance (``a:b:c`` when nested), ``"group:index"``
inside a legacy group node.

:class:`Resolver` follows an input the way the editor does when it builds the prompt:
through Reroutes and other frontend-only nodes, through bypassed nodes (to their input of
a fitting type), into and out of subgraphs, and to a subgraph's promoted widget when its
input is not linked outside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .node_widgets import Widget
from .object_info import NodeClass
from .ui_graph import (
    MODE_BYPASS,
    SUBGRAPH_INPUT_ID,
    BrokenLinkError,
    InputSlot,
    SubgraphDef,
    UiGraph,
    UiLink,
    UiNode,
)

# Frontend-only node types: never sent, links pass through them slot for slot.
VIRTUAL_TYPES = frozenset({"Reroute", "PrimitiveNode", "Note", "MarkdownNote"})


class Kind(Enum):
    REAL = "real"  # a class the server knows
    MISSING = "missing"  # a class the server lacks: sent as a placeholder, like the editor
    VIRTUAL = "virtual"  # Reroute, PrimitiveNode, Note...
    SUBGRAPH = "subgraph"  # an instance of a subgraph definition
    GROUP = "group"  # a legacy group node instance


@dataclass(eq=False)
class NodeState:
    """A node as the editor holds it after loading, shared by all its placements."""

    node: UiNode
    kind: Kind
    node_class: NodeClass | None = None
    widgets: list[Widget] = field(default_factory=list)
    # The input slots after loading: the saved ones over the ones the editor created.
    inputs: list[InputSlot] = field(default_factory=list)
    output_types: list[str] = field(default_factory=list)
    # Which widget an input slot drives (by slot index), where the editor binds one.
    bound: dict[int, Widget] = field(default_factory=dict)
    subgraph: SubgraphDef | None = None

    def widget(self, name: str | None) -> Widget | None:
        if name is None:
            return None
        return next((w for w in self.widgets if w.name == name), None)

    def drop_sockets_without_widget(self) -> None:
        """Remove saved widget sockets whose widget this class lacks (e.g. newer inputs).

        The editor does this after loading, with a loop that skips the slot after each
        one it removes; kept as it is, since the prompt depends on it.
        """
        names = {w.name for w in self.widgets}
        index = 0
        while index < len(self.inputs):
            widget_name = self.inputs[index].widget
            if widget_name is not None and widget_name not in names:
                del self.inputs[index]
                self.bound = {i - (i > index): w for i, w in self.bound.items() if i != index}
            index += 1

    def widget_of_slot(self, slot: int) -> Widget | None:
        """The widget behind input ``slot`` (the editor's ``getWidgetFromSlot``)."""
        if slot in self.bound:
            return self.bound[slot]
        if slot >= len(self.inputs):
            return None
        return self.widget(self.inputs[slot].widget)


@dataclass(eq=False)
class Scope:
    """One graph as instantiated: the root, or the inside of one subgraph instance."""

    graph: UiGraph
    prefix: str = ""  # "" at the root, "60:" inside instance 60
    instance: ExecNode | None = None
    subgraph: SubgraphDef | None = None
    nodes: dict[str, ExecNode] = field(default_factory=dict)


@dataclass(eq=False)
class ExecNode:
    exec_id: str
    state: NodeState
    scope: Scope
    inner: Scope | None = None  # a subgraph instance's inside
    # Legacy group nodes: children, and for a child which group input feeds each slot.
    children: list[ExecNode] = field(default_factory=list)
    group: ExecNode | None = None
    group_inputs: dict[int, int] = field(default_factory=dict)  # child slot -> group slot
    group_outputs: dict[int, tuple[int, int]] = field(default_factory=dict)  # -> child, slot
    group_links: tuple[tuple[int, int, int, int], ...] = ()  # inside the group, by index

    @property
    def node(self) -> UiNode:
        return self.state.node

    @property
    def kind(self) -> Kind:
        return self.state.kind

    @property
    def mode(self) -> int:
        return self.state.node.mode


@dataclass(frozen=True, slots=True)
class LinkSource:
    node: ExecNode
    slot: int


@dataclass(frozen=True, slots=True)
class WidgetSource:
    value: Any


Resolved = LinkSource | WidgetSource


def walk(scope: Scope) -> Iterator[ExecNode]:
    """Every exec node, an instance's inner nodes before the instance itself."""
    for ex in scope.nodes.values():
        if ex.inner is not None:
            yield from walk(ex.inner)
        yield from ex.children
        yield ex


def valid_connection(a: str, b: str) -> bool:
    """LiteGraph's type check: ``*``/empty match anything, ``A,B`` lists match any member."""
    if a in ("", "*", "0") or b in ("", "*", "0") or a == b:
        return True
    a, b = a.lower(), b.lower()
    if "," not in a and "," not in b:
        return a == b
    return any(valid_connection(x, y) for x in a.split(",") for y in b.split(","))


class Resolver:
    """Follows inputs to their real origin; broken links become warnings (or errors)."""

    def __init__(self, warnings: list[str], *, strict: bool = False) -> None:
        self.warnings = warnings
        self.strict = strict

    def broken(self, message: str) -> None:
        if self.strict:
            raise BrokenLinkError(message)
        if message not in self.warnings:
            self.warnings.append(message)

    def resolve_input(
        self, ex: ExecNode, slot: int, visited: set[str] | None = None, type_: str | None = None
    ) -> Resolved | None:
        visited = set() if visited is None else visited
        _enter(visited, f"{ex.exec_id}[I]{slot}", ex)
        if ex.group is not None:
            return self._resolve_group_child_input(ex, slot)
        inputs = ex.state.inputs
        if slot >= len(inputs):
            self.broken(f"node {ex.exec_id} has no input slot {slot}")
            return None
        slot_def = inputs[slot]
        if slot_def.link is None:
            return None
        return self._follow(ex, slot_def, type_ or slot_def.type, visited)

    def _follow(
        self, ex: ExecNode, slot_def: InputSlot, type_: str, visited: set[str]
    ) -> Resolved | None:
        """Where the link into ``ex``'s input ``slot_def`` comes from."""
        link = ex.scope.graph.links.get(slot_def.link) if slot_def.link is not None else None
        if link is None:
            self.broken(
                f"node {ex.exec_id} input {slot_def.name!r}: link {slot_def.link} does not exist"
            )
            return None
        if link.origin_id == SUBGRAPH_INPUT_ID and ex.scope.instance is not None:
            return self._resolve_from_subgraph_input(ex, slot_def, link, visited)
        origin = ex.scope.nodes.get(link.origin_id)
        if origin is None:
            self.broken(
                f"node {ex.exec_id} input {slot_def.name!r}: "
                f"link {link.id} comes from node {link.origin_id}, which does not exist"
            )
            return None
        return self.resolve_output(origin, link.origin_slot, type_, visited)

    def resolve_output(
        self, ex: ExecNode, slot: int, type_: str, visited: set[str]
    ) -> Resolved | None:
        _enter(visited, f"{ex.exec_id}[O]{slot}", ex)
        if ex.kind is Kind.GROUP:
            return self._resolve_group_output(ex, slot, type_, visited)
        if ex.mode == MODE_BYPASS:
            index = bypass_slot(ex.state, slot, type_)
            if index < 0:
                return None
            return self.resolve_input(ex, index, visited)
        if ex.kind is Kind.SUBGRAPH:
            return self._resolve_subgraph_output(ex, slot, type_, visited)
        if ex.kind is Kind.VIRTUAL:
            if slot < len(ex.state.inputs):
                return self.resolve_input(ex, slot, visited, type_)
            return None
        return LinkSource(ex, slot)

    # --- subgraphs ------------------------------------------------------------------------

    def _resolve_from_subgraph_input(
        self, ex: ExecNode, slot_def: InputSlot, link: UiLink, visited: set[str]
    ) -> Resolved | None:
        """A link from the subgraph's input node: continue at the instance's input."""
        instance = ex.scope.instance
        sub = instance.state.subgraph if instance is not None else None
        if instance is None or sub is None or link.origin_slot >= len(sub.inputs):
            self.broken(f"node {ex.exec_id} input {slot_def.name!r}: no such subgraph input")
            return None
        index = _instance_slot(instance.state, sub.inputs[link.origin_slot].name, link.origin_slot)
        if index is None:
            return None  # the saved instance lost this input (the editor sends nothing)
        outer_input = instance.state.inputs[index]
        if outer_input.link is None:
            widget = instance.state.widget_of_slot(index)
            return WidgetSource(widget.value) if widget is not None else None
        _enter(visited, f"{instance.exec_id}[I]{index}", instance)
        return self._follow(instance, outer_input, outer_input.type, visited)

    def _resolve_subgraph_output(
        self, ex: ExecNode, slot: int, type_: str, visited: set[str]
    ) -> Resolved | None:
        inner = ex.inner
        sub = ex.state.subgraph
        if inner is None or sub is None:
            return None
        if slot >= len(sub.outputs):
            self.broken(f"subgraph node {ex.exec_id} has no output slot {slot}")
            return None
        for link_id in sub.outputs[slot].link_ids[:1]:
            link = inner.graph.links.get(link_id)
            if link is None:
                self.broken(f"subgraph {sub.name!r}: output link {link_id} does not exist")
                return None
            if link.origin_id == SUBGRAPH_INPUT_ID:
                # An input wired straight to an output: continue outside.
                return self.resolve_input(ex, link.origin_slot, visited)
            origin = inner.nodes.get(link.origin_id)
            if origin is None:
                self.broken(
                    f"subgraph {sub.name!r}: output {slot} comes from node "
                    f"{link.origin_id}, which does not exist"
                )
                return None
            return self.resolve_output(origin, link.origin_slot, type_, visited)
        return None

    # --- legacy group nodes ---------------------------------------------------------------

    def _resolve_group_child_input(self, ex: ExecNode, slot: int) -> Resolved | None:
        # The editor links a group child straight to what feeds it: no bypass or reroute
        # is followed here, so such a source is later dropped as "not in the prompt".
        group = ex.group
        assert group is not None
        index = group.children.index(ex)
        for source, source_slot, target, target_slot in group.group_links:
            if (target, target_slot) == (index, slot) and 0 <= source < len(group.children):
                return LinkSource(group.children[source], source_slot)
        group_slot = ex.group_inputs.get(slot)
        if group_slot is None or group_slot >= len(group.state.inputs):
            return None
        link_id = group.state.inputs[group_slot].link
        if link_id is None:
            return None
        link = group.scope.graph.links.get(link_id)
        origin = group.scope.nodes.get(link.origin_id) if link is not None else None
        if link is None or origin is None:
            self.broken(f"group node {group.exec_id}: input {group_slot} is broken")
            return None
        return LinkSource(origin, link.origin_slot)

    def _resolve_group_output(
        self, ex: ExecNode, slot: int, type_: str, visited: set[str]
    ) -> Resolved | None:
        if ex.mode == MODE_BYPASS:
            inputs = ex.state.inputs
            for i in [slot, *range(len(inputs))]:
                if i < len(inputs) and inputs[i].type == type_:
                    return self.resolve_input(ex, i, visited)
            return None
        target = ex.group_outputs.get(slot)
        if target is None:
            self.broken(f"group node {ex.exec_id} has no output slot {slot}")
            return None
        index, out_slot = target
        return LinkSource(ex.children[index], out_slot)


def bypass_slot(state: NodeState, slot: int, type_: str) -> int:
    """Which input a bypassed node passes to its output ``slot`` (-1: none fits)."""
    inputs = state.inputs
    if not inputs:
        return -1
    if type_ in ("*", ""):
        return slot if len(inputs) > slot else 0
    outputs = state.output_types
    output_type = outputs[slot] if slot < len(outputs) else "*"
    if slot < len(inputs):
        opposite = inputs[slot].type
        if valid_connection(opposite, output_type) and valid_connection(opposite, type_):
            return slot
    for i, slot_def in enumerate(inputs):
        if slot_def.type == type_:
            return i
    for i, slot_def in enumerate(inputs):
        if valid_connection(slot_def.type, output_type) and valid_connection(slot_def.type, type_):
            return i
    return -1


def _instance_slot(state: NodeState, name: str, index: int) -> int | None:
    """The instance input that stands for subgraph input ``index`` named ``name``.

    Its own slot when the names agree; else the first slot of that name (saved slots
    laid over the subgraph's inputs by position can move an input elsewhere).
    """
    inputs = state.inputs
    if index < len(inputs) and inputs[index].name == name:
        return index
    return next((i for i, s in enumerate(inputs) if s.name == name), None)


def _enter(visited: set[str], key: str, ex: ExecNode) -> None:
    # The editor refuses to queue such a graph, and so do we.
    if key in visited:
        raise BrokenLinkError(f"circular links through node {ex.exec_id} ({ex.node.type})")
    visited.add(key)
