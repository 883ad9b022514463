"""Statistics of a folder's files: counts by kind, sizes, ratings, tags, dates, models.

:func:`folder_stats` lists the folder (optionally with its sub-folders), looks ratings
and tags up in the project's store and models/seeds in the search index, and sums it
all up. It blocks: the UI runs it in a worker thread with a :class:`CancelToken`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .arrange import FileInfo, list_tree, read_info
from .scanner import CancelToken, FileEntry, list_folder

TOP = 8  # most used models/seeds/tags shown


@dataclass
class FolderStats:
    """Numbers about one folder's files; ``recursive`` says whether sub-folders count."""

    folder: str
    recursive: bool
    files: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    total_size: int = 0
    size_by_kind: dict[str, int] = field(default_factory=dict)
    rated: int = 0
    #: files with 0..5 stars (index = stars; 0 = unrated)
    histogram: list[int] = field(default_factory=lambda: [0] * 6)
    tags: list[tuple[str, int]] = field(default_factory=list)
    oldest: float | None = None
    newest: float | None = None
    indexed: int = 0
    models: list[tuple[str, int]] = field(default_factory=list)
    seeds: list[tuple[str, int]] = field(default_factory=list)
    problems: int = 0

    @property
    def unrated(self) -> int:
        return self.files - self.rated


def summarize(
    folder: str,
    recursive: bool,
    entries: Sequence[FileEntry],
    rel_of: Callable[[str], str],
    ratings: Mapping[str, int],
    file_tags: Mapping[str, set[str]],
    info: Mapping[str, FileInfo],
    cancel: CancelToken | None = None,
) -> FolderStats:
    """Sum up ``entries`` (absolute paths; the mappings are keyed by relative path)."""
    stats = FolderStats(folder, recursive, files=len(entries))
    kinds: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    models: Counter[str] = Counter()
    seeds: Counter[str] = Counter()
    for i, entry in enumerate(entries):
        if cancel is not None and i % 4096 == 0:
            cancel.check()
        rel = rel_of(entry.path)
        kinds[entry.kind] += 1
        sizes[entry.kind] += entry.size
        stars = ratings.get(rel, 0)
        stats.histogram[stars if 0 <= stars <= 5 else 0] += 1
        tags.update(file_tags.get(rel, ()))
        if entry.problem:
            stats.problems += 1
        if stats.oldest is None or entry.mtime < stats.oldest:
            stats.oldest = entry.mtime
        if stats.newest is None or entry.mtime > stats.newest:
            stats.newest = entry.mtime
        fi = info.get(rel)
        if fi is not None:
            stats.indexed += 1
            if fi.model:
                models[fi.model] += 1
            if fi.seed is not None:
                seeds[str(fi.seed)] += 1
    stats.by_kind = dict(kinds)
    stats.size_by_kind = dict(sizes)
    stats.total_size = sum(sizes.values())
    stats.rated = stats.files - stats.histogram[0]
    stats.tags = sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))
    stats.models = models.most_common(TOP)
    stats.seeds = [(s, n) for s, n in seeds.most_common(TOP) if n > 1]
    return stats


def folder_stats(
    root: Path,
    folder: str,
    recursive: bool,
    ratings: Mapping[str, int],
    file_tags: Mapping[str, set[str]],
    index_file: Path | None,
    cancel: CancelToken | None = None,
) -> FolderStats:
    """List ``root/folder`` and sum it up (see :func:`summarize`)."""
    base = root / folder if folder else root
    entries = list_tree(base, cancel) if recursive else list_folder(base, cancel).files
    prefix = str(root) + os.sep

    def rel_of(path: str) -> str:
        rel = path[len(prefix) :] if path.startswith(prefix) else path
        return rel.replace(os.sep, "/")

    rels = [rel_of(e.path) for e in entries]
    info = read_info(index_file, rels) if index_file is not None else {}
    return summarize(folder, recursive, entries, rel_of, ratings, file_tags, info, cancel)
