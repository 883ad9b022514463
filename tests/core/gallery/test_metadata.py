"""Metadata extraction: the corpus' ground truth, graph shapes, containers, bad input."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from directors_console.core.gallery.metadata import parse_a1111, read_metadata
from directors_console.core.gallery.promptgraph import analyse


def _chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(ctype)) & 0xFFFFFFFF
    return struct.pack(">I4s", len(data), ctype) + data + struct.pack(">I", crc)


def _png(*texts: tuple[str, str]) -> bytes:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0))
    body = b"".join(_chunk(b"tEXt", k.encode() + b"\0" + v.encode()) for k, v in texts)
    idat = _chunk(b"IDAT", zlib.compress(b"\0" * 40))
    return b"\x89PNG\r\n\x1a\n" + ihdr + body + idat + _chunk(b"IEND", b"")


def build_mp4_with_tags(tags: dict[str, str]) -> bytes:
    """A minimal MP4 (ftyp + mdat + moov/udta/meta with keys/ilst) carrying ``tags``."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(payload), kind) + payload

    keys = b"".join(box(b"mdta", k.encode()) for k in tags)
    items = b"".join(
        box(struct.pack(">I", i + 1), box(b"data", b"\0\0\0\x01\0\0\0\0" + v.encode()))
        for i, v in enumerate(tags.values())
    )
    hdlr = box(b"hdlr", b"\0" * 8 + b"mdta" + b"\0" * 13)
    meta = box(
        b"meta",
        b"\0\0\0\0"
        + hdlr
        + box(b"keys", b"\0\0\0\0" + struct.pack(">I", len(tags)) + keys)
        + box(b"ilst", items),
    )
    moov = box(b"moov", box(b"mvhd", b"\0" * 100) + box(b"udta", meta))
    return box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41") + box(b"mdat", b"\0" * 64) + moov


def test_corpus_metadata_is_complete(corpus_master: Path, manifest: dict[str, Any]) -> None:
    checked = 0
    for item in manifest["files"]:
        meta = read_metadata(corpus_master / item["path"])
        info = meta.info
        assert meta.problems == [], item["path"]
        assert meta.has_prompt
        got = (info.positive, info.negative, info.seed, info.model, info.steps, info.cfg,
               info.sampler, info.scheduler)  # fmt: skip
        want = (item["positive"], item["negative"], item["seed"], item["ckpt_name"],
                item["steps"], item["cfg"], item["sampler"], item["scheduler"])  # fmt: skip
        assert got == want, item["path"]
        assert (meta.width, meta.height) == (item["w"], item["h"])
        checked += 1
    kinds = {item["kind"] for item in manifest["files"]}
    assert checked == 200 and {"png", "jpeg", "webp"} <= kinds


def test_corpus_has_loras_and_workflow(corpus_master: Path, manifest: dict[str, Any]) -> None:
    metas = [read_metadata(corpus_master / i["path"]) for i in manifest["files"][:60]]
    assert any(m.info.loras for m in metas)
    assert all(m.has_workflow for m in metas if m.format == "png")


ADVANCED: dict[str, Any] = {
    "1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}},
    "2": {"class_type": "LoraLoaderModelOnly",
          "inputs": {"model": ["1", 0], "lora_name": "film_grain.safetensors"}},
    "3": {"class_type": "ModelSamplingFlux", "inputs": {"model": ["2", 0]}},
    "4": {"class_type": "Reroute", "inputs": {"": ["3", 0]}},
    "5": {"class_type": "PrimitiveString", "inputs": {"value": "a red fox at dawn"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["5", 0], "clip": ["20", 0]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "misty hills", "clip": ["20", 0]}},
    "8": {"class_type": "ConditioningCombine",
          "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["7", 0]}},
    "9": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["20", 0]}},
    "10": {"class_type": "ControlNetApplyAdvanced",
           "inputs": {"positive": ["8", 0], "negative": ["9", 0], "control_net": ["21", 0],
                      "image": ["22", 0], "strength": 0.6}},
    "11": {"class_type": "CFGGuider",
           "inputs": {"model": ["4", 0], "positive": ["10", 0], "negative": ["10", 1],
                      "cfg": 3.5}},
    "12": {"class_type": "PrimitiveInt", "inputs": {"value": 4242}},
    "13": {"class_type": "RandomNoise", "inputs": {"noise_seed": ["12", 0]}},
    "14": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "dpmpp_2m"}},
    "15": {"class_type": "BasicScheduler",
           "inputs": {"scheduler": "beta", "steps": 24, "denoise": 1.0, "model": ["4", 0]}},
    "16": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 576}},
    "17": {"class_type": "SamplerCustomAdvanced",
           "inputs": {"noise": ["13", 0], "guider": ["11", 0], "sampler": ["14", 0],
                      "sigmas": ["15", 0], "latent_image": ["16", 0]}},
    "20": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5", "clip_name2": "l"}},
    "21": {"class_type": "ControlNetLoader", "inputs": {"control_net_name": "depth.pth"}},
    "22": {"class_type": "LoadImage", "inputs": {"image": "ref.png"}},
}  # fmt: skip


