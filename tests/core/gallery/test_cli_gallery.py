"""``directors-console gallery`` index / search / duplicates, headless and without Qt."""

from __future__ import annotations

from pathlib import Path

import pytest

from directors_console.app.main import main
from directors_console.core.gallery.store import GalleryStore


def test_index_search_duplicates(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gallery", "index", str(project)]) == 0
    captured = capsys.readouterr()
    assert "200 files indexed: 200 new" in captured.err and "reading: 200/200" in captured.err
    assert captured.out == ""

    assert main(["gallery", "search", str(project), "cinematic", "--limit", "5"]) == 0
    paths = capsys.readouterr().out.split()
    assert len(paths) == 5 and all((project / p).is_file() for p in paths)

    store = GalleryStore(project).load()
    store.set_rating(paths[0], 4)
    store.tag_file(paths[1], "keep")
    store.save()
    assert main(["gallery", "search", str(project), "--rating", "4"]) == 0
    assert capsys.readouterr().out.split() == [paths[0]]
    assert main(["gallery", "search", str(project), "--tag", "keep"]) == 0
    assert capsys.readouterr().out.split() == [paths[1]]
    assert main(["gallery", "search", str(project), "zzqqxx"]) == 0
    assert "No files match" in capsys.readouterr().err

    assert main(["gallery", "duplicates", str(project)]) == 0
    out, err = capsys.readouterr()
    assert "groups of duplicates" in err and out.strip()
    assert main(["gallery", "duplicates", str(project), "--near"]) == 0
    assert "groups of duplicates" in capsys.readouterr().err


def test_bad_project_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gallery", "index", str(tmp_path / "missing")]) == 1
    assert "not a folder" in capsys.readouterr().err
