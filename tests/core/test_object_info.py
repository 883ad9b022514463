"""object_info parsing: both combo shapes, bad classes skipped."""

from __future__ import annotations

import json

import pytest

from directors_console.core.comfy.object_info import COMBO, ObjectInfo
from tests.conftest import FIXTURES, require_fixture


def test_recorded_full_object_info_parses() -> None:
    raw = json.loads(require_fixture(FIXTURES / "object_info.json").read_text())
    info = ObjectInfo.parse(raw)
    assert len(info) == len(raw) == 498
    assert info.skipped == ()
    ksampler = info.get("KSampler")
    assert ksampler is not None
    assert ksampler.inputs["steps"].type == "INT"
    assert ksampler.inputs["steps"].min == 1
    assert ksampler.inputs["sampler_name"].is_combo
    assert "euler" in (ksampler.inputs["sampler_name"].options or ())
    assert ksampler.inputs["model"].type == "MODEL"
    assert not ksampler.inputs["model"].is_widget
    assert ksampler.outputs == ("LATENT",)
    assert info.get("SaveImage") is not None and info.get("SaveImage").output_node  # type: ignore[union-attr]
    # new-style combo
    latent_cut = info.get("LatentCut")
    assert latent_cut is not None
    assert latent_cut.inputs["dim"].type == COMBO
    assert latent_cut.inputs["dim"].options == ("x", "y", "t")
    # the recording server had no checkpoints: empty legacy combo
    assert info.combo_options("CheckpointLoaderSimple", "ckpt_name") == ()


def test_odd_classes_are_skipped_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    raw = {
        "Good": {"input": {"required": {"x": ["INT", {"min": 0}]}}, "output": ["INT"]},
        "NoType": {"input": {"required": {"x": []}}, "output": []},
        "NotAnObject": "hello",
        "BadSection": {"input": {"required": [1, 2]}},
    }
    info = ObjectInfo.parse(raw)
    assert list(info) == ["Good"]
    assert set(info.skipped) == {"NoType", "NotAnObject", "BadSection"}
    assert "skipping node class" in caplog.text
    with pytest.raises(ValueError, match="not a JSON object"):
        ObjectInfo.parse([1, 2])
