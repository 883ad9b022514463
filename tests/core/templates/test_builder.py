"""WorkflowBuilder: parameters, prompts and angles, images, seeds, prefixes and LoRA chains."""

from __future__ import annotations

import random
from typing import Any

import pytest

from directors_console.core.comfy.models import UploadedFile
from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.templates import (
    AngleLibrary,
    BuildError,
    Lora,
    Prompts,
    SeedMode,
    Template,
    TemplateLoader,
    WorkflowBuilder,
    parse_template,
    prompt_problems,
)
from directors_console.core.templates.validate import is_link


def links_to(prompt: dict[str, Any], node: str, slot: int) -> list[tuple[str, str]]:
    return [
        (nid, name)
        for nid, body in prompt.items()
        for name, value in body["inputs"].items()
        if is_link(value) and value == [node, slot]
    ]


@pytest.fixture
def sd15(shipped: TemplateLoader) -> Template:
    t = shipped.get("sd15_txt2img")
    assert t is not None
    return t


@pytest.fixture
def hires(shipped: TemplateLoader) -> Template:
    t = shipped.get("sdxl_hires_fix")
    assert t is not None
    return t


# --- parameters ----------------------------------------------------------------------


def test_defaults_and_values_are_applied(sd15: Template, object_info: ObjectInfo) -> None:
    prompt = WorkflowBuilder(sd15, object_info).build(
        {"width": 768, "steps": 30, "cfg": 5.5, "sampler": "dpmpp_2m", "checkpoint": "my.ckpt"}
    )
    assert prompt["5"]["inputs"]["width"] == 768
    assert prompt["5"]["inputs"]["height"] == 512  # the default
    assert prompt["3"]["inputs"] | {"steps": 30, "cfg": 5.5} == prompt["3"]["inputs"]
    assert prompt["3"]["inputs"]["sampler_name"] == "dpmpp_2m"
    assert prompt["4"]["inputs"]["ckpt_name"] == "my.ckpt"
    assert sd15.workflow["5"]["inputs"]["width"] == 512  # the template is not changed


def test_a_parameter_writes_all_its_targets(hires: Template) -> None:
    prompt = WorkflowBuilder(hires).build({"cfg": 4.5, "seed": 77})
    assert prompt["3"]["inputs"]["cfg"] == prompt["13"]["inputs"]["cfg"] == 4.5
    assert prompt["3"]["inputs"]["seed"] == prompt["13"]["inputs"]["seed"] == 77


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"width": 4096}, "above the maximum 2048"),
        ({"width": 100}, "below the minimum 256"),
        ({"width": 515}, "not a multiple of the step 8"),
        ({"steps": 2.5}, "expected an integer"),
        ({"steps": True}, "expected an integer"),
        ({"cfg": "high"}, "expected a number"),
        ({"sampler": "warp"}, "'warp' is not one of"),
        ({"checkpoint": 12}, "expected text"),
        ({"seed": -1}, "a seed is between 0"),
        ({"turbo": 1}, "unknown parameter 'turbo'"),
    ],
)
def test_bad_values_are_refused_clearly(
    sd15: Template, values: dict[str, Any], reason: str
) -> None:
    with pytest.raises(BuildError, match=reason):
        WorkflowBuilder(sd15).build(values)


def test_all_problems_are_reported_at_once(sd15: Template) -> None:
    with pytest.raises(BuildError) as info:
        WorkflowBuilder(sd15).build({"width": 1, "height": 99999})
    assert len(info.value.problems) == 2
    assert "Width (width)" in info.value.problems[0]


# --- prompts, angles, images, prefix ---------------------------------------------------


def test_prompts_and_angle_tokens(sd15: Template) -> None:
    angle = AngleLibrary.load()["wide-low-090"]
    prompt = WorkflowBuilder(sd15).build(prompts=Prompts("a red door.", "ugly"), angle=angle)
    positive = prompt["6"]["inputs"]["text"]
    assert positive == f"a red door, {angle.prompt}"
    assert "low-angle" in positive and "wide shot" in positive and "right profile" in positive
    assert prompt["7"]["inputs"]["text"] == "ugly"


