"""The board round-trips through project.json; renames and moved files keep paths right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directors_console.core.events import EventBus
from directors_console.core.project import ProjectService
from directors_console.core.settings import SettingsStore
from directors_console.core.storyboard import (
    Board,
    HistoryEntry,
    MediaKind,
    Panel,
    PanelStatus,
    StoryboardStore,
)
from directors_console.core.storyboard.model import LoraRef
from directors_console.core.storyboard.naming import NamingError
from directors_console.core.storyboard.store import apply_moves, rename_panel


@pytest.fixture
def projects(tmp_path: Path) -> ProjectService:
    settings = SettingsStore(tmp_path / "cfg")
    settings.load()
    return ProjectService(settings, EventBus())


def full_board() -> Board:
    board = Board()
    board.settings.naming_template = "{panel}_v{version}"
    panel = Panel(
        name="Panel_01",
        rating=4,
        locked=True,
        z=3,
        x=10.5,
        y=-20,
        width=400,
        height=300,
        image="Panel_01/Panel_01_v2.png",
        status=PanelStatus.COMPLETE,
        notes="# Wide\n*dusk*",
        template="flux_t2i",
        parameters={"prompt": "a lighthouse", "steps": 20},
        angle="low_angle",
        loras=[LoraRef(name="film.safetensors", strength=0.7)],
        references=["refs/a.png"],
        history=[
            HistoryEntry(path="Panel_01/Panel_01_v1.png", seed=1, node="gpu-a"),
            HistoryEntry(path="Panel_01/Panel_01_v2.mp4", kind=MediaKind.VIDEO, version=2),
        ],
    )
    board.panels = [panel, Panel(name="Panel_02", x=500)]
    return board


def test_round_trip_through_project_json(projects: ProjectService, tmp_path: Path):
    project = projects.new(tmp_path / "Night")
    store = StoryboardStore()
    board = full_board()
    store.save_board(project, board)
    doc = json.loads(project.file.read_text())
    assert doc["name"] == "Night" and doc["storyboard"]["panels"][0]["rating"] == 4
    projects.close()
    reopened = projects.open(tmp_path / "Night").project
    loaded = store.load(reopened)
    assert loaded.notice is None
    assert loaded.board == board


def test_project_save_keeps_the_board(projects: ProjectService, tmp_path: Path):
    project = projects.new(tmp_path / "Night")
    store = StoryboardStore()
    store.save_board(project, full_board())
    projects.save()  # writes project.data, which must carry the board too
    assert len(json.loads(project.file.read_text())["storyboard"]["panels"]) == 2


def test_save_keeps_other_keys_written_meanwhile(projects: ProjectService, tmp_path: Path):
    project = projects.new(tmp_path / "Night")
    doc = json.loads(project.file.read_text())
    doc["gallery_prefs"] = {"sort": "date"}
    project.file.write_text(json.dumps(doc))
    StoryboardStore().save(project.file, StoryboardStore.snapshot(full_board()))
    saved = json.loads(project.file.read_text())
    assert saved["gallery_prefs"] == {"sort": "date"} and "storyboard" in saved


def test_empty_and_damaged_boards(projects: ProjectService, tmp_path: Path):
    project = projects.new(tmp_path / "Night")
    store = StoryboardStore()
    assert store.load(project).board == Board()
    project.data.storyboard = {"panels": [{"name": ""}]}  # type: ignore[attr-defined]
    loaded = store.load(project)
    assert loaded.board == Board() and loaded.notice and "could not be read" in loaded.notice


def test_next_name():
    board = Board(panels=[Panel(name="Panel_01"), Panel(name="Panel_07"), Panel(name="Hero")])
    assert board.next_name() == "Panel_08"
    assert board.next_name({"Panel_08"}) == "Panel_09"
    assert Board().next_name() == "Panel_01"


def test_apply_moves_files_and_folders(tmp_path: Path):
    board = full_board()
    moves = [
        (tmp_path / "Panel_01" / "Panel_01_v2.png", tmp_path / "keep" / "best.png"),
        (tmp_path / "refs", tmp_path / "references"),
    ]
    assert apply_moves(board, tmp_path, moves)
    panel = board.panels[0]
    assert panel.image == "keep/best.png"
    assert panel.references == ["references/a.png"]
    assert panel.history[0].path == "Panel_01/Panel_01_v1.png"
    assert not apply_moves(board, tmp_path, [(tmp_path / "x", tmp_path / "y")])


def test_moved_outside_project_becomes_absolute(tmp_path: Path):
    board = full_board()
    elsewhere = tmp_path.parent / "elsewhere.png"
    apply_moves(board, tmp_path, [(tmp_path / "Panel_01" / "Panel_01_v2.png", elsewhere)])
    assert board.panels[0].image == str(elsewhere)


def test_rename_panel_moves_folder_and_paths(tmp_path: Path):
    board = full_board()
    (tmp_path / "Panel_01").mkdir()
    move = rename_panel(board, tmp_path, board.panels[0].id, " Opening ")
    assert move == (tmp_path / "Panel_01", tmp_path / "Opening")
    panel = board.panels[0]
    assert panel.name == "Opening"
    assert panel.image == "Opening/Panel_01_v2.png"
    assert [h.path for h in panel.history] == ["Opening/Panel_01_v1.png", "Opening/Panel_01_v2.mp4"]


def test_rename_panel_refusals_change_nothing(tmp_path: Path):
    board = full_board()
    first = board.panels[0]
    with pytest.raises(NamingError, match="already called"):
        rename_panel(board, tmp_path, first.id, "Panel_02")
    (tmp_path / "Panel_01").mkdir()
    (tmp_path / "Taken").mkdir()
    with pytest.raises(NamingError, match="already exists"):
        rename_panel(board, tmp_path, first.id, "Taken")
    assert first.name == "Panel_01" and first.image == "Panel_01/Panel_01_v2.png"
