"""Workflow import: reading sources (MP4 too), detecting parameters, editing, saving."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
import yaml

from directors_console.core.comfy.workflow_file import WorkflowFile
from directors_console.core.data_paths import templates_dir
from directors_console.core.templates import TemplateLoader, WorkflowBuilder
from directors_console.core.templates.importer import (
    DetectedKind,
    MissingNodeTypesError,
    WorkflowImportError,
    draft_from_prompt,
    draft_from_workflow,
    read_import_source,
    save_draft,
    slug,
)
from directors_console.core.templates.loader import load_template_file
from directors_console.core.templates.model import Category, ImageRole, ParamType
from directors_console.core.templates.mp4_tags import read_mp4_tags
from tests.conftest import FIXTURES, require_fixture

PAIRS = FIXTURES / "ui_api_pairs"


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


# --- detection ------------------------------------------------------------------------------


def test_sdxl_parameters_detected_with_labels_and_defaults(raw_info: dict[str, Any]) -> None:
    draft = draft_from_prompt(_shipped("sdxl_hires_fix"), "SDXL hires", raw_info)
    by_name = {p.name: p for p in draft.parameters}
    assert draft.id == "sdxl_hires"
    assert draft.model_family == "sdxl"
    assert draft.category is Category.TEXT_TO_IMAGE
    seed = by_name["seed"]
    assert (seed.type, seed.default, seed.targets, seed.exposed) == (
        ParamType.SEED, 0, (("3", "seed"),), True,
    )  # fmt: skip
    sampler = by_name["sampler"]
    assert sampler.type is ParamType.CHOICE and sampler.choices and "euler" in sampler.choices
    assert by_name["steps"].label == "Steps" and by_name["steps"].min == 1
    # the second pass is detected, hidden, labelled as such
    assert by_name["steps_2"].targets == (("13", "steps"),)
    assert by_name["steps_2"].label == "Steps, pass 2"
    assert not by_name["steps_2"].exposed
    assert by_name["denoise"].exposed is False and by_name["denoise_2"].default == 0.5
    assert (by_name["width"].default, by_name["height"].default) == (1024, 1024)
    assert by_name["positive_prompt"].kind is DetectedKind.PROMPT
    assert by_name["positive_prompt"].targets == (("6", "text"),)
    assert by_name["negative_prompt"].side == "negative"
    assert by_name["checkpoint"].default == "sd_xl_base_1.0.safetensors"
    assert not by_name["checkpoint"].exposed
    prefix = by_name["filename_prefix"]
    assert (prefix.default, prefix.exposed) == ("DirectorsConsole/hires", False)
    (slot,) = draft.lora_slots
    assert (slot.model.node, slot.model.output) == ("4", 0)
    assert slot.clip is not None and (slot.clip.node, slot.clip.output) == ("4", 1)
    assert [(o.node, o.prefix_input) for o in draft.outputs] == [("9", "filename_prefix")]


def test_image_roles_are_guessed(raw_info: dict[str, Any]) -> None:
    flf = draft_from_prompt(_shipped("wan_flf2v"), "Wan FLF", raw_info)
    roles = {p.image_role: p.targets for p in flf.parameters if p.kind is DetectedKind.IMAGE}
    assert roles == {ImageRole.FIRST_FRAME: (("52", "image"),),
                     ImageRole.LAST_FRAME: (("72", "image"),)}  # fmt: skip
    assert flf.category is Category.VIDEO and flf.model_family == "wan21"
    assert {p.name for p in flf.parameters} >= {"length", "diffusion_model"}

    i2i = draft_from_prompt(_shipped("sd15_img2img"), "img2img", raw_info)
    assert [p.image_role for p in i2i.parameters if p.image_role] == [ImageRole.INIT]
    assert i2i.parameter("denoise").exposed  # below 1: img2img strength

    edit = draft_from_prompt(_shipped("flux_kontext_edit"), "Kontext", raw_info)
    assert [p.image_role for p in edit.parameters if p.image_role] == [ImageRole.REFERENCE]
    assert edit.category is Category.IMAGE_EDITING


def test_second_image_of_one_role_is_hidden_with_a_note() -> None:
    prompt = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "a.png"}},
        "2": {"class_type": "LoadImage", "inputs": {"image": "b.png"}},
        "3": {"class_type": "ImageStitch", "inputs": {"image1": ["1", 0], "image2": ["2", 0]}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "x"}},
    }
    draft = draft_from_prompt(prompt, "two refs")
    images = [p for p in draft.parameters if p.kind is DetectedKind.IMAGE]
    assert [(p.name, p.exposed) for p in images] == [
        ("reference_image", True),
        ("reference_image_2", False),
    ]
    assert any("another reference image" in n for n in draft.notes)
    assert len(draft.to_template().images) == 1


def test_loras_become_parameters_and_the_slot_follows_the_chain() -> None:
    prompt = {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "10": {"class_type": "LoraLoader", "inputs": {
            "model": ["4", 0], "clip": ["4", 1], "lora_name": "grain.safetensors",
            "strength_model": 0.7, "strength_clip": 0.7}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["10", 1], "text": "a"}},
        "3": {"class_type": "KSampler", "inputs": {"model": ["10", 0], "positive": ["6", 0],
                                                   "seed": 5, "steps": 10}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "x"}},
    }  # fmt: skip
    draft = draft_from_prompt(prompt, "lora test")
    lora = draft.parameter("lora_1")
    strength = draft.parameter("lora_1_strength")
    assert (lora.default, lora.exposed) == ("grain.safetensors", False)
    assert strength.targets == (("10", "strength_model"), ("10", "strength_clip"))
    assert strength.exposed and strength.default == 0.7
    (slot,) = draft.lora_slots
    assert slot.model.node == "10" and slot.clip is not None and slot.clip.output == 1


def test_bad_stored_values_do_not_break_the_draft() -> None:
    # Workflows in the wild carry shifted widget values (a seed in steps, a number in a
    # combo); they are sent as they are, so the draft keeps them but sets no default.
    prompt = {
        "3": {"class_type": "KSampler", "inputs": {
            "seed": 2**60, "steps": 775709856082329, "sampler_name": 42, "cfg": 8}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "x"}},
    }  # fmt: skip
    draft = draft_from_prompt(prompt, "odd")
    assert draft.parameter("seed").default is None
    assert draft.parameter("sampler").default is None
    assert any("sampler" in n for n in draft.notes)
    draft.to_template()


def test_no_output_or_no_nodes_is_a_clear_error() -> None:
    with pytest.raises(WorkflowImportError, match="no output node"):
        draft_from_prompt({"1": {"class_type": "KSampler", "inputs": {}}}, "x")
    with pytest.raises(WorkflowImportError, match="no nodes"):
        draft_from_prompt({"1": "junk"}, "x")
    with pytest.raises(WorkflowImportError, match="needs a name"):
        draft_from_prompt(_shipped("sd15_txt2img"), "  ")


def test_slug() -> None:
    assert slug("My Flux · Portrait (v2)") == "my_flux_portrait_v2"
    assert slug("···") == "imported"


# --- UI workflows ---------------------------------------------------------------------------


def test_ui_workflow_is_converted(raw_info: dict[str, Any]) -> None:
    path = require_fixture(PAIRS / "hand_basic_txt2img.ui.json")
    workflow = read_import_source(path)
    assert workflow.kind == "ui"
    draft = draft_from_workflow(workflow, "Basic", raw_info)
    expected = json.loads((PAIRS / "hand_basic_txt2img.api.json").read_text(encoding="utf-8"))
    assert draft.workflow == expected
    assert draft.parameter("steps").exposed


def test_ui_workflow_needs_object_info() -> None:
    workflow = read_import_source(require_fixture(PAIRS / "hand_basic_txt2img.ui.json"))
    with pytest.raises(WorkflowImportError, match="object_info is needed"):
        draft_from_workflow(workflow, "Basic", None)


def test_missing_node_types_are_named(raw_info: dict[str, Any]) -> None:
    workflow = read_import_source(require_fixture(PAIRS / "api_bria_eraser.ui.json"))
    with pytest.raises(MissingNodeTypesError) as caught:
        draft_from_workflow(workflow, "Bria", raw_info)
    assert {"BriaEraser", "SaveImageAdvanced"} <= set(caught.value.missing)
    assert "BriaEraser (nodes 15)" in str(caught.value)


def test_png_carrying_a_prompt() -> None:
    png = require_fixture(FIXTURES / "outputs" / "s02_shot_00001_.png")
    workflow = read_import_source(png)
    assert workflow.kind == "api"
    assert draft_from_workflow(workflow, "From PNG").outputs


# --- MP4 ------------------------------------------------------------------------------------


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def _data(text: str) -> bytes:
    return _box(b"data", struct.pack(">II", 1, 0) + text.encode("utf-8"))


def _mp4(meta_children: bytes, *, full_box: bool = True, mdat_first: bool = True) -> bytes:
    meta = _box(b"meta", (b"\0\0\0\0" if full_box else b"") + meta_children)
    moov = _box(b"moov", _box(b"mvhd", b"\0" * 100) + _box(b"udta", meta))
    mdat = _box(b"mdat", b"\0" * 1000)
    ftyp = _box(b"ftyp", b"isom\0\0\2\0isomiso2mp41")
    return ftyp + (mdat + moov if mdat_first else moov + mdat)


def _mdta(tags: dict[str, str]) -> bytes:
    keys = b"".join(_box(b"mdta", k.encode()) for k in tags)
    keys_box = _box(b"keys", struct.pack(">II", 0, len(tags)) + keys)
    items = b"".join(
        _box(struct.pack(">I", i), _data(v)) for i, v in enumerate(tags.values(), start=1)
    )
    hdlr = _box(b"hdlr", b"\0" * 8 + b"mdta" + b"\0" * 13)
    return hdlr + keys_box + _box(b"ilst", items)


def test_mp4_from_comfyui_save_video() -> None:
    video = require_fixture(FIXTURES / "outputs" / "s15_video_00001_.mp4")
    assert "prompt" in read_mp4_tags(video)
    workflow = read_import_source(video)
    assert workflow.kind == "api"
    assert workflow.data["1"]["class_type"] == "EmptyImage"


def test_mp4_with_mdta_keys(tmp_path: Path) -> None:
    prompt = _shipped("sd15_txt2img")
    ui: dict[str, Any] = {"nodes": [], "links": []}
    path = tmp_path / "clip.mp4"
    tags = {"prompt": json.dumps(prompt), "workflow": json.dumps(ui)}
    path.write_bytes(_mp4(_mdta(tags), full_box=False))
    workflow = read_import_source(path)
    assert (workflow.kind, workflow.data, workflow.ui) == ("api", prompt, ui)


def test_mp4_with_a_vhs_comment(tmp_path: Path) -> None:
    prompt = _shipped("sd15_txt2img")
    comment = json.dumps({"prompt": json.dumps(prompt), "workflow": {"nodes": []}})
    hdlr = _box(b"hdlr", b"\0" * 8 + b"mdir" + b"\0" * 13)
    ilst = _box(b"ilst", _box(b"\xa9cmt", _data(comment)))
    path = tmp_path / "vhs.mp4"
    path.write_bytes(_mp4(hdlr + ilst, mdat_first=False))
    assert read_mp4_tags(path)["comment"] == comment
    assert read_import_source(path).data == prompt


def test_mp4_problems_are_clear(tmp_path: Path) -> None:
    bare = tmp_path / "bare.mp4"
    bare.write_bytes(_mp4(_mdta({"title": "holiday"})))
    with pytest.raises(WorkflowImportError, match=r"no ComfyUI workflow.*tags found: title"):
        read_import_source(bare)
    text = tmp_path / "text.mp4"
    text.write_text("hello, not a video at all", encoding="utf-8")
    with pytest.raises(WorkflowImportError, match="not an MP4"):
        read_import_source(text)
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(_box(b"ftyp", b"isom") + struct.pack(">I4s", 5000, b"mdat"))
    with pytest.raises(WorkflowImportError, match="no moov"):
        read_import_source(truncated)
    with pytest.raises(WorkflowImportError, match="does not exist"):
        read_import_source(tmp_path / "gone.mp4")


# --- editing and saving ---------------------------------------------------------------------


def test_edit_and_save_then_load_and_build(tmp_path: Path, raw_info: dict[str, Any]) -> None:
    draft = draft_from_prompt(_shipped("sdxl_txt2img"), "My SDXL", raw_info)
    draft = draft.expose("checkpoint").hide("scheduler")
    draft = draft.rename("cfg", label="Guidance", new_name="guidance")
    saved = save_draft(draft, tmp_path / "user")
    assert saved.template_path == tmp_path / "user" / "my_sdxl.yaml"
    assert saved.workflow_path.read_text(encoding="utf-8").startswith("{")
    data = yaml.safe_load(saved.template_path.read_text(encoding="utf-8"))
    assert data["workflow"] == "my_sdxl.api.json"
    template = load_template_file(saved.template_path)
    names = [p.name for p in template.parameters]
    assert "checkpoint" in names and "guidance" in names and "scheduler" not in names
    assert template.parameter("guidance").label == "Guidance"  # type: ignore[union-attr]
    assert template.prompts.positive[0].node == "6"
    loader = TemplateLoader(tmp_path / "empty", tmp_path / "user")
    assert loader.get("my_sdxl") is not None and not loader.errors
    built = WorkflowBuilder(template).build(
        {"guidance": 4.5, "seed": 11}, {"positive": "a red door", "negative": "blur"}
    )
    assert built["3"]["inputs"]["cfg"] == 4.5
    assert built["6"]["inputs"]["text"] == "a red door"


def test_unknown_parameter_names_are_refused(raw_info: dict[str, Any]) -> None:
    draft = draft_from_prompt(_shipped("sd15_txt2img"), "x", raw_info)
    with pytest.raises(WorkflowImportError, match="no detected parameter 'nope'"):
        draft.expose("nope")
    with pytest.raises(WorkflowImportError, match="already named"):
        draft.rename("steps", new_name="cfg")
    with pytest.raises(WorkflowImportError, match="not a parameter name"):
        draft.rename("steps", new_name="9 lives")


def test_saving_never_overwrites(tmp_path: Path) -> None:
    draft = draft_from_prompt(_shipped("sd15_txt2img"), "Same name")
    first = save_draft(draft, tmp_path)
    before = first.template_path.read_bytes()
    second = save_draft(draft, tmp_path)
    assert (first.id, second.id) == ("same_name", "same_name_2")
    assert first.template_path.read_bytes() == before
    with pytest.raises(WorkflowImportError, match="exists"):
        save_draft(draft, tmp_path, on_conflict="error")
    # an id taken by a template under another file name counts as taken too
    other = tmp_path / "renamed.yaml"
    other.write_text("id: fresh\n", encoding="utf-8")
    fresh = draft_from_prompt(_shipped("sd15_txt2img"), "Fresh")
    assert save_draft(fresh, tmp_path).id == "fresh_2"


def test_invalid_draft_is_not_written(tmp_path: Path) -> None:
    draft = draft_from_prompt(_shipped("sd15_txt2img"), "Bad")
    broken = draft.rename("steps", label="Steps")
    object.__setattr__(broken, "outputs", ())
    with pytest.raises(WorkflowImportError, match="not a valid template"):
        save_draft(broken, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_workflow_file_from_memory(raw_info: dict[str, Any]) -> None:
    wf = WorkflowFile(Path("x.json"), "api", _shipped("sd15_inpaint"))
    draft = draft_from_workflow(wf, "Inpaint", raw_info)
    assert draft.category is Category.INPAINT
