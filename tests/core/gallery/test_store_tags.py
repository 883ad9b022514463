"""Tag management in gallery.json: rename (files follow), recolour, counts, merging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directors_console.core.gallery.store import GalleryStore


def test_rename_tag_keeps_colour_and_file_tags(tmp_path: Path) -> None:
    store = GalleryStore(tmp_path).load()
    store.define_tag("wip", "#ff8800")
    store.tag_file("a.png", "wip")
    store.tag_file("sub/b.png", "wip")
    store.tag_file("c.png", "hero")
    store.save()

    store.rename_tag("wip", "review")
    store.save()
    again = GalleryStore(tmp_path).load()
    assert again.tags() == {"review": "#ff8800", "hero": "#888888"}
    assert again.tags_of("a.png") == {"review"}
    assert again.tags_of("sub/b.png") == {"review"}
    assert again.tag_counts() == {"review": 2, "hero": 1}


def test_rename_into_an_existing_tag_merges(tmp_path: Path) -> None:
    store = GalleryStore(tmp_path).load()
    store.define_tag("hero", "#00ff00")
    store.tag_file("a.png", "hero")
    store.tag_file("a.png", "best")
    store.tag_file("b.png", "best")
    store.rename_tag("best", "hero")
    assert store.tags() == {"hero": "#00ff00"}
    assert store.tag_counts() == {"hero": 2}
    assert store.tags_of("b.png") == {"hero"}


def test_rename_tag_refuses_bad_input(tmp_path: Path) -> None:
    store = GalleryStore(tmp_path).load()
    store.define_tag("hero")
    with pytest.raises(ValueError, match="needs a name"):
        store.rename_tag("hero", "  ")
    with pytest.raises(KeyError):
        store.rename_tag("nope", "x")


def test_recolour_persists_and_rename_merges_with_other_writer(tmp_path: Path) -> None:
    mine = GalleryStore(tmp_path).load()
    mine.define_tag("wip", "#111111")
    mine.tag_file("a.png", "wip")
    mine.save()
    theirs = GalleryStore(tmp_path).load()

    mine.rename_tag("wip", "review")
    mine.define_tag("review", "#123456")  # recolour
    mine.save()
    theirs.set_rating("a.png", 5)  # an unrelated edit saved later by another program
    theirs.tag_file("b.png", "other")
    theirs.save()

    doc = json.loads((tmp_path / ".gallery" / "gallery.json").read_text())
    assert doc["tags"]["review"]["color"] == "#123456"
    final = GalleryStore(tmp_path).load()
    assert final.tags_of("a.png") == {"review"}
    assert final.tags_of("b.png") == {"other"}
    assert final.rating("a.png") == 5
    assert "wip" not in final.tags()
