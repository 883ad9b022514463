"""gallery.json: ratings, tags, views, trash entries; merging; damage; concurrency."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from directors_console.core.gallery.store import GalleryStore, merge
from directors_console.core.storage import NewerVersionError


def test_round_trip(tmp_path: Path) -> None:
    store = GalleryStore(tmp_path).load()
    store.set_rating("Panel_01/a.png", 4)
    store.define_tag("hero", "#ff0000")
    store.tag_file("Panel_01/a.png", "hero")
    store.tag_file("Panel_01/b.png", "wip")
    store.save_view("best", {"rating_min": 4})
    store.add_trash("t1", "x/old.png", ".gallery/.trash/t1/old.png")
    store.save()
    again = GalleryStore(tmp_path).load()
    assert again.rating("Panel_01/a.png") == 4 and again.rating("nope.png") == 0
    assert again.tags() == {"hero": "#ff0000", "wip": "#888888"}
    assert again.tags_of("Panel_01/a.png") == {"hero"}
    assert again.views() == {"best": {"rating_min": 4}}
    assert again.trash_entries() == {"t1": ("x/old.png", ".gallery/.trash/t1/old.png")}
    again.set_rating("Panel_01/a.png", 0)
    again.tag_file("Panel_01/a.png", "hero", on=False)
    again.delete_tag("wip")
    again.save()
    third = GalleryStore(tmp_path).load()
    assert third.ratings() == {} and third.file_tags() == {} and set(third.tags()) == {"hero"}
    with pytest.raises(ValueError):
        third.set_rating("a.png", 6)


def test_two_writers_lose_nothing(tmp_path: Path) -> None:
    a, b = GalleryStore(tmp_path).load(), GalleryStore(tmp_path).load()
    a.set_rating("x.png", 1)
    b.set_rating("y.png", 2)
    b.tag_file("x.png", "blue")
    a.save()
    b.save()
    a.set_rating("y.png", 5)  # later than b's edit: wins
    a.save()
    final = GalleryStore(tmp_path).load()
    assert final.ratings() == {"x.png": 1, "y.png": 5}
    assert final.tags_of("x.png") == {"blue"}


def test_merge_is_last_writer_per_entry() -> None:
    ours = {"ratings": {"a": {"v": 1, "t": 5}, "b": {"v": 1, "t": 1}}}
    theirs = {
        "ratings": {"a": {"v": 3, "t": 2}, "b": {"gone": True, "t": 9}, "c": {"v": 2, "t": 1}}
    }
    merged = merge(ours, theirs)["ratings"]
    assert merged == {"a": {"v": 1, "t": 5}, "b": {"gone": True, "t": 9}, "c": {"v": 2, "t": 1}}


def test_corrupt_file_is_kept_aside(tmp_path: Path) -> None:
    folder = tmp_path / ".gallery"
    folder.mkdir()
    (folder / "gallery.json").write_text("{ not json")
    store = GalleryStore(tmp_path).load()
    assert store.problems and store.ratings() == {}
    assert list(folder.glob("gallery.json.corrupt-*"))
    store.set_rating("a.png", 3)
    store.save()
    assert GalleryStore(tmp_path).load().rating("a.png") == 3


def test_newer_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".gallery").mkdir()
    (tmp_path / ".gallery" / "gallery.json").write_text('{"schema_version": 99}')
    with pytest.raises(NewerVersionError):
        GalleryStore(tmp_path).load()


def test_non_utf8_paths_and_moves(tmp_path: Path) -> None:
    weird = os.fsdecode(b"Panel/caf\xe9.png")
    store = GalleryStore(tmp_path).load()
    store.set_rating(weird, 2)
    store.tag_file(weird, "odd")
    store.save()
    again = GalleryStore(tmp_path).load()
    assert again.rating(weird) == 2 and again.tags_of(weird) == {"odd"}
    again.move_paths([(weird, "Panel/cafe.png")])
    again.save()
    final = GalleryStore(tmp_path).load()
    assert final.ratings() == {"Panel/cafe.png": 2}
    assert final.file_tags() == {"Panel/cafe.png": {"odd"}}


RATER = """
import sys
from pathlib import Path
from directors_console.core.gallery.store import GalleryStore
root, who, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = GalleryStore(root).load()
for i in range(count):
    store.set_rating(f"{who}/{i}.png", 1 + i % 5)
    store.set_rating("shared.png", 1 + i % 5)
    store.save()
"""


def test_two_processes_rating_concurrently(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", RATER, str(tmp_path), who, "150"])
        for who in ("alice", "bob")
    ]
    assert [p.wait(60) for p in procs] == [0, 0]
    ratings = GalleryStore(tmp_path).load().ratings()
    for who in ("alice", "bob"):
        assert all(ratings[f"{who}/{i}.png"] == 1 + i % 5 for i in range(150))
    assert len(ratings) == 301


def _save_forever(root: Path) -> None:
    store = GalleryStore(root).load()
    i = len(store.ratings())
    while True:
        i += 1
        store.set_rating(f"p{i}.png", 1 + i % 5)
        store.save()


def test_200_kills_during_saves_never_corrupt(tmp_path: Path) -> None:
    rng = random.Random(7)
    target = tmp_path / ".gallery" / "gallery.json"
    previous = 0
    for _kill in range(200):
        pid = os.fork()
        if pid == 0:  # the child saves in a loop until it is killed
            try:
                _save_forever(tmp_path)
            finally:
                os._exit(1)
        time.sleep(rng.uniform(0.0005, 0.02))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if target.exists():
            doc = json.loads(target.read_text())  # never half-written
            count = len(doc["ratings"])
            assert count >= previous  # nothing saved is ever lost
            previous = count
    assert previous > 50
    assert not list(target.parent.glob("gallery.json.corrupt-*"))
    store = GalleryStore(tmp_path).load()  # a lock left by a killed writer is broken
    store.set_rating("last.png", 5)
    store.save()


def test_an_edit_made_while_a_save_writes_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UI rates a file while a worker saves: the save must not drop that rating."""
    import threading

    from directors_console.core.gallery import store as store_module

    store = GalleryStore(tmp_path).load()
    store.set_rating("a.png", 5)
    real_write = store_module.write_json
    writing = threading.Event()
    rated = threading.Event()

    def slow_write(*args: object, **kwargs: object) -> None:
        writing.set()
        assert rated.wait(5)
        real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "write_json", slow_write)
    saver = threading.Thread(target=store.save)
    saver.start()
    assert writing.wait(5)
    store.set_rating("b.png", 2)  # the "UI thread", mid-save
    store.tag_file("b.png", "hero")
    rated.set()
    saver.join(5)
    monkeypatch.setattr(store_module, "write_json", real_write)
    assert store.rating("a.png") == 5 and store.rating("b.png") == 2
    assert store.tags_of("b.png") == {"hero"}
    store.save()
    again = GalleryStore(tmp_path).load()
    assert again.rating("a.png") == 5 and again.rating("b.png") == 2
    assert again.tags_of("b.png") == {"hero"}
