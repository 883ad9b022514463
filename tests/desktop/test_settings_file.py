"""The running program picks up render nodes the user adds to settings.yaml by hand."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import yaml

from tests.desktop.conftest import RunningApp, assert_clean_exit

pytestmark = pytest.mark.desktop


def wait_for_log(app: RunningApp, text: str, timeout: float = 20.0) -> str:
    log = app.config_dir / "logs" / "directors-console.log"
    deadline = time.monotonic() + timeout
    while True:
        content = log.read_text("utf-8") if log.exists() else ""
        if text in content:
            return content
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} not in the log within {timeout} s:\n{content[-3000:]}")
        time.sleep(0.1)


def test_hand_edited_node_list_is_used(launch: Callable[..., RunningApp]) -> None:
    app = launch()
    window = app.wait_window()
    settings = app.config_dir / "settings.yaml"
    deadline = time.monotonic() + 20
    while not settings.exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # the first start writes it (local ComfyUI detection)
    data = yaml.safe_load(settings.read_text("utf-8"))
    data["render_nodes"] = [{"name": "hand-edited", "url": "http://127.0.0.1:9"}]
    settings.write_text(yaml.safe_dump(data), "utf-8")

    wait_for_log(app, "node hand-edited: degraded -> offline")
    app.display.close_request(window)
    assert_clean_exit(app, app.wait_exit())
