"""PNG/WebP metadata: read ComfyUI's prompt/workflow, write shot metadata beside it."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from directors_console.core.comfy.pngmeta import (
    encode_chunk,
    iter_chunks,
    read_image_metadata,
    with_shot_metadata,
    write_shot_metadata,
)
from directors_console.core.comfy.shotmeta import SHOT_KEY, MetadataError, ShotMetadata
from tests.conftest import FIXTURES, require_fixture

OUTPUTS = FIXTURES / "outputs"
SHOT = ShotMetadata(
    project="Night Train",
    panel="P012",
    version=3,
    preset="noir",
    template="sdxl_still",
    seed=1234,
    server="gpu-1",
    prompt_id="abc",
    created=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
)


def fixture_copy(tmp_path: Path, name: str) -> Path:
    src = require_fixture(OUTPUTS / name)
    dest = tmp_path / name
    dest.write_bytes(src.read_bytes())
    return dest


def pixels(path_or_bytes: Path | bytes) -> tuple[str, tuple[int, int], bytes]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with Image.open(src) as img:
        return img.mode, img.size, img.tobytes()


def chunk_types(data: bytes) -> list[bytes]:
    return [c.type for c in iter_chunks(data, [])]


def test_read_comfy_png() -> None:
    meta = read_image_metadata(require_fixture(OUTPUTS / "s02_shot_00001_.png"))
    assert meta.format == "png" and meta.problems == ()
    assert meta.prompt is not None and meta.prompt["3"]["class_type"] == "SaveImage"
    assert meta.workflow is not None and len(meta.workflow["nodes"]) == 3
    assert meta.shot is None and meta.has_comfy_data


def test_read_comfy_apng_private_chunk() -> None:
    meta = read_image_metadata(require_fixture(OUTPUTS / "s15_apng_00001_.png"))
    assert meta.problems == ()
    assert meta.prompt is not None and meta.prompt["2"]["class_type"] == "SaveAnimatedPNG"


def test_read_comfy_webp_exif() -> None:
    meta = read_image_metadata(require_fixture(OUTPUTS / "s15_anim_00001_.webp"))
    assert meta.format == "webp" and meta.problems == ()
    assert meta.prompt is not None and meta.prompt["2"]["class_type"] == "SaveAnimatedWEBP"


def test_write_png_keeps_pixels_and_comfy_chunks(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "s02_shot_00001_.png")
    before = path.read_bytes()
    write_shot_metadata(path, SHOT)
    after = path.read_bytes()
    assert pixels(before) == pixels(after)
    idat = [c.data for c in iter_chunks(before, []) if c.type == b"IDAT"]
    assert idat == [c.data for c in iter_chunks(after, []) if c.type == b"IDAT"]
    assert chunk_types(after) == [b"IHDR", b"tEXt", b"tEXt", b"iTXt", b"IDAT", b"IEND"]
    meta = read_image_metadata(path)
    assert meta.shot == SHOT and meta.problems == ()
    assert meta.prompt == read_image_metadata(before).prompt
    with Image.open(path) as img:  # other readers still see every text
        assert json.loads(img.info[SHOT_KEY])["panel"] == "P012"
        assert "workflow" in img.info
    # Writing again replaces ours; no second chunk, no temp files left.
    write_shot_metadata(path, {**SHOT.model_dump(), "version": 4})
    again = path.read_bytes()
    assert chunk_types(again).count(b"iTXt") == 1
    assert read_image_metadata(again).shot.version == 4  # type: ignore[union-attr]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s02_shot_00001_.png"]


def test_write_apng_places_chunk_before_image_data(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "s15_apng_00001_.png")
    before = path.read_bytes()
    write_shot_metadata(path, SHOT)
    after = path.read_bytes()
    types = chunk_types(after)
    assert types.index(b"iTXt") < types.index(b"IDAT") and b"comf" in types
    assert pixels(before) == pixels(after)
    meta = read_image_metadata(after)
    assert meta.shot == SHOT and meta.prompt is not None


def test_write_webp_extended(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "s15_anim_00001_.webp")
    before = path.read_bytes()
    write_shot_metadata(path, SHOT)
    write_shot_metadata(path, SHOT)  # replaces, not appends
    after = path.read_bytes()
    assert after.count(b"DCSM") == 1
    assert struct.unpack_from("<I", after, 4)[0] == len(after) - 8
    assert pixels(before) == pixels(after)
    meta = read_image_metadata(after)
    assert meta.shot == SHOT and meta.prompt is not None and meta.problems == ()


@pytest.mark.parametrize("lossless", [True, False])
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_write_simple_webp_converts_to_extended(mode: str, lossless: bool) -> None:
    img = Image.new(mode, (37, 21), (10, 200, 30, 128) if mode == "RGBA" else (10, 200, 30))
    buf = io.BytesIO()
    img.save(buf, "WEBP", lossless=lossless)
    before = buf.getvalue()
    after = with_shot_metadata(before, SHOT)
    assert after[12:16] == b"VP8X"
    width = int.from_bytes(after[24:27], "little") + 1
    height = int.from_bytes(after[27:30], "little") + 1
    assert (width, height) == (37, 21)
    assert pixels(before) == pixels(after)
    assert read_image_metadata(after).shot == SHOT


def png_with(*chunks: bytes) -> bytes:
    sig = b"\x89PNG\r\n\x1a\n"
    ihdr = encode_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = encode_chunk(b"IDAT", zlib.compress(b"\0\0"))
    return sig + ihdr + b"".join(chunks) + idat + encode_chunk(b"IEND", b"")


def test_garbage_metadata_is_reported_not_raised() -> None:
    bad_crc = bytearray(encode_chunk(b"tEXt", b"workflow\0{}"))
    bad_crc[-1] ^= 0xFF
    data = png_with(
        encode_chunk(b"tEXt", b"prompt\0{not json"),
        bytes(bad_crc),
        encode_chunk(b"tEXt", b"no keyword separator"),
        encode_chunk(b"zTXt", b"bomb\0\0" + zlib.compress(b"a" * (40 << 20))),
        encode_chunk(b"zTXt", b"odd\0\x07xx"),
        encode_chunk(b"iTXt", b"short\0"),
        encode_chunk(b"iTXt", SHOT_KEY.encode() + b"\0\0\0\0\0" + b'{"project": 5}'),
    )
    meta = read_image_metadata(data)
    assert meta.prompt is None and meta.workflow is None and meta.shot is None
    wheres = [p.where for p in meta.problems]
    assert wheres.count("tEXt") == 2 and wheres.count("zTXt") == 2
    assert {"prompt", "iTXt", SHOT_KEY} <= set(wheres)
    assert any("CRC" in p.reason for p in meta.problems)
    assert any("larger than" in p.reason for p in meta.problems)


def test_odd_but_valid_text_chunks() -> None:
    data = png_with(
        encode_chunk(b"zTXt", b"prompt\0\0" + zlib.compress(b'{"1": {}}')),
        encode_chunk(b"iTXt", b"workflow\0\1\0en\0\0" + zlib.compress('{"n": "é"}'.encode())),
        encode_chunk(b"tEXt", b"note\0caf\xe9"),  # Latin-1, as the spec says
    )
    meta = read_image_metadata(data)
    assert meta.problems == ()
    assert meta.prompt == {"1": {}} and meta.workflow == {"n": "é"}
    assert meta.texts["note"] == "café"
    listed = read_image_metadata(png_with(encode_chunk(b"tEXt", b"prompt\0[1, 2]")))
    assert listed.prompt is None and "not an object" in listed.problems[0].reason


def test_truncated_and_foreign_files(tmp_path: Path) -> None:
    good = png_with(encode_chunk(b"tEXt", b"prompt\0{}"))
    cut = read_image_metadata(good[:-20])
    assert cut.prompt == {} and any("cut off" in p.reason for p in cut.problems)
    no_end = read_image_metadata(good[:-12])
    assert any("IEND" in p.reason for p in no_end.problems)
    assert read_image_metadata(good[:10]).problems
    with pytest.raises(MetadataError):
        read_image_metadata(b"GIF89a")
    with pytest.raises(MetadataError):
        read_image_metadata(tmp_path / "missing.png")
    with pytest.raises(MetadataError):
        with_shot_metadata(good[:-20], SHOT)
    with pytest.raises(MetadataError):
        with_shot_metadata(b"\xff\xd8\xff\xe0jpeg", SHOT)
    with pytest.raises(MetadataError):
        with_shot_metadata(good, {"project": "x"})  # panel and version missing
    corrupt = bytearray(good)
    corrupt[-20] ^= 0xFF  # inside IDAT
    with pytest.raises(MetadataError):
        with_shot_metadata(bytes(corrupt), SHOT)


def test_damaged_webp() -> None:
    head = b"RIFF" + struct.pack("<I", 100) + b"WEBP" + b"VP8 " + struct.pack("<I", 50) + b"x" * 10
    meta = read_image_metadata(head)
    assert meta.format == "webp" and len(meta.problems) == 2
    with pytest.raises(MetadataError):
        with_shot_metadata(head, SHOT)
    exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x05"  # says 5 entries, has none
    body = b"WEBP" + b"EXIF" + struct.pack("<I", len(exif)) + exif
    meta = read_image_metadata(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert meta.problems and meta.problems[0].where == "EXIF"
