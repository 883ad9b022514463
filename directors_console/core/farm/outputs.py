"""Bring a finished job's files home: download, name, never overwrite, tag.

Each output goes to the job's destination folder as ``<stem>.<ext>`` (or
``<stem>_<n>.<ext>`` when there are several; the server's own name when the job has
no stem). A name is reserved by creating the file exclusively first, so two jobs
can never pick the same name and nothing existing is overwritten; the download then
replaces the empty reservation atomically. PNG and WebP files get the shot-metadata
chunk beside ComfyUI's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from directors_console.core.comfy.pngmeta import write_shot_metadata
from directors_console.core.comfy.shotmeta import MetadataError
from directors_console.core.comfy.tracker import PromptOutcome
from directors_console.core.farm.jobs import Job
from directors_console.core.storage import atomic_write_bytes

if TYPE_CHECKING:
    from directors_console.core.farm.health import NodeRuntime

log = logging.getLogger(__name__)

TAGGABLE = (".png", ".webp")


class OutputPathError(ValueError):
    pass


def safe_name(name: str) -> str:
    """The last path component of a server-given name, never empty or hidden."""
    base = PurePosixPath(name.replace("\\", "/")).name.strip()
    if base in ("", ".", ".."):
        raise OutputPathError(f"unusable output name {name!r}")
    return base.lstrip(".") or "output"


def reserve(folder: Path, stem: str, suffix: str) -> Path:
    """Create an empty, new file ``folder/stem[-n]suffix`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    n = 0
    while True:
        name = f"{stem}{suffix}" if n == 0 else f"{stem}-{n}{suffix}"
        path = root / name
        if path.parent != root:
            raise OutputPathError(f"{name!r} would leave {root}")
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            n += 1
            continue
        os.close(fd)
        return path


def planned_names(job: Job, names: list[str]) -> list[tuple[str, str]]:
    """(stem, suffix) for each output, in order."""
    out: list[tuple[str, str]] = []
    for index, name in enumerate(names, start=1):
        base = safe_name(name)
        suffix = "".join(PurePosixPath(base).suffixes[-1:]) or ".bin"
        if job.name_stem:
            stem = safe_name(job.name_stem)
            if len(names) > 1:
                stem = f"{stem}_{index:02}"
        else:
            stem = base[: -len(suffix)] if base.endswith(suffix) else base
        out.append((stem, suffix.lower()))
    return out


def shot_metadata(job: Job, node_name: str, prompt_id: str) -> dict[str, object]:
    meta: dict[str, object] = {
        "project": "",
        "panel": job.label or "",
        "version": 0,
        **job.metadata,
        "server": node_name,
        "prompt_id": prompt_id,
        "job": job.id,
    }
    return meta


async def save_outputs(node: NodeRuntime, job: Job, outcome: PromptOutcome) -> list[Path]:
    folder = Path(job.destination)
    files = [o for o in outcome.outputs if o.type == "output"] or list(outcome.outputs)
    names = [o.filename for o in files] + [
        f"ws_{i:02}.{img.format}" for i, img in enumerate(outcome.websocket_images, start=1)
    ]
    plan = planned_names(job, names)
    saved: list[Path] = []
    try:
        for index, (stem, suffix) in enumerate(plan):
            path = await asyncio.to_thread(reserve, folder, stem, suffix)
            saved.append(path)
            if index < len(files):
                await node.client.download_output(files[index], path)
            else:
                image = outcome.websocket_images[index - len(files)]
                await asyncio.to_thread(atomic_write_bytes, path, image.image)
            if suffix in TAGGABLE:
                meta = shot_metadata(job, node.name, outcome.prompt_id)
                try:
                    await asyncio.to_thread(write_shot_metadata, path, meta)
                except MetadataError as exc:
                    log.warning("could not tag %s: %s", path.name, exc)
    except BaseException:
        # All or nothing: a retry elsewhere must not leave a second, partial set behind.
        for path in saved:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return saved
