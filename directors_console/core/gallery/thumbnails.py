"""The gallery's disk thumbnail cache: where a thumbnail lives and how it is made.

A thumbnail is a 256 px JPEG at ``cache_dir/thumbs/<sha1 of path+size+mtime>.jpg``, so an
edited or replaced file gets a new one. :func:`make_thumbnails` is a module-level function
of a Qt-free module: the GUI runs it in a ``spawn`` process pool, whose workers import
only this module and Pillow. It takes a few files per call, so one round trip to a worker
process pays for several thumbnails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

THUMB_PX = 256


def thumb_file(cache_dir: Path, path: str, size: int, mtime: float) -> Path:
    digest = hashlib.sha1(f"{path}\0{size}\0{mtime!r}".encode(errors="surrogateescape"))
    return cache_dir / "thumbs" / f"{digest.hexdigest()}.jpg"


def make_thumbnail(src: str, dest: str, px: int = THUMB_PX) -> str | None:
    """Write a JPEG thumbnail of ``src`` to ``dest`` atomically; returns a problem or None."""
    from PIL import Image, ImageOps

    try:
        with Image.open(src) as opened:
            opened.draft("RGB", (px, px))
            im = ImageOps.exif_transpose(opened)
            im.thumbnail((px, px))
            if im.mode not in ("RGB", "L"):
                rgba = im.convert("RGBA")
                im = Image.new("RGB", rgba.size, (40, 40, 40))
                im.paste(rgba, mask=rgba.getchannel("A"))
            target = Path(dest)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            im.save(tmp, "JPEG", quality=85)
            tmp.replace(target)
    except Exception as exc:  # a broken file keeps its placeholder, never a crash
        return f"{type(exc).__name__}: {exc}"
    return None


#: Worker processes run below the program's priority: on a busy machine the window
#: (painting, scrolling) gets the CPU first and thumbnails use what is left.
WORKER_NICENESS = 10
_lowered = False


def _lower_priority() -> None:
    global _lowered
    if not _lowered and hasattr(os, "nice"):
        _lowered = True
        with contextlib.suppress(OSError):
            os.nice(WORKER_NICENESS)


def make_thumbnails(jobs: Sequence[tuple[str, str]]) -> list[str | None]:
    """:func:`make_thumbnail` for each ``(src, dest)``; the problems, in order.

    Runs in a worker process, whose priority it lowers (once).
    """
    _lower_priority()
    return [make_thumbnail(src, dest) for src, dest in jobs]


def warm_up() -> int:
    """Import Pillow in a fresh worker process (so the first thumbnail does not wait)."""
    _lower_priority()
    from PIL import Image, ImageOps  # noqa: F401

    return os.getpid()
