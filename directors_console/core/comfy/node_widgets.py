"""The widgets the ComfyUI editor gives a node, and how their values reach the API prompt.

A node's ``widgets_values`` is positional: one entry per widget the editor created, in the
order of the class's inputs in ``object_info`` (required, then optional). Some widgets
exist only in the editor and are never sent, yet still own a slot: the
``control_after_generate`` combo after a seed, the image ``upload`` button. Others are
buttons whose value *is* sent (the Load 3D node's buttons). This module knows that layout
(:func:`widget_layout`), fills it from ``widgets_values`` (:func:`widgets_for`), knows
which created input slot drives which widget (:func:`created_inputs`), and says what a
widget sends (:func:`sent_value`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .editor_values import Random, api_value, js_string, js_stringify, resolve_dynamic_prompt
from .object_info import COMBO, InputSpec, NodeClass

VALUE_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", COMBO})
CONTROL_WIDGET = "control_after_generate"
# Widget types the editor draws itself; their stored value is sent as it is.
CAPTURE_TYPES = frozenset({"LOAD_3D", "LOAD_3D_ANIMATION"})
# Buttons the Load 3D nodes add after their ``model_file`` combo (their value is sent).
LOAD_3D_BUTTONS = (
    ("upload 3d model", "upload3dmodel"),
    ("upload extra resources", "uploadExtraResources"),
    ("clear", "clear"),
)
# A missing node type keeps its stored values under this one name (the last one wins).
UNKNOWN_WIDGET = "UNKNOWN"
AUDIO_UI = "audioUI"  # the editor's audio player; always sends ""


@dataclass(frozen=True, slots=True)
class WidgetSpec:
    """One widget of a node class, as the editor creates it."""

    name: str
    default: Any = None
    serialize: bool = True  # False: the editor keeps the value but never sends it
    dynamic_prompts: bool = False  # {a|b} choices and comments are resolved when sent
    capture: bool = False  # drawn by the editor (3D viewer); the stored value is a stand-in
    text_box: bool = False  # a multi-line text box: a stored null reads back as ""
    fixed: bool = False  # sends its default whatever is stored (an audio player)


class Widget:
    """A widget of one node in one conversion; PrimitiveNodes and subgraphs write into it.

    A multi-line text box keeps its text in one shared box: a subgraph's promoted copy of
    it writes straight through to the original, as the editor's text areas do.
    """

    __slots__ = ("_cell", "capture", "dynamic_prompts", "fixed", "name", "serialize", "text_box")

    def __init__(
        self,
        name: str,
        value: Any,
        serialize: bool = True,
        dynamic_prompts: bool = False,
        capture: bool = False,
        text_box: bool = False,
        fixed: bool = False,
    ) -> None:
        self.name = name
        self._cell: list[Any] = [value]
        self.serialize = serialize
        self.dynamic_prompts = dynamic_prompts
        self.capture = capture
        self.text_box = text_box
        self.fixed = fixed

    def __repr__(self) -> str:
        return f"Widget({self.name!r}, {self.value!r})"

    @property
    def value(self) -> Any:
        return self._cell[0]

    @classmethod
    def of(cls, spec: WidgetSpec, value: Any) -> Widget:
        widget = cls(
            spec.name,
            spec.default,
            spec.serialize,
            spec.dynamic_prompts,
            spec.capture,
            spec.text_box,
            spec.fixed,
        )
        widget.set(value)
        return widget

    def copy(self, name: str) -> Widget:
        """A copy under another name (a promoted widget); text boxes share their text."""
        twin = Widget(
            name,
            self.value,
            self.serialize,
            self.dynamic_prompts,
            self.capture,
            self.text_box,
            self.fixed,
        )
        if self.text_box:
            twin._cell = self._cell
        return twin

    def set(self, value: Any) -> None:
        if self.fixed:
            return
        self._cell[0] = js_string(value) if self.text_box else value


# Widgets the editor's own extensions add to some classes, after the required inputs.
_PREVIEW_3D = (WidgetSpec("image", ""),)
_AUDIO_PLAYER = (WidgetSpec(AUDIO_UI, "", fixed=True),)
EXTENSION_WIDGETS: Mapping[str, tuple[WidgetSpec, ...]] = {
    "PreviewAny": (WidgetSpec("preview", "", text_box=True),),
    "SaveGLB": _PREVIEW_3D,
    "Preview3D": _PREVIEW_3D,
    "Preview3DAnimation": _PREVIEW_3D,
    "LoadAudio": _AUDIO_PLAYER,
    "SaveAudio": _AUDIO_PLAYER,
    "PreviewAudio": _AUDIO_PLAYER,
    "SaveAudioMP3": _AUDIO_PLAYER,
    "SaveAudioOpus": _AUDIO_PLAYER,
}


def widget_layout(node_class: NodeClass) -> tuple[WidgetSpec, ...]:
    """The node's widgets in the editor's order (one ``widgets_values`` slot each)."""
    required: list[WidgetSpec] = []
    optional: list[WidgetSpec] = []
    for name in node_class.input_order:
        spec = node_class.inputs.get(name)
        if spec is not None:
            (required if spec.required else optional).extend(
                _widgets_of_input(node_class.name, spec)
            )
    extra = EXTENSION_WIDGETS.get(node_class.name, ())
    return (*required, *extra, *optional)


def created_inputs(node_class: NodeClass) -> tuple[tuple[str, str, str | None], ...]:
    """The input slots the editor creates for a class: ``(name, type, widget name)``.

    Link-only inputs come first, then one socket per value widget, each in the class's
    input order. A saved node's slots overwrite these by index when it is loaded, and
    slot *k* keeps driving the widget of created slot *k* whatever it is named: that
    is which widget a subgraph promotes and writes back to.
    """
    plain: list[tuple[str, str, str | None]] = []
    sockets: list[tuple[str, str, str | None]] = []
    for name in node_class.input_order:
        spec = node_class.inputs.get(name)
        if spec is None:
            continue
        if _widgets_of_input(node_class.name, spec):
            sockets.append((name, spec.type, name))
        else:
            plain.append((name, spec.type, None))
    return (*plain, *sockets)


def _widgets_of_input(class_name: str, spec: InputSpec) -> list[WidgetSpec]:
    if spec.option("forceInput", False):
        return []
    if spec.type in CAPTURE_TYPES:
        buttons = [WidgetSpec(n, v) for n, v in LOAD_3D_BUTTONS]
        return [*buttons, WidgetSpec(spec.name, "", capture=True)]
    if spec.type in ("WEBCAM", "AUDIO_RECORD"):
        return [WidgetSpec(spec.name, "", capture=True)]
    if spec.type not in VALUE_TYPES:
        return []
    is_text = spec.type == "STRING"
    widgets = [
        WidgetSpec(
            spec.name,
            _default_value(spec),
            dynamic_prompts=is_text and bool(spec.option("dynamicPrompts")),
            text_box=is_text and bool(spec.option("multiline")),
        )
    ]
    control = spec.option(CONTROL_WIDGET) or spec.option("control_before_generate")
    if control and spec.type in ("INT", "FLOAT", COMBO):
        mode = control if isinstance(control, str) else "randomize"
        widgets.append(WidgetSpec(CONTROL_WIDGET, mode, serialize=False))
    if spec.type == COMBO:
        if spec.option("image_upload") or spec.option("video_upload"):
            widgets.append(WidgetSpec("upload", "image", serialize=False))
        elif spec.option("audio_upload"):
            widgets.append(WidgetSpec("upload", "audio", serialize=False))
    return widgets


def _default_value(spec: InputSpec) -> Any:
    if spec.default is not None:
        return spec.default
    if spec.type in ("INT", "FLOAT"):
        return int(spec.min) if spec.min is not None and spec.min.is_integer() else spec.min or 0
    if spec.type == "STRING":
        return ""
    if spec.type == "BOOLEAN":
        return False
    if spec.options:
        return spec.options[0]
    return None


def widgets_for(
    layout: tuple[WidgetSpec, ...], values: tuple[Any, ...] | Mapping[str, Any] | None
) -> list[Widget]:
    """The node's widgets holding its stored values (or the defaults, when too few)."""
    widgets: list[Widget] = []
    for i, spec in enumerate(layout):
        if isinstance(values, Mapping):
            value = values.get(spec.name, spec.default)
        elif values is not None and i < len(values):
            value = values[i]
        else:
            value = spec.default
        widgets.append(Widget.of(spec, value))
    return widgets


def unknown_widgets(values: tuple[Any, ...] | Mapping[str, Any] | None) -> list[Widget]:
    """What the editor keeps for a node type the server lacks: each value as ``UNKNOWN``.

    Such a widget shows objects and lists as their JSON text, and sends that text.
    """
    if not isinstance(values, tuple):
        return []
    return [Widget(UNKNOWN_WIDGET, _as_text_if_object(value)) for value in values]


def _as_text_if_object(value: Any) -> Any:
    if isinstance(value, list | dict) or value is None:
        return js_stringify(value)
    return value


def sent_value(widget: Widget, random: Random | None) -> Any:
    """The value as the editor puts it into the prompt."""
    value = widget.value
    if widget.dynamic_prompts and isinstance(value, str) and random is not None:
        value = resolve_dynamic_prompt(value, random)
    return api_value(value)
