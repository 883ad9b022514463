"""Shared fixtures: the real cinema library from presets/cinema (loaded once)."""

from __future__ import annotations

import pytest

from directors_console.core.cinema import CinemaLibrary
from directors_console.core.data_paths import presets_dir

CINEMA_DIR = presets_dir() / "cinema"


@pytest.fixture(scope="session")
def lib() -> CinemaLibrary:
    return CinemaLibrary.load(CINEMA_DIR)