def test_sampler_custom_advanced_through_intermediate_nodes() -> None:
    info = analyse(ADVANCED)
    assert info.positive == "a red fox at dawn misty hills"
    assert info.negative == "blurry"
    assert info.seed == 4242
    assert info.model == "flux1-dev.safetensors"
    assert info.loras == ["film_grain.safetensors"]
    assert (info.sampler, info.scheduler, info.steps, info.cfg) == ("dpmpp_2m", "beta", 24, 3.5)
    assert (info.width, info.height) == (1024, 576)


def test_hires_fix_reports_the_base_pass() -> None:
    graph = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "castle", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["1", 1]}},
        "9": {"class_type": "KSampler", "inputs": {
            "seed": 2, "steps": 10, "cfg": 4.0, "sampler_name": "euler", "scheduler": "karras",
            "denoise": 0.4, "model": ["1", 0], "positive": ["2", 0], "negative": ["3", 0],
            "latent_image": ["5", 0]}},
        "4": {"class_type": "KSamplerAdvanced", "inputs": {
            "noise_seed": 1, "steps": 30, "cfg": 7.0, "sampler_name": "dpmpp_2m",
            "scheduler": "normal", "model": ["1", 0], "positive": ["2", 0],
            "negative": ["3", 0], "latent_image": ["6", 0]}},
    }  # fmt: skip
    info = analyse(graph)
    assert (info.seed, info.steps, info.sampler) == (1, 30, "dpmpp_2m")
    assert (info.positive, info.negative, info.model) == ("castle", "ugly", "sdxl.safetensors")


def test_odd_graphs_never_raise() -> None:
    loop = {"1": {"class_type": "KSampler", "inputs": {"positive": ["1", 0], "model": ["1", 0]}}}
    dangling = {"1": {"class_type": "KSampler", "inputs": {"positive": [9, 0]}}}
    for graph in ({}, {"1": None}, dangling, loop):
        info = analyse(graph)
        assert info.positive is None


