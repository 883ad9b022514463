"""Naming templates, version scanning (mixed extensions), panel folder renames."""

from __future__ import annotations

from pathlib import Path

import pytest

from directors_console.core.storyboard.naming import (
    NamingError,
    check_panel_name,
    check_template,
    next_output_path,
    panel_folder,
    rename_panel_folder,
    render_name,
    scan_versions,
)

TEMPLATE = "{project}_{panel}_v{version}"


def test_render_name():
    assert render_name(TEMPLATE, "Night", "Panel_01", 3) == "Night_Panel_01_v3"
    assert render_name("{panel}-{version}", "P", "Shot A", 12, width=3) == "Shot A-012"


@pytest.mark.parametrize("bad", ["{project}_{panel}", "{who}_{version}", "{version", "a/{version}"])
def test_bad_templates(bad: str):
    with pytest.raises(NamingError):
        render_name(bad, "p", "q", 1)


def test_check_template_ok():
    assert check_template("v{version}") == "v{version}"


@pytest.mark.parametrize("bad", ["", "  ", "..", ".hidden", "a/b", "a\\b", "x:y", "x" * 121])
def test_bad_panel_names(bad: str):
    with pytest.raises(NamingError):
        check_panel_name(bad)


def test_scan_versions_mixed_extensions(tmp_path: Path):
    folder = tmp_path / "Panel_01"
    folder.mkdir()
    for name in [
        "Night_Panel_01_v1.png",
        "Night_Panel_01_v2.JPG",
        "Night_Panel_01_v7.webp",
        "Night_Panel_01_v3.gif",
        "Night_Panel_01_v4.mp4",
        "Night_Panel_01_v9.mkv",
        "Night_Panel_01_v5.mov",
        "Night_Panel_01_v6.webm",
        "Night_Panel_01_v99.txt",  # not media
        "Night_Panel_011_v50.png",  # another panel
        "Other_Panel_01_v60.png",  # another project
        "Night_Panel_01_vX.png",
    ]:
        (folder / name).write_bytes(b"x")
    (folder / "Night_Panel_01_v80.png").mkdir()  # a folder, not a file
    versions = scan_versions(folder, TEMPLATE, "Night", "Panel_01")
    assert (versions.still, versions.video) == (7, 9)
    assert versions.next == 10


def test_scan_versions_missing_folder(tmp_path: Path):
    assert scan_versions(tmp_path / "nope", TEMPLATE, "a", "b").next == 1


def test_scan_versions_escapes_regex_characters(tmp_path: Path):
    (tmp_path / "P(1)+_v4.png").write_bytes(b"x")
    (tmp_path / "P11_v9.png").write_bytes(b"x")
    assert scan_versions(tmp_path, "{panel}_v{version}", "x", "P(1)+").still == 4


def test_next_output_path(tmp_path: Path):
    folder = tmp_path / "Panel_02"
    folder.mkdir()
    (folder / "Film_Panel_02_v2.mp4").write_bytes(b"x")
    path = next_output_path(tmp_path, TEMPLATE, "Film", "Panel_02", "PNG")
    assert path == folder / "Film_Panel_02_v3.png"


def test_panel_folder_stays_inside(tmp_path: Path):
    assert panel_folder(tmp_path, "Shot 1") == tmp_path / "Shot 1"
    with pytest.raises(NamingError):
        panel_folder(tmp_path, "..")


def test_rename_panel_folder(tmp_path: Path):
    (tmp_path / "Panel_01").mkdir()
    (tmp_path / "Panel_01" / "a.png").write_bytes(b"x")
    move = rename_panel_folder(tmp_path, "Panel_01", "Opening")
    assert move == (tmp_path / "Panel_01", tmp_path / "Opening")
    assert (tmp_path / "Opening" / "a.png").read_bytes() == b"x"


def test_rename_panel_folder_never_overwrites(tmp_path: Path):
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "a.png").write_bytes(b"a")
    (tmp_path / "B").mkdir()  # even an empty folder is kept
    with pytest.raises(NamingError, match="already exists"):
        rename_panel_folder(tmp_path, "A", "B")
    assert (tmp_path / "A" / "a.png").exists() and (tmp_path / "B").is_dir()


def test_rename_without_folder_is_nothing(tmp_path: Path):
    assert rename_panel_folder(tmp_path, "A", "B") is None
    assert not (tmp_path / "B").exists()


def test_rename_refuses_escape(tmp_path: Path):
    (tmp_path / "A").mkdir()
    with pytest.raises(NamingError):
        rename_panel_folder(tmp_path, "A", "../outside")
    assert (tmp_path / "A").is_dir()


def test_rename_refuses_symlink_out(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "proj"
    project.mkdir()
    (project / "A").mkdir()
    (project / "link").symlink_to(outside)
    with pytest.raises(NamingError):
        rename_panel_folder(project, "link", "A2")
