"""Load a parsed UI workflow the way the editor does before it builds a prompt.

Every node of the root and of each subgraph definition becomes a
:class:`~.converter_graph.NodeState`; the graph is then flattened into
:class:`~.converter_graph.ExecNode` scopes. What the editor (frontend 1.27) does on the
way, as the recorded pairs show it, and as this module repeats it:

- A node's saved input slots replace the slots the editor created for its class *by
  index*; created slot *k* keeps driving its widget, whatever the saved slot is named.
  Afterwards, sockets of widgets the class lacks are removed (skipping the next slot).
- A subgraph instance has one input per subgraph input; its saved slots go by name.
  For each input, in order, it promotes a copy of the widget behind the first inner slot
  that input feeds (inserted at the editor's odd position); ``widgets_values`` fill the
  copies by position. A multi-line text box shares its text with its copy.
- Linked PrimitiveNodes write their value into the widgets they feed.
- Saving the graph (part of building the prompt) writes each promoted value of instance
  input *i* into the widgets that subgraph input *i* feeds, found by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

from .converter_graph import VIRTUAL_TYPES, ExecNode, Kind, NodeState, Scope, walk
from .node_widgets import (
    Widget,
    created_inputs,
    unknown_widgets,
    widget_layout,
    widgets_for,
)
from .object_info import ObjectInfo
from .ui_graph import (
    GROUP_NODE_PREFIXES,
    ConversionError,
    GroupNodeDef,
    InputSlot,
    SubgraphDef,
    UiGraph,
    UiLink,
    UiNode,
    UiWorkflow,
)

# Type names the editor renames when it loads a workflow.
RENAMED_TYPES: Mapping[str, str] = {
    "T2IAdapterLoader": "ControlNetLoader",
    "ConditioningAverage ": "ConditioningAverage",
    "SDV_img2vid_Conditioning": "SVD_img2vid_Conditioning",
}
ROOT = ""  # key of the root graph among the subgraph ids
T = TypeVar("T")


class UnsupportedWorkflowError(ConversionError):
    """A construct the editor itself cannot queue (e.g. a subgraph inside itself)."""


class ScopeBuilder:
    def __init__(self, workflow: UiWorkflow, info: ObjectInfo, warnings: list[str]) -> None:
        self.workflow = workflow
        self.info = info
        self.warnings = warnings
        self.states: dict[str, dict[str, NodeState]] = {}
        self._promoted: set[str] = set()
        self._promoting: set[str] = set()

    def build(self) -> Scope:
        self.states[ROOT] = self._states_of(self.workflow.root)
        for sub in self.workflow.subgraphs.values():
            self.states[sub.id] = self._states_of(sub.graph)
        for key in (*self.workflow.subgraphs, ROOT):
            self._promote_graph(key)
        for states in self.states.values():
            for state in states.values():
                if state.kind is Kind.REAL:
                    state.drop_sockets_without_widget()
        root = self._scope(ROOT, self.workflow.root, "", None)
        apply_primitives(root, self.warnings)
        self._write_back_promoted()
        return root

    # --- node states ----------------------------------------------------------------------

    def _states_of(self, graph: UiGraph) -> dict[str, NodeState]:
        # In saved order: the editor saves (and writes promoted values back) in this order.
        return {node.id: self._state(node) for node in graph.nodes.values()}

    def _state(self, node: UiNode) -> NodeState:
        saved_inputs = list(node.inputs)
        saved_outputs = [o.type for o in node.outputs]
        if node.type in VIRTUAL_TYPES:
            state = NodeState(node, Kind.VIRTUAL, inputs=saved_inputs, output_types=saved_outputs)
            if node.type == "PrimitiveNode" and isinstance(node.widgets_values, tuple):
                state.widgets = [Widget("value", v) for v in node.widgets_values[:1]]
            return state
        sub = self.workflow.subgraphs.get(node.type)
        if sub is not None:
            return NodeState(
                node,
                Kind.SUBGRAPH,
                inputs=_instance_inputs(sub, saved_inputs),
                output_types=_overlay([p.type for p in sub.outputs], saved_outputs),
                subgraph=sub,
            )
        if self._group_def(node) is not None:
            return NodeState(node, Kind.GROUP, inputs=saved_inputs, output_types=saved_outputs)
        node_class = self.info.get(RENAMED_TYPES.get(node.type, node.type))
        if node_class is None:
            return NodeState(
                node,
                Kind.MISSING,
                widgets=unknown_widgets(node.widgets_values),
                inputs=saved_inputs,
                output_types=saved_outputs,
            )
        widgets = widgets_for(widget_layout(node_class), node.widgets_values)
        created_slots = created_inputs(node_class)
        state = NodeState(
            node,
            Kind.REAL,
            node_class,
            widgets,
            inputs=_overlay([InputSlot(n, t, None, w) for n, t, w in created_slots], saved_inputs),
            output_types=_overlay(list(node_class.outputs), saved_outputs),
        )
        for index, (_, _, widget_name) in enumerate(created_slots):
            widget = state.widget(widget_name)
            if widget is not None:
                state.bound[index] = widget
        return state

    # --- promoted widgets -----------------------------------------------------------------

    def _promote_graph(self, key: str) -> None:
        if key in self._promoted:
            return
        if key in self._promoting:
            sub = self.workflow.subgraphs[key]
            raise UnsupportedWorkflowError(f"subgraph {sub.name!r} contains itself")
        self._promoting.add(key)
        for state in self.states[key].values():
            if state.subgraph is not None:
                self._promote_graph(state.subgraph.id)
                self._promote(state, state.subgraph)
        self._promoting.discard(key)
        self._promoted.add(key)

    def _promote(self, state: NodeState, sub: SubgraphDef) -> None:
        """The widgets an instance shows for its inputs that feed inner widgets."""
        inner = self.states[sub.id]
        widgets: list[Widget] = []
        for index, slot in enumerate(state.inputs):
            port = next((p for p in sub.inputs if p.name == slot.name), None)
            if port is None:
                continue
            for link_id in port.link_ids:
                link = sub.graph.links.get(link_id)
                target = inner.get(link.target_id) if link is not None else None
                if link is None or target is None or link.target_slot >= len(target.inputs):
                    continue
                source = target.widget_of_slot(link.target_slot)
                if source is None:
                    continue
                promoted = source.copy(port.name)
                # The editor inserts at "number of inputs that have a widget" (quirk kept).
                position = sum(1 for s in state.inputs if s.widget is not None)
                widgets.insert(position, promoted)
                state.inputs[index] = replace(slot, widget=port.name)
                state.bound[index] = promoted
                break
        values = state.node.widgets_values
        if isinstance(values, tuple):
            for widget, value in zip(widgets, values, strict=False):
                widget.set(value)
        state.widgets = widgets

    def _write_back_promoted(self) -> None:
        # Saving the graph (which the editor does on the way to the prompt) copies the
        # promoted value of instance input i into the widgets that subgraph input i feeds,
        # found by the inner slot's widget name. This, not link resolution, is how a
        # promoted value reaches the inner node.
        for key in (ROOT, *self.workflow.subgraphs):
            for state in self.states[key].values():
                sub = state.subgraph
                if sub is None:
                    continue
                inner = self.states[sub.id]
                for index, promoted in sorted(state.bound.items()):
                    if index >= len(sub.inputs):
                        continue
                    for link_id in sub.inputs[index].link_ids:
                        link = sub.graph.links.get(link_id)
                        target = inner.get(link.target_id) if link is not None else None
                        if link is None or target is None:
                            continue
                        if link.target_slot < len(target.inputs):
                            widget = target.widget(target.inputs[link.target_slot].widget)
                            if widget is not None:
                                widget.set(promoted.value)

    # --- scopes ---------------------------------------------------------------------------

    def _scope(self, key: str, graph: UiGraph, prefix: str, instance: ExecNode | None) -> Scope:
        sub = self.workflow.subgraphs.get(key)
        scope = Scope(graph, prefix, instance, sub)
        for node in graph.node_order():
            state = self.states[key][node.id]
            ex = ExecNode(prefix + node.id, state, scope)
            if state.subgraph is not None:
                inner_sub = state.subgraph
                ex.inner = self._scope(inner_sub.id, inner_sub.graph, ex.exec_id + ":", ex)
            elif state.kind is Kind.GROUP:
                group = self._group_def(node)
                assert group is not None
                if instance is not None:
                    raise UnsupportedWorkflowError(
                        f"group node {ex.exec_id} ({node.type}) is inside a subgraph; "
                        "the editor cannot queue that either: convert it to a subgraph"
                    )
                self._expand_group(ex, group)
            scope.nodes[node.id] = ex
        return scope

    # --- legacy group nodes ---------------------------------------------------------------

    def _group_def(self, node: UiNode) -> GroupNodeDef | None:
        for prefix in GROUP_NODE_PREFIXES:
            if node.type.startswith(prefix):
                return self.workflow.group_nodes.get(node.type[len(prefix) :])
        return None

    def _expand_group(self, ex: ExecNode, group: GroupNodeDef) -> None:
        ex.group_links = group.links
        linked_to = {(t, ts) for _, _, t, ts in group.links}
        linked_from = {(o, os) for o, os, _, _ in group.links}
        group_widgets: list[Widget] = []
        converted_slots: list[tuple[ExecNode, int]] = []
        slot_count = 0
        for index, inner in enumerate(group.nodes):
            child = ExecNode(f"{ex.exec_id}:{index}", self._state(inner), ex.scope, group=ex)
            ex.children.append(child)
            node_class = child.state.node_class
            if node_class is None:
                self.warnings.append(
                    f"group node {ex.exec_id}: inner node {index} ({inner.type}) is not "
                    "a class this server knows; it is left out"
                )
                continue
            converted = {s.name for s in inner.inputs if s.widget == s.name}
            group_widgets += [w for w in child.state.widgets if w.name not in converted]
            widget_names = {w.name for w in child.state.widgets}
            plain = [n for n in node_class.input_order if n not in widget_names]
            for position, name in enumerate(plain):
                if (index, position) in linked_to:
                    continue
                child_slot = _slot_index(inner, name)
                if child_slot is not None:
                    child.group_inputs[child_slot] = slot_count
                slot_count += 1
            for name in sorted(converted & widget_names, key=node_class.input_order.index):
                child_slot = _slot_index(inner, name)
                if child_slot is not None and (index, child_slot) not in linked_to:
                    converted_slots.append((child, child_slot))
            for out_slot in range(len(node_class.outputs)):
                internal = (index, out_slot) in linked_from
                if not internal or (index, out_slot) in group.external:
                    ex.group_outputs[len(ex.group_outputs)] = (index, out_slot)
        for child, child_slot in converted_slots:
            child.group_inputs[child_slot] = slot_count
            slot_count += 1
        if isinstance(ex.node.widgets_values, tuple):
            for widget, value in zip(group_widgets, ex.node.widgets_values, strict=False):
                widget.set(value)


def apply_primitives(root: Scope, warnings: list[str]) -> None:
    """Each linked PrimitiveNode writes its value into every widget it feeds.

    The editor builds a PrimitiveNode's widget from its first target; when that target
    has no such widget (a node type the server lacks), the primitive has no value and
    writes an empty one (``null``) into its other targets.
    """
    done: set[int] = set()
    for ex in walk(root):
        state = ex.state
        if ex.node.type != "PrimitiveNode" or id(state) in done or not ex.node.outputs:
            continue
        done.add(id(state))
        links = [ex.scope.graph.links.get(link_id) for link_id in ex.node.outputs[0].links]
        targets = [_target_widget(ex.scope, link) for link in links]
        if not targets:
            continue
        if None in links:
            warnings.append(f"PrimitiveNode {ex.exec_id}: a link of it leads nowhere")
        if ex.node.properties.get("Run widget replace on values"):
            warnings.append(
                f"PrimitiveNode {ex.exec_id}: 'Run widget replace on values' is not applied"
            )
        value = state.widgets[0].value if state.widgets and targets[0] is not None else None
        if targets[0] is None:
            warnings.append(
                f"PrimitiveNode {ex.exec_id}: its first target has no such widget, "
                "so the editor sends null to the others"
            )
        for widget in targets:
            if widget is not None:
                widget.set(value)


def _target_widget(scope: Scope, link: UiLink | None) -> Widget | None:
    target = scope.nodes.get(link.target_id) if link is not None else None
    if link is None or target is None:
        return None
    inputs = target.state.inputs
    name = inputs[link.target_slot].widget if link.target_slot < len(inputs) else None
    return target.state.widget(name)


def _overlay(created: list[T], saved: list[T]) -> list[T]:
    """Saved slots replace the created ones by index (the editor's ``configure``)."""
    merged = list(created)
    for index, item in enumerate(saved):
        if index < len(merged):
            merged[index] = item
        else:
            merged.append(item)
    return merged


def _instance_inputs(sub: SubgraphDef, saved: list[InputSlot]) -> list[InputSlot]:
    """A subgraph instance's inputs: one per subgraph input, the saved slots by name."""
    inputs = [InputSlot(p.name, p.type, None) for p in sub.inputs]
    taken: set[int] = set()
    for slot in saved:
        index = next(
            (i for i, s in enumerate(inputs) if s.name == slot.name and i not in taken), None
        )
        if index is None:
            inputs.append(slot)
        else:
            taken.add(index)
            inputs[index] = replace(slot, type=inputs[index].type)
    return inputs


def _slot_index(node: UiNode, name: str) -> int | None:
    return next((i for i, s in enumerate(node.inputs) if s.name == name), None)


# Display names the editor's own translations give classes this server sends without
# one (they came from ComfyUI's older display-name mappings).
EDITOR_DISPLAY_NAMES: Mapping[str, str] = {
    "ImageBlend": "Image Blend",
    "ImageBlur": "Image Blur",
    "ImageQuantize": "Image Quantize",
    "ImageSharpen": "Image Sharpen",
    "ImageScaleToTotalPixels": "Scale Image to Total Pixels",
}


def node_title(state: NodeState) -> str | None:
    """``_meta.title``: the node's own title, else its class's display name."""
    if state.node.title is not None:
        return state.node.title
    node_class = state.node_class
    if node_class is None:
        return None
    if node_class.display_name == node_class.name:
        return EDITOR_DISPLAY_NAMES.get(node_class.name, node_class.name)
    return node_class.display_name