def test_prompts_as_mapping_and_angle_on_the_template_text(sd15: Template) -> None:
    angle = AngleLibrary.load()["close-eye-000"]
    built = WorkflowBuilder(sd15).build({}, {"negative": "bad"}, angle=angle)
    assert built["6"]["inputs"]["text"].endswith(angle.prompt)
    assert built["6"]["inputs"]["text"].startswith(sd15.workflow["6"]["inputs"]["text"])
    assert built["7"]["inputs"]["text"] == "bad"


def test_negative_without_target_is_a_warning(shipped: TemplateLoader) -> None:
    flux = shipped.get("flux_dev_txt2img")
    assert flux is not None
    result = WorkflowBuilder(flux).build_result(prompts=Prompts("a cat", "a dog"))
    assert result.prompt["6"]["inputs"]["text"] == "a cat"
    assert "no negative prompt" in result.warnings[0]


def test_prompt_for_a_template_without_prompts_is_refused(shipped: TemplateLoader) -> None:
    upscale = shipped.get("upscale_model")
    assert upscale is not None
    with pytest.raises(BuildError, match="takes no positive prompt"):
        WorkflowBuilder(upscale).build(prompts=Prompts("x"), images={"init": "a.png"})


def test_images_by_role(shipped: TemplateLoader, object_info: ObjectInfo) -> None:
    flf = shipped.get("wan_flf2v")
    assert flf is not None
    uploaded = UploadedFile(name="end.png", subfolder="dc", type="input")
    prompt = WorkflowBuilder(flf, object_info).build(
        images={"first_frame": "start.png", "last_frame": uploaded}
    )
    assert prompt["52"]["inputs"]["image"] == "start.png"
    assert prompt["72"]["inputs"]["image"] == "dc/end.png"


def test_missing_and_unknown_images(shipped: TemplateLoader) -> None:
    flf = shipped.get("wan_flf2v")
    assert flf is not None
    with pytest.raises(BuildError) as info:
        WorkflowBuilder(flf).build(images={"first_frame": "a.png", "mask": "m.png"})
    text = str(info.value)
    assert "has no mask image" in text
    assert "an image is needed for the role last_frame" in text


def test_filename_prefix(sd15: Template) -> None:
    prompt = WorkflowBuilder(sd15).build(filename_prefix="film/sc01_p002_v003")
    assert prompt["9"]["inputs"]["filename_prefix"] == "film/sc01_p002_v003"
    for bad in ("../escape", "/abs/path", "  "):
        with pytest.raises(BuildError, match="filename prefix"):
            WorkflowBuilder(sd15).build(filename_prefix=bad)


# --- seeds -----------------------------------------------------------------------------


def test_seed_modes(hires: Template) -> None:
    builder = WorkflowBuilder(hires, rng=random.Random(5))
    fixed = builder.build_result({"seed": 1234}, seed_mode=SeedMode.FIXED, run_index=3)
    assert fixed.seed == 1234
    inc = [
        builder.build_result({"seed": 1234}, seed_mode="increment", run_index=i) for i in range(3)
    ]
    assert [r.seed for r in inc] == [1234, 1235, 1236]
    assert all(r.prompt["3"]["inputs"]["seed"] == r.prompt["13"]["inputs"]["seed"] for r in inc)
    rand = [builder.build_result(seed_mode="random").seed for _ in range(3)]
    assert len(set(rand)) == 3
    assert builder.build(seed_mode="random")["13"]["inputs"]["seed"] != 0
    with pytest.raises(BuildError, match="seed mode"):
        builder.build(seed_mode="sometimes")


def test_seed_without_a_seed_parameter_uses_every_literal_seed(sd15: Template) -> None:
    data = sd15.model_dump()
    data["parameters"] = [p for p in data["parameters"] if p["name"] != "seed"]
    bare = parse_template(data)
    result = WorkflowBuilder(bare).build_result(seed_mode="increment", run_index=4)
    assert result.seed == 4 and result.prompt["3"]["inputs"]["seed"] == 4


