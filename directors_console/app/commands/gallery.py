"""``directors-console gallery``: index, search and find duplicates in a project's media.

The same core services the Gallery tab uses, without Qt: ``index`` updates the
project's search index (progress on stderr), ``search`` prints matching
project-relative paths on stdout, ``duplicates`` prints groups of copies.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from directors_console.app.commands.context import CommandContext
from directors_console.core.gallery.duplicates import exact_duplicates, near_duplicates
from directors_console.core.gallery.index import GalleryIndex
from directors_console.core.gallery.search import SearchQuery, search
from directors_console.core.gallery.store import GalleryStore
from directors_console.core.storage import StorageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("gallery", help="index, search and tidy project media")
    gsub = parser.add_subparsers(dest="gallery_command", metavar="ACTION", required=True)

    index = gsub.add_parser("index", help="update the search index of a project")
    index.add_argument("project", type=Path)
    index.add_argument("--quiet", action="store_true", help="no progress on stderr")
    index.set_defaults(run=_index)

    find = gsub.add_parser("search", help="files whose prompt has all the words")
    find.add_argument("project", type=Path)
    find.add_argument("words", nargs="*", help="words of the prompt, model, LoRA or name")
    find.add_argument("--rating", type=int, default=0, help="at least this many stars")
    find.add_argument("--tag", action="append", default=[], help="has this tag (repeatable)")
    find.add_argument("--kind", choices=("image", "video", "other"))
    find.add_argument("--folder", help="only below this project folder")
    find.add_argument(
        "--sort", default="-date", choices=("date", "-date", "name", "-name", "size", "-size",
                                            "rating", "relevance"),
    )  # fmt: skip
    find.add_argument("--limit", type=int, default=100)
    find.add_argument("--offset", type=int, default=0)
    find.add_argument("--no-update", action="store_true", help="search the index as it is")
    find.set_defaults(run=_search)

    dups = gsub.add_parser("duplicates", help="groups of identical (or similar) files")
    dups.add_argument("project", type=Path)
    dups.add_argument("--near", action="store_true", help="similar-looking images too")
    dups.add_argument("--threshold", type=int, default=6, help="bits of difference (--near)")
    dups.set_defaults(run=_duplicates)


def _project(path: Path) -> Path | None:
    if not path.is_dir():
        print(f"{path} is not a folder", file=sys.stderr)
        return None
    return path.resolve()


def _progress(label: str) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] > 0.2:
            last[0] = now
            print(f"\r{label}: {done}/{total}", end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)

    return report


def _index(args: argparse.Namespace, ctx: CommandContext) -> int:
    project = _project(args.project)
    if project is None:
        return 1
    with GalleryIndex(project, ctx.paths.cache_dir) as index:
        report = index.update(None if args.quiet else _progress("reading"))
        total = index.count()
    print(
        f"{total} files indexed: {report.added} new, {report.changed} changed, "
        f"{report.removed} removed, {report.unchanged} unchanged ({report.seconds:.2f} s)",
        file=sys.stderr,
    )
    return 0


def _search(args: argparse.Namespace, ctx: CommandContext) -> int:
    project = _project(args.project)
    if project is None:
        return 1
    try:
        store = GalleryStore(project).load()
    except StorageError as exc:
        print(exc, file=sys.stderr)
        return 1
    for problem in store.problems:
        print(problem, file=sys.stderr)
    query = SearchQuery(
        words=" ".join(args.words), rating_min=args.rating, tags=tuple(args.tag),
        kind=args.kind, folder=args.folder, sort=args.sort, limit=args.limit,
        offset=args.offset,
    )  # fmt: skip
    with GalleryIndex(project, ctx.paths.cache_dir) as index:
        if not args.no_update:
            index.update()
        try:
            hits = search(index, query, store)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
    for hit in hits:
        print(hit.path)
    if not hits:
        print("No files match.", file=sys.stderr)
    return 0


def _duplicates(args: argparse.Namespace, ctx: CommandContext) -> int:
    project = _project(args.project)
    if project is None:
        return 1
    if args.near:
        groups = near_duplicates(project, threshold=args.threshold)
    else:
        groups = exact_duplicates(project)
    for n, group in enumerate(groups):
        if n:
            print()
        for path in group.paths:
            print(path)
    print(f"{len(groups)} groups of duplicates", file=sys.stderr)
    return 0
