"""The SQLite index: full and incremental updates, search filters, cancel, damage."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from directors_console.core.gallery import index as index_module
from directors_console.core.gallery.index import GalleryIndex
from directors_console.core.gallery.scanner import CancelToken
from directors_console.core.gallery.search import SearchQuery, fts_expression, search
from directors_console.core.gallery.store import GalleryStore


def _rel(item: dict[str, Any]) -> str:
    return str(item["path"]).split("/", 1)[1]


def test_full_index_and_word_search(
    project: Path, cache_dir: Path, manifest: dict[str, Any]
) -> None:
    progress: list[tuple[int, int]] = []
    with GalleryIndex(project, cache_dir) as index:
        report = index.update(lambda d, t: progress.append((d, t)))
        assert report.added == 200 and report.removed == 0 and not report.problems
        assert progress[-1] == (200, 200)
        item = manifest["files"][17]
        words = " ".join(item["positive"].split()[:3])
        hits = search(index, SearchQuery(words=words, limit=500))
        assert _rel(item) in {h.path for h in hits}
        for hit in hits:
            assert all(w.lower() in (hit.positive or "").lower() for w in words.split())
        row = index.row(_rel(item))
        assert row is not None and row["seed"] == item["seed"] and row["model"] == item["ckpt_name"]
        negative = item["negative"].split(", ")[0]
        hits = search(index, SearchQuery(negative=negative, limit=500))
        assert _rel(item) in {h.path for h in hits}
        assert all(negative in str(index.row(h.path)["negative"]) for h in hits)  # type: ignore[index]
        by_model = search(index, SearchQuery(words=item["ckpt_name"].split("_")[0], limit=500))
        assert _rel(item) in {h.path for h in by_model}


def test_filters_sort_and_paging(project: Path, cache_dir: Path) -> None:
    store = GalleryStore(project).load()
    with GalleryIndex(project, cache_dir) as index:
        index.update()
        everything = search(index, SearchQuery(limit=1000))
        assert len(everything) == 200
        mtimes = [h.mtime for h in everything]
        assert mtimes == sorted(mtimes, reverse=True)
        oldest = search(index, SearchQuery(sort="date", limit=5))
        assert [h.path for h in oldest] == [h.path for h in everything[::-1][:5]]
        page2 = search(index, SearchQuery(limit=10, offset=10))
        assert [h.path for h in page2] == [h.path for h in everything[10:20]]
        five, three = everything[7].path, everything[42].path
        store.set_rating(five, 5)
        store.set_rating(three, 3)
        store.set_rating(everything[50].path, 1)
        store.tag_file(three, "hero")
        rated = search(index, SearchQuery(rating_min=3), store)
        assert [(h.path, h.rating) for h in rated] == [(five, 5), (three, 3)]
        assert [h.path for h in search(index, SearchQuery(tags=("hero",)), store)] == [three]
        assert search(index, SearchQuery(tags=("hero",), rating_min=4), store) == []
        plain = search(index, SearchQuery(limit=10), store)
        assert plain[7].rating == 5
        by_rating = search(index, SearchQuery(sort="rating", limit=4), store)
        assert [h.rating for h in by_rating] == [5, 3, 1, 0]
        in_folder = search(index, SearchQuery(folder="Panel_01", limit=1000))
        assert in_folder and all(h.path.startswith("Panel_01/") for h in in_folder)
        assert not any(h.path.startswith("Panel_010") for h in in_folder)
        images = search(index, SearchQuery(kind="image", limit=1000))
        assert len(images) == 200
        middle = sorted(mtimes)[100]
        recent = search(index, SearchQuery(date_from=middle, limit=1000))
        assert len(recent) == sum(1 for m in mtimes if m >= middle)
        for sort in ("name", "-name", "size", "-size", "relevance"):
            assert len(search(index, SearchQuery(words="the", sort=sort, limit=5))) <= 5  # type: ignore[arg-type]
        assert search(index, SearchQuery(words="zzqqxx")) == []
        assert fts_expression('"; DROP TABLE files --') is not None
        search(index, SearchQuery(words='"; DROP TABLE files -- NEAR( AND'))
        assert index.count() == 200


def test_incremental_update(project: Path, cache_dir: Path, corpus_master: Path) -> None:
    with GalleryIndex(project, cache_dir) as index:
        index.update()
        again = index.update()
        assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 200)
        victim = next(project.glob("Panel_03/*.png"))
        victim.unlink()
        changed = next(project.glob("Panel_04/*.png"))
        donor = next(p for p in project.glob("Panel_05/*.png"))
        shutil.copyfile(donor, changed)  # changed in place: new size and/or mtime
        os.utime(changed, (1, 1_800_000_000))
        (project / "new").mkdir()
        shutil.copy2(donor, project / "new" / "copy.png")
        report = index.update()
        assert (report.added, report.changed, report.removed) == (1, 1, 1)
        rel = changed.relative_to(project).as_posix()
        assert (
            index.row(rel)["positive"]
            == index.row(donor.relative_to(project).as_posix())["positive"]
        )  # type: ignore[index]
        assert index.row(victim.relative_to(project).as_posix()) is None
        assert index.count() == 200
    # A new GalleryIndex on the same project reuses the cache.
    with GalleryIndex(project, cache_dir) as index:
        assert index.update().unchanged == 200


def test_cancel_keeps_what_is_done(
    project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "BATCH", 50)
    monkeypatch.setattr(index_module, "COMMIT_ROWS", 50)
    token = CancelToken()
    with GalleryIndex(project, cache_dir) as index:
        report = index.update(lambda done, total: token.cancel() if done >= 50 else None, token)
        assert report.cancelled and 0 < index.count() < 200
        rest = index.update()
        assert index.count() == 200 and rest.added == 200 - rest.unchanged


def test_odd_files_are_indexed(tmp_path: Path, cache_dir: Path, corpus_master: Path) -> None:
    source = next(corpus_master.glob("Ember/Panel_01/*.png"))
    tmp_path = tmp_path / "proj"
    tmp_path.mkdir()
    weird = os.path.join(os.fsencode(tmp_path), b"odd_caf\xe9.png")
    shutil.copyfile(source, weird)
    (tmp_path / "cut.png").write_bytes(source.read_bytes()[:100])
    (tmp_path / "notes.txt").write_text("hello")
    with GalleryIndex(tmp_path, cache_dir) as index:
        assert index.update().added == 3
        hits = search(index, SearchQuery(words="odd_caf", limit=10))
        assert [os.fsencode(h.path) for h in hits] == [b"odd_caf\xe9.png"]
        assert index.row("cut.png")["problems"]  # type: ignore[index]
        assert index.row("notes.txt")["kind"] == "other"  # type: ignore[index]


def test_damaged_cache_is_rebuilt(project: Path, cache_dir: Path) -> None:
    with GalleryIndex(project, cache_dir) as index:
        index.update()
        file = index.file
    file.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(file) + suffix).unlink(missing_ok=True)
    with GalleryIndex(project, cache_dir) as index:
        assert index.count() == 0
        assert index.update().added == 200


def test_process_pool_path(project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "POOL_THRESHOLD", 10)
    monkeypatch.setattr(index_module, "BATCH", 40)
    with GalleryIndex(project, cache_dir, workers=2) as index:
        report = index.update()
        assert report.added == 200 and index.count() == 200
        assert len(search(index, SearchQuery(words="the", limit=500))) > 0


def test_index_follows_renames(project: Path, cache_dir: Path) -> None:
    from directors_console.core.gallery.fileops import FileOps

    with GalleryIndex(project, cache_dir) as index:
        index.update()
        first = search(index, SearchQuery(limit=1))[0]
        result = FileOps(project).rename(first.path, "hero_shot.png")
        index.rename_paths(result.moves)
        hits = search(index, SearchQuery(words="hero_shot"))
        assert [h.path for h in hits] == [first.path.rpartition("/")[0] + "/hero_shot.png"]
        assert hits[0].seed == first.seed
        assert index.update().unchanged == 200  # nothing left to re-read


def test_huge_seed_and_bad_text(tmp_path: Path, cache_dir: Path) -> None:
    from tests.core.gallery.test_metadata import _png

    graph = (
        '{"1": {"class_type": "KSampler", "inputs": {"seed": 18446744073709551615,'
        ' "steps": 99999999999, "positive": ["2", 0]}},'
        ' "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "moon \\ud800 rise"}}}'
    )
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.png").write_bytes(_png(("prompt", graph)))
    with GalleryIndex(tmp_path / "p", cache_dir) as index:
        assert index.update().added == 1
        hits = search(index, SearchQuery(words="moon rise"))
        assert hits[0].seed == 2**64 - 1 and hits[0].positive == "moon \ufffd rise"
        assert index.row("a.png")["steps"] is None  # type: ignore[index]


class _BrokenPool:
    """An executor whose workers always die."""

    def submit(self, fn: object, *args: object) -> object:
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future: Future[object] = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


def test_dead_workers_fall_back_to_this_thread(
    project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "POOL_THRESHOLD", 10)
    with GalleryIndex(project, cache_dir, workers=2, executor=_BrokenPool()) as index:  # type: ignore[arg-type]
        report = index.update()
        assert report.added == 200 and index.count() == 200
        assert index._pool is None  # the next large update starts a pool of its own
