"""Shared fixtures for the template tests: the recorded object_info and the shipped folder."""

from __future__ import annotations

import json

import pytest

from directors_console.core.comfy.object_info import ObjectInfo
from directors_console.core.data_paths import templates_dir
from directors_console.core.templates import TemplateLoader
from tests.conftest import FIXTURES, require_fixture


@pytest.fixture(scope="session")
def object_info() -> ObjectInfo:
    path = require_fixture(FIXTURES / "object_info.json")
    return ObjectInfo.parse(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def shipped() -> TemplateLoader:
    loader = TemplateLoader(templates_dir())
    loader.refresh()
    return loader
