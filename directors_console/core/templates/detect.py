"""Detect what a template of an API prompt should let the user set.

:func:`draft_from_prompt` reads the prompt with the inspector and proposes: the sampler
settings (seed, steps, cfg, sampler, scheduler, denoise; later passes hidden), the size
(width, height, frames, batch) of the latent or video node, the models, each LoRA's file
and strength plus a LoRA slot per model that feeds a sampler, the positive and negative
prompts, the loaded images with a guessed role, and the output file name prefix; each with
a label, a default the template accepts and whether it is exposed at first.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.farm.seeds import MAX_SEED

from .draft import DetectedKind, DetectedParameter, TemplateDraft, WorkflowImportError
from .inspector import (
    LoadedFile,
    ModelKind,
    PromptInspection,
    SamplerNode,
    inspect_prompt,
    is_link,
    python_modules,
)
from .model import (
    Category,
    ImageRole,
    LoraSlot,
    OutputRef,
    OutputTarget,
    Parameter,
    ParamType,
)

IMAGE_LOADERS = frozenset({"LoadImage", "LoadImageMask", "LoadImageOutput"})
SIZE_HINTS = ("Latent", "ToVideo", "EmptyImage")
# sampler setting -> (parameter name, label, type, exposed on the first pass)
SETTINGS: Mapping[str, tuple[str, str, ParamType, bool]] = {
    "seed": ("seed", "Seed", ParamType.SEED, True),
    "noise_seed": ("seed", "Seed", ParamType.SEED, True),
    "steps": ("steps", "Steps", ParamType.INT, True),
    "cfg": ("cfg", "CFG scale", ParamType.FLOAT, True),
    "sampler_name": ("sampler", "Sampler", ParamType.CHOICE, True),
    "scheduler": ("scheduler", "Scheduler", ParamType.CHOICE, True),
    "denoise": ("denoise", "Denoise", ParamType.FLOAT, False),
}
SIZE_INPUTS: Mapping[str, tuple[str, bool]] = {
    "width": ("Width", True),
    "height": ("Height", True),
    "length": ("Frames", True),
    "batch_size": ("Images per run", False),
}
FAMILIES = (  # first match in the model file names wins
    ("flux", "flux"), ("wan2.2", "wan22"), ("wan", "wan21"), ("qwen", "qwen_image"),
    ("hunyuan", "hunyuan"), ("ltx", "ltxv"), ("sd3", "sd3"), ("xl", "sdxl"),
    ("v1-5", "sd15"), ("sd15", "sd15"), ("cosmos", "cosmos"), ("hidream", "hidream"),
)  # fmt: skip


def draft_from_prompt(
    prompt: Mapping[str, Any],
    name: str,
    object_info: ObjectInfo | Mapping[str, Any] | None = None,
    modules: Mapping[str, str] | None = None,
) -> TemplateDraft:
    """A template draft of ``prompt`` with every parameter it detects. ``object_info`` is
    parsed or raw; with a parsed one, ``modules`` (see :func:`python_modules`) tells
    custom node classes apart."""
    if not name.strip():
        raise WorkflowImportError("a template needs a name")
    modules = dict(modules or {})
    if object_info is not None and not isinstance(object_info, ObjectInfo):
        modules = {**python_modules(object_info), **modules}
        object_info = ObjectInfo.parse(object_info)
    workflow = {
        str(k): copy.deepcopy(dict(v))  # the draft owns its workflow
        for k, v in prompt.items()
        if isinstance(v, Mapping) and isinstance(v.get("class_type"), str)
    }
    if not workflow:
        raise WorkflowImportError("the workflow has no nodes")
    found = inspect_prompt(workflow, object_info, modules)
    if not found.outputs:
        raise WorkflowImportError(
            "the workflow has no output node (SaveImage, SaveVideo...): add one to keep results"
        )
    detector = _Detector(workflow, found, object_info)
    params = detector.detect()
    return TemplateDraft(
        id=slug(name),
        name=name.strip(),
        category=_category(found, params),
        model_family=_family(found),
        workflow=workflow,
        parameters=params,
        lora_slots=detector.lora_slots(),
        outputs=tuple(
            OutputTarget(node=o.node, prefix_input=o.prefix.input if o.prefix else None)
            for o in found.outputs
        ),
        inspection=found,
        notes=tuple(detector.notes),
    )


class _Detector:
    def __init__(
        self, workflow: dict[str, dict[str, Any]], found: PromptInspection, info: ObjectInfo | None
    ) -> None:
        self.workflow = workflow
        self.found = found
        self.info = info
        self.params: list[DetectedParameter] = []
        self.taken: set[tuple[str, str]] = set()
        self.notes: list[str] = []

    def detect(self) -> tuple[DetectedParameter, ...]:
        for index, sampler in enumerate(self.found.samplers):
            self._sampler(index, sampler)
        self._sizes()
        self._prompts()
        self._models()
        self._loras()
        self._files()
        self._prefixes()
        return tuple(self.params)

    def _add(self, base: str, label: str, **fields: Any) -> None:
        targets: tuple[tuple[str, str], ...] = fields["targets"]
        if any(t in self.taken for t in targets):
            return
        self.taken.update(targets)
        name, n = base, 1
        while any(p.name == name for p in self.params):
            n += 1
            name = f"{base}_{n}"
        if any(p.label == label for p in self.params):
            label = f"{label} ({n})"
        self.params.append(self._checked(DetectedParameter(name=name, label=label, **fields)))

    def _checked(self, p: DetectedParameter) -> DetectedParameter:
        """``p`` with a default its template parameter accepts: bounds the stored value
        breaks are dropped, and a value of the wrong kind leaves the default empty."""
        if _valid(p):
            return p
        loose = dataclasses.replace(p, min=None, max=None)
        if _valid(loose):
            return loose
        node, input_name = p.targets[0]
        self.notes.append(
            f"node {node} {input_name}: the stored value {p.default!r} does not fit a "
            f"{p.type.value} parameter; {p.name} has no default"
        )
        return dataclasses.replace(loose, default=None)

    def _spec_bounds(self, node: str, input_name: str) -> tuple[float | None, float | None, Any]:
        node_class = self.info.get(self.workflow[node]["class_type"]) if self.info else None
        spec = node_class.inputs.get(input_name) if node_class is not None else None
        if spec is None:
            return None, None, None
        return spec.min, spec.max, spec.options

    def _sampler(self, index: int, sampler: SamplerNode) -> None:
        for key, ref in sampler.settings.items():
            base, label, ptype, exposed = SETTINGS[key]
            low, high, options = self._spec_bounds(ref.node, ref.input)
            choices = tuple(options) if options and ref.value in options else None
            if ptype is ParamType.CHOICE and choices is None:
                ptype = ParamType.STRING
            if key == "denoise" and isinstance(ref.value, int | float) and ref.value < 1:
                exposed = True
            default = ref.value
            if ptype is ParamType.SEED:
                low = high = None
                if not isinstance(default, int) or not 0 <= default <= MAX_SEED:
                    default = None
            if ptype in (ParamType.CHOICE, ParamType.STRING):
                low = high = None
            self._add(
                base, label if index == 0 else f"{label}, pass {index + 1}",
                kind=DetectedKind.SETTING, type=ptype, default=_typed(ptype, default),
                targets=((ref.node, ref.input),), exposed=exposed and index == 0,
                choices=choices, min=low, max=high,
            )  # fmt: skip

    def _sizes(self) -> None:
        first = True
        for node, body in sorted(self.workflow.items(), key=lambda kv: _id_key(kv[0])):
            class_type, inputs = body["class_type"], body.get("inputs", {})
            if not any(h in class_type for h in SIZE_HINTS):
                continue
            if not all(_is_int(inputs.get(k)) for k in ("width", "height")):
                continue
            for key, (label, exposed) in SIZE_INPUTS.items():
                if _is_int(inputs.get(key)):
                    low, high, _ = self._spec_bounds(node, key)
                    self._add(
                        key, label, kind=DetectedKind.SIZE, type=ParamType.INT,
                        default=inputs[key], targets=((node, key),), exposed=exposed and first,
                        min=low, max=high,
                    )  # fmt: skip
            first = False

    def _prompts(self) -> None:
        for side in ("positive", "negative"):
            texts = self.found.prompts_of(side)
            targets = tuple(dict.fromkeys((t.ref.node, t.ref.input) for t in texts))
            if targets:
                self._add(
                    f"{side}_prompt", f"{side.capitalize()} prompt", kind=DetectedKind.PROMPT,
                    type=ParamType.PROMPT, default=str(texts[0].ref.value), targets=targets,
                    exposed=True, side=side,
                )  # fmt: skip

    def _models(self) -> None:
        names = {ModelKind.CHECKPOINT: ("checkpoint", "Checkpoint"),
                 ModelKind.UNET: ("diffusion_model", "Diffusion model"),
                 ModelKind.UPSCALER: ("upscale_model", "Upscale model")}  # fmt: skip
        for model in self.found.models:
            if model.kind in names:
                base, label = names[model.kind]
                self._add(
                    base, label, kind=DetectedKind.MODEL, type=ParamType.STRING,
                    default=model.file, targets=((model.node, model.input),), exposed=False,
                )  # fmt: skip

    def _loras(self) -> None:
        for n, lora in enumerate(self.found.loras, start=1):
            inputs = self.workflow[lora.node].get("inputs", {})
            self._add(
                f"lora_{n}", f"LoRA {n}", kind=DetectedKind.LORA, type=ParamType.STRING,
                default=lora.file, targets=((lora.node, lora.input),), exposed=False,
            )  # fmt: skip
            strengths = tuple(
                (lora.node, k)
                for k in ("strength_model", "strength_clip")
                if _is_num(inputs.get(k))
            )
            if strengths:
                self._add(
                    f"lora_{n}_strength", f"LoRA {n} strength ({lora.file})",
                    kind=DetectedKind.LORA, type=ParamType.FLOAT,
                    default=float(inputs[strengths[0][1]]), targets=strengths, exposed=True,
                )  # fmt: skip

    def _files(self) -> None:
        used: set[ImageRole] = set()
        for loaded in self.found.loaded_files:
            if loaded.class_type not in IMAGE_LOADERS:
                self._add(
                    "input_file", f"Input file ({loaded.class_type})", kind=DetectedKind.FILE,
                    type=ParamType.STRING, default=loaded.file,
                    targets=((loaded.node, loaded.input),), exposed=False,
                )  # fmt: skip
                continue
            role = image_role(loaded)
            exposed = role not in used
            if not exposed:
                self.notes.append(
                    f"node {loaded.node} ({loaded.class_type}) is another {role} image: kept "
                    "hidden with its file, as a template fills one image per role"
                )
            used.add(role)
            self._add(
                f"{role.value}_image", role.value.replace("_", " ").capitalize() + " image",
                kind=DetectedKind.IMAGE, type=ParamType.IMAGE, default=loaded.file,
                targets=((loaded.node, loaded.input),), exposed=exposed, image_role=role,
            )  # fmt: skip

    def _prefixes(self) -> None:
        refs = [o.prefix for o in self.found.outputs if o.prefix is not None]
        if refs:
            self._add(
                "filename_prefix", "File name prefix", kind=DetectedKind.PREFIX,
                type=ParamType.STRING, default=str(refs[0].value),
                targets=tuple((r.node, r.input) for r in refs), exposed=False,
            )  # fmt: skip

    def lora_slots(self) -> tuple[LoraSlot, ...]:
        """One slot per model that feeds a sampler; the first also takes the prompt's CLIP."""
        slots: list[LoraSlot] = []
        seen: set[tuple[str, int]] = set()
        clip = self._clip_source()
        for sampler in self.found.samplers:
            model = self._model_source(sampler.node)
            if model is None or model in seen:
                continue
            seen.add(model)
            first = not slots
            slots.append(
                LoraSlot(
                    name="main" if first else f"pass_{len(slots) + 1}",
                    model=OutputRef(node=model[0], output=model[1]),
                    clip=OutputRef(node=clip[0], output=clip[1]) if first and clip else None,
                )
            )
        return tuple(slots)

    def _model_source(self, sampler: str) -> tuple[str, int] | None:
        inputs = self.workflow[sampler].get("inputs", {})
        link = inputs.get("model")
        if not is_link(link) and is_link(inputs.get("guider")):
            guider = self.workflow.get(str(inputs["guider"][0]), {})
            link = guider.get("inputs", {}).get("model")
        if is_link(link) and str(link[0]) in self.workflow:
            return str(link[0]), int(link[1])
        return None

    def _clip_source(self) -> tuple[str, int] | None:
        for text in self.found.prompts_of("positive"):
            link = self.workflow[text.ref.node].get("inputs", {}).get("clip")
            if is_link(link) and str(link[0]) in self.workflow:
                return str(link[0]), int(link[1])
        return None


