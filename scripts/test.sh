#!/usr/bin/env bash
# Install the dev dependencies and run every check headless: ruff, mypy, import-linter,
# the whole pytest suite (offscreen Qt, plus the real-window tests under Xvfb), and
# tests/core once more with PySide6 made unimportable.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
ensure_debs "${QT_RUNTIME_DEBS[@]}" || say "Qt libraries missing; UI tests may fail."
# Real-window tests: Xvfb, xdotool, screenshots, .desktop launching. If they cannot be
# installed the desktop tests skip and print why.
ensure_debs xvfb xauth xdotool x11-utils imagemagick dex libglib2.0-bin desktop-file-utils \
  || say "Desktop-test tools could not be installed; tests/desktop will be skipped."
ensure_venv dev

export QT_QPA_PLATFORM=offscreen QT_API=pyside6 PYTEST_QT_API=pyside6 PYTHONDONTWRITEBYTECODE=1
PY="$VENV/bin/python"
status=0
step() {
  local name="$1"; shift
  say "$name"
  if ! "$@"; then say "FAILED: $name"; status=1; fi
}
pytest_step() {
  # pytest exits 5 when it collects nothing; that is a failure of the suite too,
  # but it must not be mistaken for a crash of this script.
  local name="$1"; shift
  say "$name"
  local rc=0
  "$PY" -m pytest "$@" || rc=$?
  if [ $rc -eq 5 ]; then say "FAILED: $name collected no tests"; status=1
  elif [ $rc -ne 0 ]; then say "FAILED: $name (exit $rc)"; status=1; fi
}

step "ruff lint" "$PY" -m ruff check .
step "ruff format" "$PY" -m ruff format --check .
step "mypy" "$PY" -m mypy
step "import contracts" "$VENV/bin/lint-imports"
pytest_step "core tests without PySide6" -p no:pytest-qt -p tests.qt_blocker tests/core -q
pytest_step "full test suite" tests "$@"
exit $status
