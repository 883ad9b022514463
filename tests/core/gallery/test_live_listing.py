"""A listed folder kept up to date cheaply: only new names are stat'ed, and the changes
merge into the arranged rows at the places a full sort would give them."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from directors_console.core.gallery import index as index_module
from directors_console.core.gallery import scanner
from directors_console.core.gallery.arrange import (
    SORT_FIELDS,
    ArrangeSpec,
    FileInfo,
    apply_changes,
    arrange_listing,
    merge_changes,
)
from directors_console.core.gallery.index import GalleryIndex
from directors_console.core.gallery.index_delta import update_folder
from directors_console.core.gallery.scanner import (
    FileEntry,
    FolderChanges,
    FolderState,
    list_folder,
)


def entry(i: int, rng: random.Random) -> FileEntry:
    name = f"r{rng.randrange(60):03d}_{i}.{rng.choice(['png', 'mp4', 'txt'])}"
    kind = {"png": "image", "mp4": "video", "txt": "other"}[name.rpartition(".")[2]]
    return FileEntry(f"/p/f/{name}", name, rng.randrange(5), float(rng.randrange(5)), kind)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", SORT_FIELDS)
@pytest.mark.parametrize("descending", [False, True])
def test_merged_rows_equal_a_full_arrangement(field: str, descending: bool) -> None:
    rng = random.Random(f"{field}{descending}")
    for round_ in range(20):
        files = [entry(i, rng) for i in range(200 if round_ % 2 else 400)]
        info = {
            e.path: FileInfo(rng.randrange(3), 2, rng.randrange(4), rng.choice(["a", "B", None]))
            for e in files[::2]
        }
        ratings = {e.path[3:]: rng.randrange(6) for e in files[::3]}
        spec = ArrangeSpec(
            field=field,  # type: ignore[arg-type]
            descending=descending,
            rating_min=rng.choice([0, 0, 2]),
            ratings=ratings,
            info=info,
            rel_of=lambda p: p[3:],
        )
        # Every other round past 100 changes: applied in one pass, not one by one.
        files = files[:200] if round_ % 2 else files[:50] + files[250:] + files[50:200]
        before, after = files[:150], files[50:]
        shown = arrange_listing(before, spec)
        row_of = {e.path: i for i, e in enumerate(shown)}
        changes = FolderChanges(
            added=files[150:],
            removed=[e.path for e in files[:50]],
        )
        # Some kept files change in place (a render still being written).
        start = rng.randrange(50, 140)  # neighbours changing together too
        for n in {*rng.sample(range(50, 150), 10), start, start + 1, start + 2}:
            old = files[n]
            new = FileEntry(
                old.path, old.name, old.size + 7, old.mtime + rng.randrange(3), old.kind
            )
            changes.changed.append(new)
            after[n - 50] = new
        merged = merge_changes(shown, row_of, changes, spec)
        assert merged.rows == arrange_listing(after, spec)
        by_name = sorted(before, key=lambda e: e.name.lower())
        assert apply_changes(by_name, changes) == sorted(after, key=lambda e: e.name.lower())
        # The row bookkeeping replays the change on the old rows.
        replay = [e for i, e in enumerate(shown) if i not in set(merged.gone)]
        for row in merged.added:
            replay.insert(row, merged.rows[row])
        assert [e.path for e in replay] == [e.path for e in merged.rows]
        for row in merged.changed:
            assert merged.rows[row] in changes.changed


def test_folder_state_stats_only_new_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(50):
        (tmp_path / f"old{i:02d}.png").write_bytes(b"x" * i)
    state = FolderState(list_folder(tmp_path), now=1e12)  # nothing is settling
    (tmp_path / "new.png").write_bytes(b"new")
    (tmp_path / "old03.png").unlink()
    (tmp_path / ".hidden.png").write_bytes(b"h")
    (tmp_path / "sub").mkdir()
    stated: list[str] = []
    real_entry = scanner._named_entry

    def spy(folder: str, name: str) -> FileEntry | None:
        stated.append(name)
        return real_entry(folder, name)

    monkeypatch.setattr(scanner, "_named_entry", spy)
    changes = state.refresh()
    assert [e.name for e in changes.added] == ["new.png"]
    assert changes.removed == [str(tmp_path / "old03.png")]
    assert not changes.changed
    assert sorted(stated) == [".hidden.png", "new.png", "sub"]  # not the 49 known files
    stated.clear()
    assert not state.refresh()  # nothing new the second time
    assert stated == []  # and nothing stat'ed: what is not a file is remembered


def test_a_file_still_being_written_is_seen_growing(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"a")
    os.utime(tmp_path / "a.png", (1.0, 1.0))
    state = FolderState(list_folder(tmp_path))
    growing = tmp_path / "render.png"
    growing.write_bytes(b"12")
    added = state.refresh().added
    assert [(e.name, e.size) for e in added] == [("render.png", 2)]
    assert state.settling
    with growing.open("ab") as fh:
        fh.write(b"3456")  # no new name: only the settling files are stat'ed again
    changed = state.recheck().changed
    assert [(e.name, e.size) for e in changed] == [("render.png", 6)]
    os.utime(growing, (1.0, 1.0))  # long finished
    state.recheck()
    assert not state.settling


def test_index_updates_only_the_changed_files(
    project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with GalleryIndex(project, cache_dir) as index:
        index.update()
        folder = next(project.glob("Panel_04"))
        state = FolderState(list_folder(folder), now=1e12)
        donor = next(project.glob("Panel_05/*.png"))
        victim = next(folder.glob("*.png"))
        victim.unlink()
        shutil.copyfile(donor, folder / "fresh.png")

        def no_walk(*_a: object, **_k: object) -> None:
            raise AssertionError("the whole project was walked")

        monkeypatch.setattr(index_module, "walk_files", no_walk)
        changes = state.refresh()
        report = index.update_files(changes.added + changes.changed, changes.removed)
        assert (report.added, report.changed, report.removed) == (1, 0, 1)
        assert index.row(victim.relative_to(project).as_posix()) is None
        fresh = index.row((folder / "fresh.png").relative_to(project).as_posix())
        assert fresh is not None
        assert fresh["positive"] == index.row(donor.relative_to(project).as_posix())["positive"]  # type: ignore[index]
        assert index.count() == 200

        (folder / "fresh.png").unlink()  # a folder compared with its rows
        again = update_folder(index, folder)
        assert (again.added, again.changed, again.removed) == (0, 0, 1)
        assert again.unchanged == len(list_folder(folder).files)
        assert index.count() == 199


def test_many_removals_at_once() -> None:
    rng = random.Random(5)
    listing = sorted((entry(i, rng) for i in range(500)), key=lambda e: e.name.lower())
    changes = FolderChanges(removed=[e.path for e in listing[::3]])  # 167: one pass
    assert apply_changes(listing, changes) == [e for i, e in enumerate(listing) if i % 3]


@pytest.mark.parametrize("count", [3, 150])  # applied one by one, and in one pass
def test_changes_older_than_the_listing_add_no_file_twice(count: int) -> None:
    """A folder listed again while its changes were worked out (a rename, then an undo):
    files "added" that are listed already are updated in place, never shown twice."""
    rng = random.Random(count)
    files = sorted(
        {e.path: e for e in (entry(i, rng) for i in range(400))}.values(),
        key=lambda e: e.name.lower(),
    )
    spec = ArrangeSpec(field="name", descending=False, rel_of=lambda p: p[3:])
    shown = arrange_listing(files, spec)
    row_of = {e.path: i for i, e in enumerate(shown)}
    again = [FileEntry(e.path, e.name, e.size + 1, e.mtime, e.kind) for e in files[:count]]
    fresh = FileEntry("/p/f/zz_new.png", "zz_new.png", 1, 1.0, "image")
    changes = FolderChanges(added=[*again, fresh])
    listed = apply_changes(files, changes)
    assert [e.path for e in listed] == [e.path for e in files] + [fresh.path]
    assert listed[:count] == again  # the newer size is kept
    merged = merge_changes(shown, row_of, changes, spec)
    paths = [e.path for e in merged.rows]
    assert len(paths) == len(set(paths)) == len(shown) + (fresh in merged.rows)
