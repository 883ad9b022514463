"""Job requirements from API prompts, and server capabilities."""

from __future__ import annotations

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.farm.requirements import (
    Capabilities,
    ModelNeed,
    explain_unrunnable,
    requirements_of,
)

PROMPT = {
    "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
    "2": {
        "class_type": "LoraLoader",
        "inputs": {"lora_name": "noir.safetensors", "model": ["1", 0], "clip": ["1", 1]},
    },
    "3": {"class_type": "KSampler", "inputs": {"sampler_name": "euler", "model": ["2", 0]}},
    "4": {"class_type": "SaveImage", "inputs": {"filename_prefix": "shot.png"}},
    "junk": "not a node",
}


def make_info(ckpts: list[str], loras: list[str], extra: tuple[str, ...] = ()) -> ObjectInfo:
    raw = {
        "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [ckpts, {}]}}},
        "LoraLoader": {"input": {"required": {"lora_name": ["COMBO", {"options": loras}]}}},
        "KSampler": {"input": {"required": {"sampler_name": [["euler"], {}]}}},
        "SaveImage": {"input": {"required": {}}, "output_node": True},
    }
    for name in extra:
        raw[name] = {"input": {}}
    return ObjectInfo.parse(raw)


def test_requirements_read_classes_and_model_files() -> None:
    req = requirements_of(PROMPT)
    assert req.class_types == {"CheckpointLoaderSimple", "LoraLoader", "KSampler", "SaveImage"}
    assert req.models == {
        ModelNeed("sdxl.safetensors", "CheckpointLoaderSimple", "ckpt_name"),
        ModelNeed("noir.safetensors", "LoraLoader", "lora_name"),
    }
    assert "shot.png" not in req.model_files


def test_capable_server() -> None:
    caps = Capabilities(make_info(["sdxl.safetensors"], ["noir.safetensors"]))
    req = requirements_of(PROMPT)
    assert caps.can_run(req)
    assert caps.missing(req) == []


def test_model_found_in_folder_list_when_combo_is_empty() -> None:
    caps = Capabilities(
        make_info([], ["noir.safetensors"]), {"checkpoints": frozenset({"sdxl.safetensors"})}
    )
    assert caps.can_run(requirements_of(PROMPT))


def test_missing_things_are_named() -> None:
    req = requirements_of({**PROMPT, "5": {"class_type": "WanImageToVideo", "inputs": {}}})
    a = Capabilities(make_info(["sdxl.safetensors"], []))
    b = Capabilities(make_info([], ["noir.safetensors"], extra=("WanImageToVideo",)))
    assert a.missing(req) == ["node WanImageToVideo", "noir.safetensors (LoraLoader.lora_name)"]
    text = explain_unrunnable(req, [("A", a), ("B", b)])
    assert "node A lacks WanImageToVideo" in text
    assert (
        "no online node has" not in text or "sdxl" not in text.split("no online node has")[1][:20]
    )
    only_a = explain_unrunnable(req, [("A", a)])
    assert "no online node has noir.safetensors" in only_a
    assert explain_unrunnable(req, []) == "no render node is online"
