"""Projects: create, open, save, recent list, damaged and newer project files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directors_console.core.events import EventBus, ProjectClosed, ProjectOpened
from directors_console.core.project import PROJECT_FILE, ProjectError, ProjectService
from directors_console.core.settings import SettingsStore


@pytest.fixture
def service(tmp_path: Path) -> ProjectService:
    store = SettingsStore(tmp_path / "cfg")
    store.load()
    return ProjectService(store, EventBus())


def events(service: ProjectService) -> list[object]:
    seen: list[object] = []
    service._bus.subscribe(object, seen.append)
    return seen


def test_new_project_creates_files_and_becomes_current(service: ProjectService, tmp_path: Path):
    seen = events(service)
    project = service.new(tmp_path / "Nightfall")
    assert (tmp_path / "Nightfall" / PROJECT_FILE).is_file()
    assert (tmp_path / "Nightfall" / ".gallery").is_dir()
    assert project.name == "Nightfall"
    assert service.current.value is project
    assert seen == [ProjectOpened(project.folder, "Nightfall")]
    doc = json.loads(project.file.read_text())
    assert doc["schema_version"] == 1
    assert doc["name"] == "Nightfall"
    assert service._settings.settings.recent_projects[0] == str(project.folder)


def test_new_refuses_to_overwrite(service: ProjectService, tmp_path: Path) -> None:
    service.new(tmp_path / "A")
    before = (tmp_path / "A" / PROJECT_FILE).read_text()
    with pytest.raises(ProjectError, match="already holds a project"):
        service.new(tmp_path / "A")
    assert (tmp_path / "A" / PROJECT_FILE).read_text() == before


def test_open_save_and_switch(service: ProjectService, tmp_path: Path) -> None:
    a = service.new(tmp_path / "A")
    b = service.new(tmp_path / "B")
    seen = events(service)
    result = service.open(tmp_path / "A")
    assert result.notice is None
    assert result.project.folder == a.folder
    assert seen == [ProjectClosed(b.folder), ProjectOpened(a.folder, "A")]
    saved = service.save()
    assert saved.data.modified >= saved.data.created
    assert service._settings.settings.recent_projects[:2] == [str(a.folder), str(b.folder)]


def test_open_accepts_project_json_and_dotdot_paths(service: ProjectService, tmp_path: Path):
    service.new(tmp_path / "A")
    (tmp_path / "sub").mkdir()
    assert service.open(tmp_path / "sub" / ".." / "A").project.folder == tmp_path / "A"
    assert service.open(tmp_path / "A" / PROJECT_FILE).project.folder == tmp_path / "A"


def test_open_folder_without_project(service: ProjectService, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(ProjectError, match="not a Director's Console project"):
        service.open(tmp_path / "plain")
    with pytest.raises(ProjectError, match="does not exist"):
        service.open(tmp_path / "missing")


@pytest.mark.parametrize(
    "content", ['{"schema_version": 1, "name": ', '{"schema_version": 1, "name": ""}', "\x00\x01"]
)
def test_corrupt_project_opens_with_message_and_keeps_file(
    service: ProjectService, tmp_path: Path, content: str
) -> None:
    folder = tmp_path / "Broken"
    folder.mkdir()
    (folder / "shot_001.png").write_bytes(b"pretend image")
    (folder / PROJECT_FILE).write_text(content)
    result = service.open(folder)
    assert result.notice is not None
    assert "damaged" in result.notice
    kept = list(folder.glob("project.json.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_text() == content
    assert kept[0].name in result.notice
    assert json.loads((folder / PROJECT_FILE).read_text())["name"] == "Broken"
    assert (folder / "shot_001.png").read_bytes() == b"pretend image"
    assert service.current.value is result.project


def test_newer_project_is_refused_untouched(service: ProjectService, tmp_path: Path) -> None:
    folder = tmp_path / "Future"
    folder.mkdir()
    text = json.dumps({"schema_version": 42, "name": "Future"})
    (folder / PROJECT_FILE).write_text(text)
    with pytest.raises(ProjectError, match="newer Director's Console"):
        service.open(folder)
    assert (folder / PROJECT_FILE).read_text() == text
    assert service.current.value is None


def test_unknown_keys_survive_save(service: ProjectService, tmp_path: Path) -> None:
    project = service.new(tmp_path / "A")
    doc = json.loads(project.file.read_text())
    doc["storyboard"] = {"panels": [1, 2, 3]}
    project.file.write_text(json.dumps(doc))
    service.open(project.folder)
    service.save()
    assert json.loads(project.file.read_text())["storyboard"] == {"panels": [1, 2, 3]}


def test_close_and_forget(service: ProjectService, tmp_path: Path) -> None:
    project = service.new(tmp_path / "A")
    seen = events(service)
    service.close()
    assert service.current.value is None
    assert seen == [ProjectClosed(project.folder)]
    with pytest.raises(ProjectError, match="No project"):
        service.save()
    service.forget_recent(project.folder)
    assert service._settings.settings.recent_projects == []
