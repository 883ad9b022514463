"""Benchmark of the gallery core: folder tree, listings, metadata index, re-index, search.

    .venv/bin/python benchmarks/gallery.py [--small-dir D] [--tiny-dir D] [--tiny-count N]

Corpora come from ../shared/tools/make_corpus.py and are generated on first use
(10,000 files ``--small`` and 100,000 files ``--tiny`` by default; the 100k one takes
about 3.5 minutes on 2 cores). Pass existing corpus folders to skip that.

Targets: tree of 100k files <= 0.3 s; 1,000-file folder <= 15 ms; 15,000-file folder
<= 150 ms; full index 10k <= 1.0 s warm, 100k <= 15 s; re-index of 100k <= 1 s;
2-word search, first page <= 10 ms.

"Warm" means the files are in the OS cache (the corpus was just read) and the worker
pool is already started; the cold-pool figure (spawning workers inside the update) is
printed too. Every index run starts from an empty database in a temp folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from directors_console.core.gallery.duplicates import exact_duplicates, near_duplicates
from directors_console.core.gallery.index import GalleryIndex, extract_batch
from directors_console.core.gallery.scanner import list_folder, scan_tree, walk_files
from directors_console.core.gallery.search import SearchQuery, search

REPO = Path(__file__).resolve().parents[1]
MAKE_CORPUS = REPO.parent / "shared" / "tools" / "make_corpus.py"


def corpus(folder: Path, count: int, mode: str, seed: int) -> Path:
    """The project folder of a corpus, generated if missing."""
    if not (folder / "corpus_manifest.json").exists():
        print(f"generating {count} {mode} files in {folder} ...", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(MAKE_CORPUS), str(folder), "--count", str(count), f"--{mode}",
             "--seed", str(seed), "--folders", "20"],
            check=True,
        )  # fmt: skip
        print(f"  generated in {time.perf_counter() - started:.0f} s")
    projects = [p for p in folder.iterdir() if p.is_dir()]
    return projects[0]


def timed(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """(median, best) seconds of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), min(runs)


def line(label: str, seconds: float, target: float | None = None, extra: str = "") -> None:
    ms = seconds * 1000
    verdict = ""
    if target is not None:
        verdict = "ok " if seconds <= target else "MISS"
        verdict += f" (target {target * 1000:,.0f} ms)"
    print(f"  {label:<44} {ms:>10,.1f} ms  {verdict} {extra}")


def flat_folder(source: Path, work: Path, count: int) -> Path:
    """A folder of ``count`` hard links to corpus files (a big single-folder render)."""
    folder = work / f"flat{count}"
    folder.mkdir()
    files = itertools.cycle(f.path for f in walk_files(source))
    for i in range(count):
        os.link(next(files), folder / f"render_{i:06}.png")
    return folder


def index_runs(project: Path, label: str, target: float | None, runs: int) -> GalleryIndex:
    with tempfile.TemporaryDirectory() as cold_cache:
        with GalleryIndex(project, Path(cold_cache)) as index:
            report = index.update()
        line(f"{label}: full index, pool cold", report.seconds, None, f"({report.added} files)")
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=ctx)
    list(pool.map(extract_batch, [[]] * (os.cpu_count() or 1)))  # start the workers
    times = []
    for _ in range(runs):
        with (
            tempfile.TemporaryDirectory() as cache,
            GalleryIndex(project, Path(cache), executor=pool) as index,
        ):
            times.append(index.update().seconds)
    line(f"{label}: full index, warm (median of {runs})", statistics.median(times), target,
         f"best {min(times):.2f} s, worst {max(times):.2f} s")  # fmt: skip
    index = GalleryIndex(project, Path(tempfile.mkdtemp(prefix="gallery-bench-")), executor=pool)
    index.update()
    median, _best = timed(lambda: index.update(), repeat=3)
    line(f"{label}: re-index, nothing changed", median, 1.0)
    return index


def search_runs(index: GalleryIndex, manifest: Path) -> None:
    words = Counter()
    for item in json.loads(manifest.read_text())["files"]:
        words.update(w.strip(",.").lower() for w in str(item.get("positive") or "").split())
    common = [w for w, _ in words.most_common(40) if len(w) > 3][:12]
    rare = [w for w, _ in words.most_common()[-400:] if len(w) > 3][:12]
    rng = random.Random(1)
    for label, pool in (("common", common), ("rare", rare), ("mixed", common + rare)):
        times = []
        for _ in range(30):
            a, b = rng.sample(pool, 2)
            started = time.perf_counter()
            search(index, SearchQuery(words=f"{a} {b}", limit=100))
            times.append(time.perf_counter() - started)
        line(f"2-word search, first page ({label})", statistics.median(times), 0.010,
             f"max {max(times) * 1000:.1f} ms")  # fmt: skip
    by_name = lambda: search(index, SearchQuery(words=f"{common[0]} {common[1]}", sort="name"))  # noqa: E731
    line("2-word search, sorted by name", timed(by_name)[0], None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--small-dir", type=Path, default=Path(tempfile.gettempdir()) / "dc-gal-s10k"
    )
    parser.add_argument(
        "--tiny-dir", type=Path, default=Path(tempfile.gettempdir()) / "dc-gal-t100k"
    )
    parser.add_argument("--small-count", type=int, default=10_000)
    parser.add_argument("--tiny-count", type=int, default=100_000)
    args = parser.parse_args()
    small = corpus(args.small_dir, args.small_count, "small", 3)
    tiny = corpus(args.tiny_dir, args.tiny_count, "tiny", 2)
    n_tiny = sum(1 for _ in walk_files(tiny))  # also warms the OS cache
    n_small = sum(1 for _ in walk_files(small))
    print(f"cpus: {os.cpu_count()}  tiny corpus: {n_tiny} files  small corpus: {n_small} files")

    print("browsing")
    tree = scan_tree(tiny)
    median, _ = timed(lambda: scan_tree(tiny))
    line(f"folder tree of {n_tiny:,} files", median, 0.3, f"({tree.count()} folders)")
    with tempfile.TemporaryDirectory() as work:
        for count, target in ((1_000, 0.015), (15_000, 0.150)):
            folder = flat_folder(tiny, Path(work), count)
            median, _ = timed(lambda folder=folder: list_folder(folder))  # type: ignore[misc]
            line(f"list a {count:,}-file folder", median, target)

    print("metadata")
    jobs = [
        (f.path, f.name, f.kind, f.size, f.mtime) for f in itertools.islice(walk_files(small), 2000)
    ]
    started = time.perf_counter()
    extract_batch(jobs)
    per_file = (time.perf_counter() - started) / len(jobs)
    print(f"  read metadata, one process: {per_file * 1e6:.0f} µs per file (small corpus)")
    index_runs(small, f"{n_small // 1000}k small", 1.0, runs=5).close()
    index = index_runs(tiny, f"{n_tiny // 1000}k tiny", 15.0 if n_tiny >= 50_000 else None, 2)
    print("search")
    search_runs(index, args.tiny_dir / "corpus_manifest.json")
    index.close()
    print("duplicates")
    started = time.perf_counter()
    groups = exact_duplicates(small)
    line(f"exact duplicates, {n_small:,} small files", time.perf_counter() - started, None,
         f"({len(groups)} groups)")  # fmt: skip
    sample = list(itertools.islice(walk_files(small), 1000))
    started = time.perf_counter()
    near = near_duplicates(small, sample)
    line("near duplicates (dHash), 1,000 small images", time.perf_counter() - started, None,
         f"({len(near)} groups)")  # fmt: skip


if __name__ == "__main__":
    main()
