"""core/ runs without Qt: importing every core module pulls in no Qt module."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import qt_blocked

SCRIPT = (
    "import importlib, pkgutil, sys\n"
    "import directors_console.core as core\n"
    "for m in pkgutil.walk_packages(core.__path__, 'directors_console.core.'):\n"
    "    importlib.import_module(m.name)\n"
    "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6')\n"
    "             or m.startswith(('directors_console.ui', 'directors_console.bridge')))\n"
    "print(len([m for m in sys.modules if m.startswith('directors_console.core')]))\n"
    "assert not bad, bad\n"
)


def test_core_imports_no_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 5


def test_qt_blocker_really_blocks_when_active() -> None:
    if not qt_blocked():
        import PySide6  # the normal run has Qt

        assert PySide6.__version__
        return
    try:
        import PySide6
    except ImportError as exc:
        assert "blocked" in str(exc)
    else:
        raise AssertionError("PySide6 imported although the blocker is active")
