"""pytest plugin: make PySide6, shiboken6, qasync and pytest-qt unimportable.

``python -m pytest -p no:pytest-qt -p tests.qt_blocker tests/core`` proves that the
core layer and its tests run on a machine without Qt.
"""

from __future__ import annotations

import importlib.abc
import sys

BLOCKED = ("PySide6", "shiboken6", "qasync", "pytestqt")


class _QtBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked: this run checks that core needs no Qt")
        return None


for _name in list(sys.modules):
    if _name.split(".")[0] in BLOCKED:
        raise RuntimeError(f"{_name} was imported before the Qt blocker was installed")
sys.meta_path.insert(0, _QtBlocker())
QT_BLOCKED = True
