"""The text tags of an MP4/MOV file, for importing the workflow a video carries.

A thin front on :mod:`directors_console.core.comfy.mp4meta` (the atom reader the
Gallery uses too) that turns "nothing readable" into an error the importer reports.
"""

from __future__ import annotations

from pathlib import Path

from directors_console.core.comfy.mp4meta import read_mp4_tags as _read_tags


class Mp4TagError(ValueError):
    """The file is not an MP4/MOV we can read tags from."""


def read_mp4_tags(path: Path) -> dict[str, str]:
    """Every text tag of the file's ``moov`` metadata, by key (first one wins)."""
    problems: list[str] = []
    with path.open("rb") as fh:
        tags = _read_tags(fh, problems)
    if not tags and problems:
        raise Mp4TagError("; ".join(problems))
    return tags
