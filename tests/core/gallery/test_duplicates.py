"""Exact duplicates against the corpus' ground truth; near duplicates by dHash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from directors_console.core.gallery.duplicates import (
    dhash,
    exact_duplicates,
    group_near,
    hamming,
    near_duplicates,
)


def test_exact_duplicates_match_manifest(corpus_master: Path, manifest: dict[str, Any]) -> None:
    root = corpus_master / "Ember"
    expected: dict[str, set[str]] = {}
    for item in manifest["files"]:
        if item["dup_of"]:
            original = item["dup_of"].split("/", 1)[1]
            expected.setdefault(original, {original}).add(item["path"].split("/", 1)[1])
    groups = exact_duplicates(root)
    assert expected and {frozenset(g.paths) for g in groups} == {
        frozenset(v) for v in expected.values()}  # fmt: skip


def _picture(path: Path, shift: int = 0, flip: bool = False, size: int = 256) -> None:
    img = Image.new("RGB", (256, 256))
    draw = ImageDraw.Draw(img)
    for i in range(0, 256, 16):
        draw.rectangle((i, 0, i + 8, 255), fill=(i, 255 - i, (i * 3 + shift) % 256))
    draw.ellipse((60, 60, 190, 190), fill=(250, 240, 10))
    if flip:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).rotate(90)
    img.resize((size, size)).save(path, quality=70)


def test_near_duplicates(tmp_path: Path) -> None:
    _picture(tmp_path / "a.png")
    _picture(tmp_path / "a_small.jpg", size=128)
    _picture(tmp_path / "a_tinted.png", shift=12)
    _picture(tmp_path / "other.png", flip=True)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    ha, hs = dhash(tmp_path / "a.png"), dhash(tmp_path / "a_small.jpg")
    assert ha is not None and hs is not None and hamming(ha, hs) <= 6
    assert dhash(tmp_path / "broken.png") is None
    groups = near_duplicates(tmp_path, threshold=6)
    assert [set(g.paths) for g in groups] == [{"a.png", "a_small.jpg", "a_tinted.png"}]
    assert exact_duplicates(tmp_path) == []


def test_grouping_uses_bands_without_missing_pairs() -> None:
    base = 0x0123456789ABCDEF
    near = base ^ 0b1000001  # 2 bits apart
    far = ~base & (2**64 - 1)
    chain = near ^ (1 << 40)  # 1 bit from near, 3 from base
    groups = group_near([("a", base), ("b", near), ("c", far), ("d", chain)], threshold=2)
    assert sorted(sorted(g) for g in groups) == [[0, 1, 3]]