def _valid(p: DetectedParameter) -> bool:
    try:
        Parameter(
            name=p.name, type=p.type, default=p.default, min=p.min, max=p.max,
            choices=p.choices, targets=tuple({"node": n, "input": i} for n, i in p.targets),
        )  # fmt: skip
    except ValueError:
        return False
    return True


def image_role(loaded: LoadedFile) -> ImageRole:
    """The role a loaded image plays, guessed from the inputs it feeds."""
    fed = {name.lower() for _, _, name in loaded.feeds}
    if loaded.class_type == "LoadImageMask":
        return ImageRole.MASK
    if fed & {"start_image", "first_frame", "start_frame", "init_image"}:
        return ImageRole.FIRST_FRAME
    if fed & {"end_image", "last_frame", "end_frame"}:
        return ImageRole.LAST_FRAME
    if "pixels" in fed:
        return ImageRole.INIT
    if fed and fed <= {"mask"}:
        return ImageRole.MASK
    return ImageRole.REFERENCE


def _category(found: PromptInspection, params: Iterable[DetectedParameter]) -> Category:
    classes = {c.class_type for c in found.node_classes}
    roles = {p.image_role for p in params if p.image_role is not None}
    if any("Video" in c for c in classes) or ImageRole.FIRST_FRAME in roles:
        return Category.VIDEO
    if "VAEEncodeForInpaint" in classes or "InpaintModelConditioning" in classes:
        return Category.INPAINT
    if not found.samplers and found.models_of(ModelKind.UPSCALER):
        return Category.UPSCALING
    if any("Edit" in c or "Kontext" in c for c in classes):
        return Category.IMAGE_EDITING
    if roles:
        return Category.IMAGE_TO_IMAGE
    return Category.TEXT_TO_IMAGE


def _family(found: PromptInspection) -> str:
    files = " ".join(m.file.lower() for m in found.models if m.kind is not ModelKind.LORA)
    return next((family for key, family in FAMILIES if key in files), "other")


def slug(name: str) -> str:
    """A template id from a name: lower case letters, digits and underscores."""
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return text or "imported"


def _typed(ptype: ParamType, value: Any) -> Any:
    if ptype is ParamType.FLOAT and isinstance(value, int | float):
        return float(value)
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _id_key(node: str) -> tuple[int, str]:
    return (int(node), "") if node.isdigit() else (1 << 62, node)