# --- LoRA chains -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 3])
def test_lora_chain_rewires_every_consumer(
    hires: Template, object_info: ObjectInfo, count: int
) -> None:
    loras = [Lora(f"lora{i}.safetensors", 0.5 + i / 10, 0.25) for i in range(count)]
    result = WorkflowBuilder(hires, object_info).build_result(loras=loras)
    prompt = result.prompt
    assert prompt_problems(prompt, object_info) == []
    # Nothing removed or retyped.
    for node_id, body in hires.workflow.items():
        assert prompt[node_id]["class_type"] == body["class_type"]
    assert len(prompt) == len(hires.workflow) + count
    assert len(result.lora_nodes) == count
    if count == 0:
        assert prompt == hires.workflow | {k: prompt[k] for k in ("3", "13")}
        return
    chain = [prompt[n] for n in result.lora_nodes]
    assert [c["class_type"] for c in chain] == ["LoraLoader"] * count
    assert chain[0]["inputs"]["model"] == ["4", 0] and chain[0]["inputs"]["clip"] == ["4", 1]
    for prev, node in zip(result.lora_nodes, chain[1:], strict=False):
        assert node["inputs"]["model"] == [prev, 0] and node["inputs"]["clip"] == [prev, 1]
    assert [c["inputs"]["lora_name"] for c in chain] == [lo.name for lo in loras]
    assert chain[-1]["inputs"]["strength_model"] == loras[-1].strength_model
    last = result.lora_nodes[-1]
    # Only the first LoRA still reads the checkpoint's model and clip...
    assert links_to(prompt, "4", 0) == [(result.lora_nodes[0], "model")]
    assert links_to(prompt, "4", 1) == [(result.lora_nodes[0], "clip")]
    # ...and every former consumer (both samplers, both text encoders) reads the last one.
    assert sorted(links_to(prompt, last, 0)) == [("13", "model"), ("3", "model")]
    assert sorted(links_to(prompt, last, 1)) == [("6", "clip"), ("7", "clip")]
    assert prompt["8"]["inputs"]["vae"] == ["4", 2]  # the VAE is not touched


def test_model_only_chain_for_split_loaders(
    shipped: TemplateLoader, object_info: ObjectInfo
) -> None:
    wan = shipped.get("wan_i2v")
    assert wan is not None
    result = WorkflowBuilder(wan, object_info).build_result(
        loras=["motion.safetensors", ("style.safetensors", 0.7)],
        images={"first_frame": "f.png"},
    )
    a, b = result.lora_nodes
    assert result.prompt[a]["class_type"] == "LoraLoaderModelOnly"
    assert "clip" not in result.prompt[a]["inputs"]
    assert result.prompt[b]["inputs"]["model"] == [a, 0]
    assert result.prompt[b]["inputs"]["strength_model"] == 0.7
    assert links_to(result.prompt, b, 0) == [("54", "model")]
    assert prompt_problems(result.prompt, object_info) == []


def test_split_model_and_clip_sources(shipped: TemplateLoader, object_info: ObjectInfo) -> None:
    flux = shipped.get("flux_dev_txt2img")
    assert flux is not None
    result = WorkflowBuilder(flux, object_info).build_result(loras=[("x.safetensors", 1.0, 1.0)])
    (node,) = result.lora_nodes
    assert result.prompt[node]["inputs"]["model"] == ["12", 0]
    assert result.prompt[node]["inputs"]["clip"] == ["11", 0]
    assert links_to(result.prompt, node, 0) == [("30", "model")]
    assert links_to(result.prompt, node, 1) == [("6", "clip")]


def test_slot_consumers_limit_the_rewiring(hires: Template, object_info: ObjectInfo) -> None:
    data = hires.model_dump()
    data["lora_slots"] = [
        {
            "name": "hires",
            "model": {"node": "4"},
            "clip": {"node": "4", "output": 1},
            "consumers": ["13"],
        }
    ]
    only_second = parse_template(data)
    result = WorkflowBuilder(only_second, object_info).build_result(
        loras={"hires": [Lora("detail.safetensors")]}
    )
    (node,) = result.lora_nodes
    assert result.prompt["13"]["inputs"]["model"] == [node, 0]
    assert result.prompt["3"]["inputs"]["model"] == ["4", 0]
    with pytest.raises(BuildError, match="no LoRA slot 'main'"):
        WorkflowBuilder(only_second).build(loras={"main": ["a.safetensors"]})


