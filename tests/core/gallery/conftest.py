"""Fixtures for the gallery tests: a small generated corpus (shared/tools/make_corpus.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED, require_fixture

MAKE_CORPUS = SHARED / "tools" / "make_corpus.py"


@pytest.fixture(scope="session")
def corpus_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 tiny files with full ComfyUI metadata; never modified (copy it to change it)."""
    tool = require_fixture(MAKE_CORPUS)
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(tool), str(out), "--count", "200", "--tiny", "--seed", "1",
         "--jobs", "1"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def manifest(corpus_master: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus_master / "corpus_manifest.json").read_text())
    return data


@pytest.fixture
def project(corpus_master: Path, tmp_path: Path) -> Path:
    """A fresh copy of the corpus project folder (``Ember/``), safe to change."""
    target = tmp_path / "Ember"
    shutil.copytree(corpus_master / "Ember", target, copy_function=shutil.copy2)
    return target


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"
