"""Where the program's own data folders are: resources/, presets/, templates/.

They sit beside the package in the program folder (the README installs it in
editable mode from there), so users and artists can read and extend the YAML/JSON
data without digging into site-packages.
"""

from __future__ import annotations

from pathlib import Path

PROGRAM_DIR = Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    return PROGRAM_DIR / "resources"


def presets_dir() -> Path:
    return PROGRAM_DIR / "presets"


def templates_dir() -> Path:
    return PROGRAM_DIR / "templates"
