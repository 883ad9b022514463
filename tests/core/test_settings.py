"""Settings: YAML round trip, validation, damaged file kept aside."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from directors_console.core.settings import MAX_RECENT, RenderNodeConfig, Settings, SettingsStore


def test_defaults_when_missing(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "cfg")
    settings = store.load()
    assert settings.theme == "dark"
    assert settings.render_nodes == []
    assert store.load_problem is None
    assert not store.path.exists()


def test_round_trip_and_unknown_keys_survive(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "cfg")
    store.load()
    node = RenderNodeConfig(name="gpu-1", url="http://10.0.0.5:8188/", tags=["flux"])
    store.update(theme="light", render_nodes=[node])
    data = yaml.safe_load(store.path.read_text())
    data["from_a_newer_version"] = {"x": 1}
    store.path.write_text(yaml.safe_dump(data))

    again = SettingsStore(tmp_path / "cfg")
    loaded = again.load()
    assert loaded.theme == "light"
    assert loaded.render_nodes[0].url == "http://10.0.0.5:8188"
    assert loaded.render_nodes[0].tags == ["flux"]
    again.update(theme="dark")
    assert yaml.safe_load(again.path.read_text())["from_a_newer_version"] == {"x": 1}


@pytest.mark.parametrize("text", ["theme: [unclosed", "- just\n- a list\n", "theme: purple\n"])
def test_damaged_file_is_kept_and_defaults_used(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "settings.yaml").write_text(text)
    store = SettingsStore(folder)
    settings = store.load()
    assert settings == Settings()
    assert store.load_problem is not None
    assert "kept as settings.yaml.corrupt-" in store.load_problem
    kept = list(folder.glob("settings.yaml.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_text() == text


@pytest.mark.parametrize("url", ["ftp://host", "localhost:8188", "http://", ""])
def test_bad_node_url_rejected(url: str) -> None:
    with pytest.raises(ValidationError, match="http"):
        RenderNodeConfig(name="x", url=url)


def test_recent_list_is_most_recent_first_and_bounded() -> None:
    settings = Settings()
    for i in range(MAX_RECENT + 3):
        settings.recent_projects = settings.with_recent(Path(f"/p/{i}"))
    settings.recent_projects = settings.with_recent(Path("/p/5"))
    assert settings.recent_projects[0] == "/p/5"
    assert len(settings.recent_projects) == MAX_RECENT
    assert settings.recent_projects.count("/p/5") == 1
