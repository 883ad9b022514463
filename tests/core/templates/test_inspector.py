"""The prompt inspector: models by kind, node origins, outputs, samplers, images, prompts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.data_paths import templates_dir
from directors_console.core.templates.inspector import (
    ModelKind,
    inspect_prompt,
    python_modules,
)
from tests.conftest import FIXTURES, require_fixture


@pytest.fixture(scope="module")
def raw_info() -> dict[str, Any]:
    path = require_fixture(FIXTURES / "object_info.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _shipped(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (templates_dir() / f"{name}.api.json").read_text(encoding="utf-8")
    )
    return data


def _node(class_type: str, **inputs: Any) -> dict[str, Any]:
    return {"class_type": class_type, "inputs": inputs}


LORA_PROMPT = {
    "4": _node("CheckpointLoaderSimple", ckpt_name="sd_xl_base_1.0.safetensors"),
    "10": _node(
        "LoraLoader",
        model=["4", 0],
        clip=["4", 1],
        lora_name="film_grain.safetensors",
        strength_model=0.8,
        strength_clip=0.6,
    ),
    "11": _node(
        "LoraLoaderModelOnly", model=["10", 0], lora_name="detail.safetensors", strength_model=1.2
    ),
    "6": _node("CLIPTextEncode", clip=["10", 1], text="a lighthouse at dusk"),
    "7": _node("CLIPTextEncode", clip=["10", 1], text="blurry"),
    "5": _node("EmptyLatentImage", width=1024, height=1024, batch_size=1),
    "3": _node(
        "KSampler",
        model=["11", 0],
        positive=["6", 0],
        negative=["7", 0],
        latent_image=["5", 0],
        seed=7,
        steps=25,
        cfg=7.0,
        sampler_name="euler",
        scheduler="karras",
        denoise=1.0,
    ),
    "8": _node("VAEDecode", samples=["3", 0], vae=["4", 2]),
    "20": _node("UpscaleModelLoader", model_name="4x-UltraSharp.pth"),
    "21": _node("ImageUpscaleWithModel", upscale_model=["20", 0], image=["8", 0]),
    "9": _node("SaveImage", images=["21", 0], filename_prefix="shots/s01"),
}


def test_models_by_kind_with_lora_strengths(raw_info: dict[str, Any]) -> None:
    found = inspect_prompt(LORA_PROMPT, raw_info)
    assert [m.file for m in found.models_of(ModelKind.CHECKPOINT)] == ["sd_xl_base_1.0.safetensors"]
    assert [m.file for m in found.models_of(ModelKind.UPSCALER)] == ["4x-UltraSharp.pth"]
    assert [(m.file, m.strength_model, m.strength_clip) for m in found.loras] == [
        ("film_grain.safetensors", 0.8, 0.6),
        ("detail.safetensors", 1.2, None),
    ]


def test_unet_vae_clip_and_clip_vision() -> None:
    found = inspect_prompt(_shipped("wan_flf2v"))
    kinds = {m.kind: m.file for m in found.models}
    assert kinds[ModelKind.UNET] == "wan2.1_flf2v_720p_14B_fp16.safetensors"
    assert kinds[ModelKind.VAE] == "wan_2.1_vae.safetensors"
    assert kinds[ModelKind.CLIP] == "umt5_xxl_fp8_e4m3fn_scaled.safetensors"
    assert kinds[ModelKind.CLIP_VISION] == "clip_vision_h.safetensors"


def test_controlnet_files() -> None:
    prompt = {"1": _node("ControlNetLoader", control_net_name="depth.safetensors")}
    assert inspect_prompt(prompt).models[0].kind is ModelKind.CONTROLNET


def test_outputs_samplers_prompts_of_a_plain_workflow(raw_info: dict[str, Any]) -> None:
    found = inspect_prompt(LORA_PROMPT, raw_info)
    assert [(o.node, o.class_type) for o in found.outputs] == [("9", "SaveImage")]
    prefix = found.outputs[0].prefix
    assert prefix is not None and prefix.value == "shots/s01"
    assert [s.node for s in found.samplers] == ["3"]
    settings = {k: v.value for k, v in found.samplers[0].settings.items()}
    assert settings == {
        "seed": 7,
        "steps": 25,
        "cfg": 7.0,
        "sampler_name": "euler",
        "scheduler": "karras",
        "denoise": 1.0,
    }
    assert [(p.side, p.ref.node, p.ref.value) for p in found.prompts] == [
        ("positive", "6", "a lighthouse at dusk"),
        ("negative", "7", "blurry"),
    ]
    assert found.exact


def test_samplers_in_execution_order() -> None:
    # The hires pass (node 13) runs after the base pass (node 3); a sampler feeding no
    # output is never run and not listed.
    found = inspect_prompt(_shipped("sdxl_hires_fix"))
    assert [s.node for s in found.samplers] == ["3", "13"]
    prompt = {
        "30": _node("KSampler", seed=1, steps=4, latent_image=["2", 0]),
        "2": _node("KSampler", seed=2, steps=10),
        "99": _node("KSampler", seed=3, steps=10),  # feeds nothing
        "40": _node("SaveImage", images=["30", 0], filename_prefix="x"),
    }
    assert [s.node for s in inspect_prompt(prompt).samplers] == ["2", "30"]


def test_custom_sampling_settings_and_prompts_come_from_linked_nodes(
    raw_info: dict[str, Any],
) -> None:
    prompt = {
        "6": _node("CLIPTextEncode", clip=["1", 0], text="neon alley"),
        "1": _node("CLIPLoader", clip_name="t5.safetensors", type="flux"),
        "2": _node("UNETLoader", unet_name="flux1-dev.safetensors", weight_dtype="default"),
        "25": _node("RandomNoise", noise_seed=99),
        "22": _node("BasicGuider", model=["2", 0], conditioning=["26", 0]),
        "26": _node("FluxGuidance", conditioning=["6", 0], guidance=3.5),
        "16": _node("KSamplerSelect", sampler_name="euler"),
        "17": _node("BasicScheduler", model=["2", 0], scheduler="simple", steps=20, denoise=1.0),
        "27": _node("EmptySD3LatentImage", width=1024, height=768, batch_size=1),
        "13": _node(
            "SamplerCustomAdvanced",
            noise=["25", 0],
            guider=["22", 0],
            sampler=["16", 0],
            sigmas=["17", 0],
            latent_image=["27", 0],
        ),
        "9": _node("SaveImage", images=["13", 0], filename_prefix="flux"),
    }
    found = inspect_prompt(prompt, raw_info)
    (sampler,) = found.samplers
    where = {k: (v.node, v.value) for k, v in sampler.settings.items()}
    assert where == {
        "noise_seed": ("25", 99),
        "sampler_name": ("16", "euler"),
        "steps": ("17", 20),
        "scheduler": ("17", "simple"),
        "denoise": ("17", 1.0),
    }
    assert [(p.side, p.ref.node) for p in found.prompts] == [("positive", "6")]
    # the sampler-object nodes are not samplers
    assert "16" not in {s.node for s in found.samplers}


def test_prompts_followed_through_conditioning_nodes() -> None:
    prompt = {
        "6": _node("CLIPTextEncode", text="hero shot"),
        "7": _node("CLIPTextEncode", text="lowres"),
        "12": _node("ControlNetApplyAdvanced", positive=["6", 0], negative=["7", 0], strength=1),
        "13": _node("ConditioningSetTimestepRange", conditioning=["12", 1], start=0, end=1),
        "3": _node("KSampler", positive=["12", 0], negative=["13", 0], seed=1),
        "9": _node("SaveImage", images=["3", 0], filename_prefix="x"),
    }
    found = inspect_prompt(prompt)
    assert [(p.side, p.ref.node) for p in found.prompts] == [
        ("positive", "6"),
        ("negative", "7"),
    ]


def test_zeroed_negative_has_no_text_and_linked_text_is_found() -> None:
    prompt = {
        "1": _node("PrimitiveStringMultiline", value="from a string node"),
        "6": _node("CLIPTextEncode", text=["1", 0]),
        "7": _node("ConditioningZeroOut", conditioning=["6", 0]),
        "3": _node("KSampler", positive=["6", 0], negative=["7", 0], seed=1),
        "9": _node("SaveImage", images=["3", 0], filename_prefix="x"),
    }
    found = inspect_prompt(prompt)
    assert [(p.side, p.ref.node, p.ref.input) for p in found.prompts] == [
        ("positive", "1", "value")
    ]


def test_text_encoders_with_several_text_inputs(raw_info: dict[str, Any]) -> None:
    prompt = _shipped("qwen_image_edit")
    found = inspect_prompt(prompt, raw_info)
    assert {(p.side, p.ref.input) for p in found.prompts} == {
        ("positive", "prompt"),
        ("negative", "prompt"),
    }


def test_direct_prompts_of_generating_nodes() -> None:
    prompt = {
        "1": _node("FluxProUltraImageNode", prompt="a desert road", seed=3),
        "2": _node("SaveImage", images=["1", 0], filename_prefix="api"),
    }
    found = inspect_prompt(prompt)
    assert [(p.side, p.ref.node, p.ref.input) for p in found.prompts] == [
        ("positive", "1", "prompt")
    ]


def test_loaded_images_and_what_they_feed() -> None:
    found = inspect_prompt(_shipped("wan_flf2v"))
    feeds = {f.file: {name for _, _, name in f.feeds} for f in found.loaded_files}
    assert feeds == {"example.png": {"start_image", "image"},
                     "example_last.png": {"end_image", "image"}}  # fmt: skip


def test_custom_and_missing_node_classes(raw_info: dict[str, Any]) -> None:
    info = {
        **raw_info,
        "MyCustomNode": {
            **raw_info["PreviewImage"],
            "name": "MyCustomNode",
            "python_module": "custom_nodes.my_pack",
        },
    }
    prompt = {
        "1": _node("LoadImage", image="a.png"),
        "2": _node("MyCustomNode", images=["1", 0]),
        "3": _node("NotOnServer", image=["1", 0]),
    }
    found = inspect_prompt(prompt, info)
    origins = {c.class_type: c.origin for c in found.node_classes}
    assert origins == {"LoadImage": "core", "MyCustomNode": "custom", "NotOnServer": "missing"}
    assert {c.class_type for c in found.not_core} == {"MyCustomNode", "NotOnServer"}
    # an api node counts as core
    assert python_modules(raw_info)["FluxProUltraImageNode"].startswith("comfy_api_nodes")


def test_parsed_object_info_with_modules(raw_info: dict[str, Any]) -> None:
    parsed = ObjectInfo.parse(raw_info)
    found = inspect_prompt(LORA_PROMPT, parsed, python_modules(raw_info))
    assert all(c.is_core for c in found.node_classes)


def test_without_object_info_everything_is_unknown_and_outputs_are_guessed() -> None:
    found = inspect_prompt(LORA_PROMPT)
    assert {c.origin for c in found.node_classes} == {"unknown"}
    assert len(found.not_core) == len(found.node_classes)
    assert [o.node for o in found.outputs] == ["9"]
    assert not found.exact


def test_odd_input_is_skipped_not_fatal() -> None:
    prompt: dict[str, Any] = {
        "1": "not a node",
        "2": {"class_type": 5},
        "3": _node("KSampler", positive=["404", 0], model=["3", 0]),  # dangling, self-loop
        "4": _node("SaveImage", images=["3", 0]),
    }
    found = inspect_prompt(prompt)
    assert [s.node for s in found.samplers] == ["3"]
    assert found.outputs[0].prefix is None


def test_long_chains_need_no_recursion() -> None:
    prompt: dict[str, Any] = {"0": _node("EmptyLatentImage", width=8, height=8, batch_size=1)}
    for i in range(1, 5000):
        prompt[str(i)] = _node("LatentUpscaleBy", samples=[str(i - 1), 0], scale_by=1.0)
    prompt["5000"] = _node("KSampler", latent_image=["4999", 0], seed=1)
    prompt["5001"] = _node("SaveLatent", samples=["5000", 0], filename_prefix="x")
    assert [s.node for s in inspect_prompt(prompt).samplers] == ["5000"]
