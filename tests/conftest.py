"""Test harness shared by every test folder.

- Tests never touch the real home: XDG folders and the config dir point into a
  temporary folder for the session, and each test gets its own config dir.
- ``async def`` tests run on ONE event loop for the whole session: a qasync loop on
  the QApplication when Qt is available, a plain asyncio loop when the run blocks Qt
  (tests/core must pass both ways). Errors that escape into the loop's exception
  handler fail the test that caused them.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_SANDBOX = Path(tempfile.mkdtemp(prefix="dc-tests-"))
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SANDBOX / _var.lower())
os.environ["DIRECTORS_CONSOLE_CONFIG_DIR"] = str(_SANDBOX / "config")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures" / "comfyui"
ASYNC_TEST_TIMEOUT = 60.0


def qt_blocked() -> bool:
    return "tests.qt_blocker" in sys.modules


def require_fixture(path: Path) -> Path:
    """A recorded fixture from ../shared: missing is a failure under CI, a skip elsewhere."""
    if path.exists():
        return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"fixture missing under CI: {path}")
    pytest.skip(f"fixture not found: {path} (clone ../shared beside the project)")
    raise AssertionError("unreachable")


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("DIRECTORS_CONSOLE_CONFIG_DIR", str(folder))
    return folder


class _LoopErrors:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        exc = context.get("exception")
        self.errors.append(f"{context.get('message')}: {exc!r}")


_SESSION_LOOP: list[asyncio.AbstractEventLoop] = []


@pytest.fixture(autouse=True)
def _session_loop_is_current() -> None:
    """Keep the session loop current: a test that calls ``asyncio.run`` (the headless
    commands do) leaves no current loop behind, and widgets start tasks on it."""
    if _SESSION_LOOP:
        asyncio.set_event_loop(_SESSION_LOOP[0])


@pytest.fixture(scope="session")
def aloop(request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop]:
    """The session's one event loop (qasync when Qt is available)."""
    loop: asyncio.AbstractEventLoop
    if not qt_blocked() and request.config.pluginmanager.has_plugin("pytest-qt"):
        qapp = request.getfixturevalue("qapp")
        import qasync

        loop = qasync.QEventLoop(qapp)
    else:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _SESSION_LOOP.append(loop)
    handler = _LoopErrors()
    loop.set_exception_handler(handler)
    loop._dc_errors = handler  # type: ignore[attr-defined]
    yield loop
    # A qasync loop is never closed (closing one has crashed here); a plain one is.
    if not hasattr(loop, "_QEventLoop__app") and type(loop).__module__.startswith("asyncio"):
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        return
    # qasync runs getaddrinfo and run_in_executor on QThreads; left running at exit, Qt
    # aborts the process ("QThread: Destroyed while thread is still running").
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    loop: asyncio.AbstractEventLoop = pyfuncitem._request.getfixturevalue("aloop")
    errors: _LoopErrors = loop._dc_errors  # type: ignore[attr-defined]
    errors.errors.clear()
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    coro = pyfuncitem.obj(**kwargs)
    loop.run_until_complete(asyncio.wait_for(coro, ASYNC_TEST_TIMEOUT))
    if errors.errors:
        pytest.fail("unhandled errors in the event loop:\n" + "\n".join(errors.errors))
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Async tests need the loop fixture even if they do not name it.
    for item in items:
        is_async = isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj)
        if is_async and "aloop" not in item.fixturenames:
            item.fixturenames.append("aloop")
