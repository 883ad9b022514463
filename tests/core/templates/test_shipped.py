"""Every template shipped in templates/ loads and is valid on a real ComfyUI's object_info."""

from __future__ import annotations

import pytest

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.data_paths import templates_dir
from directors_console.core.templates import (
    AngleLibrary,
    Category,
    ParamType,
    Prompts,
    Template,
    TemplateLoader,
    WorkflowBuilder,
    load_template_file,
    prompt_problems,
)

SHIPPED_IDS = sorted(
    p.stem
    for p in templates_dir().glob("*.yaml")  # one template per file, named after its id
)
REQUIRED = (
    "sd15_txt2img",
    "sdxl_txt2img",
    "sd15_img2img",
    "flux_dev_txt2img",
    "flux_schnell_txt2img",
    "flux_kontext_edit",
    "qwen_image_edit",
    "upscale_model",
    "sd15_inpaint",
    "sdxl_hires_fix",
    "wan_i2v",
    "wan_flf2v",
)
WIDGET_TYPES = {
    ParamType.INT: {"INT"},
    ParamType.SEED: {"INT"},
    ParamType.FLOAT: {"FLOAT"},
    ParamType.BOOL: {"BOOLEAN"},
    ParamType.STRING: {"STRING", "COMBO"},
    ParamType.PROMPT: {"STRING"},
    ParamType.IMAGE: {"COMBO"},
    ParamType.CHOICE: {"COMBO"},
}


def test_the_shipped_set(shipped: TemplateLoader) -> None:
    assert shipped.errors == []
    assert len(shipped.templates) >= 10
    assert sorted(shipped.templates) == SHIPPED_IDS
    assert set(REQUIRED) <= set(shipped.templates)
    categories = {t.category for t in shipped.templates.values()}
    assert categories == set(Category)
    classes = {n["class_type"] for t in shipped.templates.values() for n in t.workflow.values()}
    expected = {"WanImageToVideo", "WanFirstLastFrameToVideo", "ReferenceLatent", "FluxGuidance"}
    expected |= {"UpscaleModelLoader", "VAEEncodeForInpaint", "LatentUpscaleBy", "UNETLoader"}
    assert expected <= classes


@pytest.fixture(params=SHIPPED_IDS)
def template(request: pytest.FixtureRequest) -> Template:
    return load_template_file(templates_dir() / f"{request.param}.yaml", templates_dir())


def test_workflow_is_valid_as_shipped(template: Template, object_info: ObjectInfo) -> None:
    assert prompt_problems(template.workflow, object_info) == []


def test_references_fit_the_node_classes(template: Template, object_info: ObjectInfo) -> None:
    def spec(node: str, name: str):  # type: ignore[no-untyped-def]
        cls = object_info.get(template.workflow[node]["class_type"])
        assert cls is not None
        assert name in cls.inputs, f"{cls.name} has no input {name}"
        return cls.inputs[name]

    for param in template.parameters:
        for ref in param.targets:
            s = spec(ref.node, ref.input)
            assert s.type in WIDGET_TYPES[param.type], (param.name, s.type)
            if param.type == ParamType.CHOICE and s.options:
                assert set(param.choices or ()) <= set(s.options), param.name
            if param.type in (ParamType.INT, ParamType.FLOAT, ParamType.SEED):
                assert s.min is None or param.min is None or param.min >= s.min, param.name
                assert s.max is None or param.max is None or param.max <= s.max, param.name
    for side in (template.prompts.positive, template.prompts.negative):
        for ref in side:
            assert spec(ref.node, ref.input).type == "STRING"
    for image in template.images:
        assert template.workflow[image.node]["class_type"] in ("LoadImage", "LoadImageMask")
        assert spec(image.node, image.input).option("image_upload", False)
    for out in template.outputs:
        cls = object_info.get(template.workflow[out.node]["class_type"])
        assert cls is not None and cls.output_node
        if out.prefix_input:
            assert spec(out.node, out.prefix_input).type == "STRING"
    for slot in template.lora_slots:
        model_cls = object_info.get(template.workflow[slot.model.node]["class_type"])
        assert model_cls is not None and model_cls.outputs[slot.model.output] == "MODEL"
        if slot.clip is not None:
            clip_cls = object_info.get(template.workflow[slot.clip.node]["class_type"])
            assert clip_cls is not None and clip_cls.outputs[slot.clip.output] == "CLIP"


def test_builds_a_valid_prompt_with_everything(template: Template, object_info: ObjectInfo) -> None:
    builder = WorkflowBuilder(template, object_info)
    angle = AngleLibrary.load()["medium-eye-030"]
    loras = [("detail.safetensors", 0.8, 0.6), ("style.safetensors", 0.5, 0.5)]
    result = builder.build_result(
        prompts=Prompts("a knight", "blurry") if template.prompts.positive else None,
        angle=angle if template.prompts.positive else None,
        loras=loras if template.lora_slots else [],
        images={str(i.role): f"{i.role}_upload.png" for i in template.images},
        filename_prefix="project/shot_010",
        seed_mode="increment",
        run_index=2,
    )
    prompt = result.prompt
    assert prompt_problems(prompt, object_info) == []
    assert len(result.lora_nodes) == (2 if template.lora_slots else 0)
    for out in template.outputs:
        assert prompt[out.node]["inputs"][out.prefix_input] == "project/shot_010"
    for ref in template.prompts.positive:
        assert prompt[ref.node]["inputs"][ref.input].startswith("a knight, ")
        assert angle.prompt in prompt[ref.node]["inputs"][ref.input]
    if any(p.type == ParamType.SEED for p in template.parameters):
        assert result.seed == 2  # default 0 + run index 2