def test_new_node_ids_never_collide(sd15: Template, object_info: ObjectInfo) -> None:
    data = sd15.model_dump()
    # Ids a converter may produce: subgraph paths and a gap right above the largest number.
    data["workflow"]["10"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    data["workflow"]["56:11"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    crowded = parse_template(data)
    result = WorkflowBuilder(crowded, object_info).build_result(
        loras=[Lora(f"l{i}.safetensors") for i in range(3)]
    )
    assert set(result.lora_nodes).isdisjoint(crowded.workflow)
    assert len(set(result.lora_nodes)) == 3
    assert result.lora_nodes == ("11", "12", "13")


@pytest.mark.parametrize(
    ("loras", "reason"),
    [
        ([("", 1.0, 1.0)], "has no file name"),
        ([("a.safetensors", 250.0, 1.0)], "model strength 250.0"),
        ([("a.safetensors", 1.0, "x")], "clip strength 'x'"),
    ],
)
def test_bad_loras(sd15: Template, loras: list[Any], reason: str) -> None:
    with pytest.raises(BuildError, match=reason):
        WorkflowBuilder(sd15).build(loras=loras)


def test_loras_on_a_template_without_slot(shipped: TemplateLoader) -> None:
    upscale = shipped.get("upscale_model")
    assert upscale is not None
    with pytest.raises(BuildError, match="has no LoRA slot"):
        WorkflowBuilder(upscale).build(loras=["a.safetensors"], images={"init": "a.png"})


# --- validation against object_info ----------------------------------------------------------


def test_the_result_is_checked_against_object_info(sd15: Template, object_info: ObjectInfo) -> None:
    data = sd15.model_dump()
    data["workflow"]["8"]["inputs"]["vae"] = ["4", 1]  # CLIP into a VAE input
    broken = parse_template(data)
    WorkflowBuilder(broken).build()  # without object_info only the shape is checked
    with pytest.raises(BuildError, match=r"expects VAE but 4\[1\] gives CLIP"):
        WorkflowBuilder(broken, object_info).build()


def test_prompt_problems_lists_what_a_server_would_reject(object_info: ObjectInfo) -> None:
    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "2": {"class_type": "NoSuchNode", "inputs": {}},
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["1", 5],
                "steps": 0,
                "cfg": "x",
                "sampler_name": "warp",
                "seed": 1,
            },
        },
        "4": {"class_type": "SaveImage", "inputs": {"images": ["9", 0]}},
    }
    problems = prompt_problems(prompt, object_info)
    assert problems == ["4.images: links to missing node 9"]
    del prompt["4"]
    text = "\n".join(prompt_problems(prompt, object_info))
    assert "unknown class NoSuchNode" in text
    assert "has no output slot 5" in text
    assert "steps (KSampler): 0 is below 1" in text
    assert "cfg (KSampler): 'x' is not a number" in text
    assert "'warp' is not one of" in text
    assert "required input positive is missing" in text


def test_removing_a_lora_rewires_its_consumers() -> None:
    from directors_console.core.templates.builder import remove_lora

    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
        "2": {
            "class_type": "LoraLoader",
            "inputs": {"model": ["1", 0], "clip": ["1", 1], "lora_name": "x.safetensors"},
        },
        "3": {
            "class_type": "LoraLoaderModelOnly",
            "inputs": {"model": ["2", 0], "lora_name": "y.safetensors"},
        },
        "4": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["2", 1], "text": "hi"}},
        "5": {"class_type": "KSampler", "inputs": {"model": ["3", 0], "positive": ["4", 0]}},
    }
    remove_lora(prompt, "2")
    assert "2" not in prompt
    assert prompt["3"]["inputs"]["model"] == ["1", 0]
    assert prompt["4"]["inputs"]["clip"] == ["1", 1]
    remove_lora(prompt, "3")
    assert prompt["5"]["inputs"]["model"] == ["1", 0]
    with pytest.raises(ValueError, match="not a LoRA loader"):
        remove_lora(prompt, "4")
