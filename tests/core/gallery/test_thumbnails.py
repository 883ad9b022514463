"""Disk thumbnails: keyed by path, size and mtime; written atomically; bad files reported."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from directors_console.core.gallery.thumbnails import make_thumbnail, thumb_file


def test_thumbnail_is_small_jpeg_keyed_by_file_state(tmp_path: Path) -> None:
    src = tmp_path / "still.png"
    Image.new("RGBA", (1024, 512), (200, 40, 40, 255)).save(src)
    dest = thumb_file(tmp_path / "cache", str(src), 100, 1.5)
    assert dest != thumb_file(tmp_path / "cache", str(src), 100, 2.5)
    assert make_thumbnail(str(src), str(dest)) is None
    with Image.open(dest) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (256, 128)
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]


def test_broken_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    src = tmp_path / "broken.png"
    src.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    dest = tmp_path / "t.jpg"
    problem = make_thumbnail(str(src), str(dest))
    assert problem and not dest.exists()