def test_png_with_prompt_parameters_and_shot(tmp_path: Path) -> None:
    graph = {"1": {"class_type": "KSampler", "inputs": {"seed": 5, "positive": ["2", 0]}},
             "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "owl"}}}  # fmt: skip
    shot = {"project": "P", "panel": "Panel_01", "version": 3, "seed": 9}
    path = tmp_path / "a.png"
    path.write_bytes(_png(("prompt", json.dumps(graph)), ("directors_console", json.dumps(shot))))
    meta = read_metadata(path)
    assert meta.info.positive == "owl" and meta.info.seed == 5
    assert meta.shot is not None and meta.shot["panel"] == "Panel_01"
    assert (meta.width, meta.height) == (4, 3)


def test_a1111_parameters() -> None:
    info = parse_a1111(
        "a cat <lora:fluffy:0.8>\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, "
        "CFG scale: 7, Seed: 123, Size: 512x512, Model: sd15"
    )
    assert (info.positive, info.negative) == ("a cat <lora:fluffy:0.8>", "dog")
    assert (info.steps, info.sampler, info.cfg, info.seed, info.model) == (
        20, "Euler a", 7.0, 123, "sd15")  # fmt: skip
    assert info.loras == ["fluffy"]


def test_truncated_png_gives_problems(
    corpus_master: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    source = next(i for i in manifest["files"] if i["kind"] == "png")
    data = (corpus_master / source["path"]).read_bytes()
    for cut in (10, 40, len(data) // 3, len(data) - 5):
        path = tmp_path / f"cut{cut}.png"
        path.write_bytes(data[:cut])
        meta = read_metadata(path)
        assert meta.format == "png"
        if cut < len(data) // 2:
            assert meta.problems


def test_huge_and_bad_chunks(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    head = _png()[:33]  # signature + IHDR
    huge.write_bytes(head + struct.pack(">I4s", 2**31, b"tEXt") + b"prompt\0{" + b"x" * 100)
    meta = read_metadata(huge)
    assert any("skipped" in p for p in meta.problems)
    bad_crc = bytearray(_png(("prompt", '{"1": {}}')))
    bad_crc[45] ^= 0xFF  # inside the tEXt payload
    path = tmp_path / "crc.png"
    path.write_bytes(bytes(bad_crc))
    assert read_metadata(path).problems
    bad_json = tmp_path / "json.png"
    bad_json.write_bytes(_png(("prompt", "{not json")))
    meta = read_metadata(bad_json)
    assert meta.problems and not meta.has_prompt
    big = tmp_path / "big.png"
    text = "word " * 400_000
    big.write_bytes(_png(("prompt", json.dumps({"1": {"class_type": "x", "inputs": {"t": text}}}))))
    assert read_metadata(big).problems == []


def test_garbage_and_unreadable_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(os.urandom(300))
    assert read_metadata(junk).format == "other"
    assert read_metadata(tmp_path / "missing.png").problems
    if os.geteuid() != 0:
        locked = tmp_path / "locked.png"
        locked.write_bytes(_png())
        locked.chmod(0)
        assert "cannot read" in read_metadata(locked).problems[0]


def test_mp4_container_tags(tmp_path: Path) -> None:
    graph = {"3": {"class_type": "KSampler", "inputs": {"seed": 77, "positive": ["4", 0]}},
             "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "waves"}}}  # fmt: skip
    path = tmp_path / "clip.mp4"
    path.write_bytes(build_mp4_with_tags({"prompt": json.dumps(graph), "workflow": "{}"}))
    meta = read_metadata(path)
    assert meta.format == "mp4" and meta.problems == []
    assert meta.info.seed == 77 and meta.info.positive == "waves" and meta.has_workflow
    wrapped = tmp_path / "vhs.mp4"
    wrapped.write_bytes(build_mp4_with_tags({"comment": json.dumps({"prompt": graph})}))
    assert read_metadata(wrapped).info.seed == 77
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[:-30])
    assert read_metadata(cut).problems


@pytest.mark.parametrize("name", [b"caf\xe9.png", b"\xff\xfe.png"])
def test_non_utf8_name(tmp_path: Path, name: bytes) -> None:
    path = os.path.join(os.fsencode(tmp_path), name)
    with open(path, "wb") as fh:
        fh.write(_png(("prompt", "{}")))
    meta = read_metadata(os.fsdecode(path))
    assert meta.format == "png"


@pytest.mark.parametrize("kind", ["png", "webp"])
def test_our_shot_metadata_is_read(
    corpus_master: Path, manifest: dict[str, Any], tmp_path: Path, kind: str
) -> None:
    from directors_console.core.comfy.pngmeta import write_shot_metadata

    item = next(i for i in manifest["files"] if i["kind"] == kind)
    path = tmp_path / f"shot.{kind}"
    path.write_bytes((corpus_master / item["path"]).read_bytes())
    write_shot_metadata(path, {"project": "Ember", "panel": "Panel_07", "version": 4})
    meta = read_metadata(path)
    assert meta.shot is not None and meta.shot["panel"] == "Panel_07"
    assert meta.info.seed == item["seed"] and meta.problems == []


def test_real_mp4_from_ffmpeg() -> None:
    """A video written by PyAV/ffmpeg with ComfyUI's SaveVideo tags (make_corpus.py)."""
    data = Path(__file__).parent / "data"
    expected = json.loads((data / "comfy_savevideo.json").read_text())
    meta = read_metadata(data / "comfy_savevideo.mp4")
    info = meta.info
    assert meta.format == "mp4" and meta.problems == [] and meta.has_workflow
    assert (info.seed, info.steps, info.cfg, info.sampler, info.scheduler) == (
        expected["seed"], expected["steps"], expected["cfg"], expected["sampler"],
        expected["scheduler"])  # fmt: skip
    assert (info.model, info.positive, info.negative) == (
        expected["ckpt_name"], expected["positive"], expected["negative"])  # fmt: skip
