"""Output extraction from history entries, and media type by extension and magic bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from directors_console.core.comfy.models import parse_history
from directors_console.core.comfy.outputs import (
    MediaType,
    OutputFile,
    detect_media_type,
    extract_outputs,
    media_type_from_name,
    saved_outputs,
    sniff_media_type,
)
from tests.conftest import FIXTURES, require_fixture

OUTPUTS = FIXTURES / "outputs"


def load(name: str) -> Any:
    return json.loads(require_fixture(FIXTURES / name).read_text(encoding="utf-8"))


def test_still_images_from_history() -> None:
    (entry,) = parse_history(load("history_prompt.json")).values()
    files = extract_outputs(entry.outputs)
    assert [f.filename for f in files] == ["shot_00001_.png", "shot_00002_.png"]
    first = files[0]
    assert (first.node_id, first.subfolder, first.type, first.kind) == (
        "3",
        "farmtest",
        "output",
        "images",
    )
    assert first.media is MediaType.PNG and not first.animated
    assert first.view_params() == {
        "filename": "shot_00001_.png",
        "subfolder": "farmtest",
        "type": "output",
    }


@pytest.mark.parametrize(
    ("workflow", "filename", "media"),
    [
        ("SaveAnimatedWEBP", "anim_00001_.webp", MediaType.WEBP_ANIMATED),
        ("SaveAnimatedPNG", "apng_00001_.png", MediaType.APNG),
        ("CreateVideo+SaveVideo", "video_00001_.mp4", MediaType.MP4),
        ("SaveWEBM", "webm_00001_.webm", MediaType.WEBM),
    ],
)
def test_animated_and_video_outputs(workflow: str, filename: str, media: MediaType) -> None:
    history = load("history_video.json")[workflow]
    (entry,) = parse_history(history).values()
    (f,) = extract_outputs(entry.outputs)
    assert f.filename == filename and f.animated and f.media is media
    assert f.media.is_animated


def test_error_history_has_no_outputs() -> None:
    (entry,) = parse_history(load("history_error.json")).values()
    assert extract_outputs(entry.outputs) == ()


def test_other_output_keys_and_junk() -> None:
    outputs = {
        "10": {
            "gifs": [
                {
                    "filename": "a.mp4",
                    "subfolder": "",
                    "type": "output",
                    "format": "video/h264-mp4",
                    "frame_rate": 8,
                }
            ]
        },
        "2": {
            "images": [{"filename": "p.png", "subfolder": "", "type": "temp"}],
            "text": ["hello"],
        },
        "9": {"images": [{"filename": ""}, {"nope": 1}, "x"], "animated": [False]},
        "x": "not an object",
    }
    files = extract_outputs(outputs)
    assert [(f.node_id, f.filename) for f in files] == [("2", "p.png"), ("10", "a.mp4")]
    video = files[1]
    assert video.kind == "gifs" and video.media is MediaType.MP4 and video.animated
    assert video.format == "video/h264-mp4" and video.extra == {
        "format": "video/h264-mp4",
        "frame_rate": 8,
    }
    assert files[0].is_temp
    assert saved_outputs(files) == (video,)


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("s02_shot_00001_.png", MediaType.PNG),
        ("s15_apng_00001_.png", MediaType.PNG),  # single frame, no acTL
        ("s15_anim_00001_.webp", MediaType.WEBP),  # single frame, no ANIM flag
        ("s15_video_00001_.mp4", MediaType.MP4),
        ("s15_webm_00001_.webm", MediaType.WEBM),
    ],
)
def test_sniff_recorded_files(name: str, media: MediaType) -> None:
    head = require_fixture(OUTPUTS / name).read_bytes()[:4096]
    assert sniff_media_type(head) is media


def test_sniff_synthetic_heads() -> None:
    import struct
    import zlib

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    apng = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", b"\0" * 13) + chunk(b"acTL", b"\0" * 8)
    assert sniff_media_type(apng) is MediaType.APNG
    anim_webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x02" + b"\0" * 9
    assert sniff_media_type(anim_webp) is MediaType.WEBP_ANIMATED
    assert sniff_media_type(b"GIF89a....") is MediaType.GIF
    assert sniff_media_type(b"\xff\xd8\xff\xe0") is MediaType.JPEG
    assert sniff_media_type(b"\0\0\0\x14ftypqt  ") is MediaType.MOV
    assert sniff_media_type(b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska") is MediaType.MKV
    assert sniff_media_type(b"hello") is MediaType.UNKNOWN


def test_detect_prefers_magic_then_extension() -> None:
    assert detect_media_type("x.png", b"\xff\xd8\xff\xe0") is MediaType.JPEG  # lying name
    assert detect_media_type("x.webm", b"????") is MediaType.WEBM
    assert detect_media_type("x.png", animated=True) is MediaType.APNG
    assert media_type_from_name("CLIP.MOV") is MediaType.MOV
    assert media_type_from_name("noext") is MediaType.UNKNOWN
    assert MediaType.MP4.is_video and not MediaType.PNG.is_animated and MediaType.PNG.is_still
    assert OutputFile("1", "a.png", "", "output").media is MediaType.UNKNOWN
