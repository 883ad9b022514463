"""The Prompt Studio tab page: loads the cinema library off the UI thread, then the studio.

Until the library is loaded (about a quarter of a second, in a worker thread, started
when the page is first painted) the page says so; a failed load says why and offers a retry.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QPushButton, QStackedLayout, QWidget

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.data_paths import presets_dir
from directors_console.core.events import EventBus, Subscription
from directors_console.core.project import Project, ProjectService
from directors_console.ui.common.empty_state import EmptyState
from directors_console.ui.common.tab_page import TabPage

if TYPE_CHECKING:
    from directors_console.core.cinema import CinemaLibrary
    from directors_console.ui.prompt_studio.studio import StudioView

RETRY_MS = 50
PURPOSE = (
    "Build cinematic prompts from camera, lens, film stock, lighting, shot size, "
    "composition, mood and colour — for live action or animation — starting from a "
    "film or animation preset."
)


def load_library(folder: Path) -> CinemaLibrary:
    """Runs in a worker thread: the cinema modules are imported here, not at start-up."""
    from directors_console.core.cinema import CinemaLibrary

    return CinemaLibrary.load(folder)


class PromptStudioTab(TabPage):
    tab_id = "prompt_studio"
    title = "Prompt Studio"

    def __init__(
        self,
        projects: ProjectService,
        bus: EventBus,
        tasks: TaskManager,
        workers: Workers,
        cinema_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bus = bus
        self.tasks = tasks
        self.workers = workers
        self.cinema_dir = cinema_dir or presets_dir() / "cinema"
        self.library: CinemaLibrary | None = None
        self.studio: StudioView | None = None
        self.load_error = ""
        self._load_task: asyncio.Task[None] | None = None
        self._project: Project | None = None
        self._load_requested = False

        self.stack = QStackedLayout(self)
        self.empty = EmptyState(self.title, "")
        self.retry = QPushButton("&Try again")
        self.retry.setObjectName("EmptyStateButton")
        self.retry.clicked.connect(self.load)
        self.retry.hide()
        layout = self.empty.layout()
        if layout is not None:
            layout.addWidget(self.retry)
        self.stack.addWidget(self.empty)
        self._sub: Subscription = projects.current.subscribe(self._on_project, call_now=True)
        self.destroyed.connect(self._sub.cancel)

    # -- loading --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._load_requested:
            # The first paint of the page is on screen: now load, so start-up stays fast.
            self._load_requested = True
            QTimer.singleShot(0, self, self.load)

    def load(self) -> asyncio.Task[None] | None:
        """Load the cinema library in a worker thread (once; again after a failure)."""
        if self.library is not None or self._load_task is not None:
            return self._load_task
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # Qt is processing events outside the asyncio loop (a nested wait): try later.
            QTimer.singleShot(RETRY_MS, self, self.load)
            return None
        self.load_error = ""
        self.retry.hide()
        self._update_empty()

        async def work() -> None:
            try:
                library = await self.workers.in_thread(load_library, self.cinema_dir)
            except Exception as exc:
                self.load_error = str(exc) or type(exc).__name__
                self.retry.show()
                self._update_empty()
                return
            finally:
                self._load_task = None
            self._loaded(library)

        self._load_task = self.tasks.run_task(work(), self, "Load cinema presets")
        return self._load_task

    def _loaded(self, library: CinemaLibrary) -> None:
        from directors_console.ui.prompt_studio.studio import StudioView

        self.library = library
        self.studio = StudioView(library, self.bus, self.undo_stack)
        self.stack.addWidget(self.studio)
        self.stack.setCurrentWidget(self.studio)
        self._update_empty()

    # -- the message shown before the studio ----------------------------------------------

    def _on_project(self, project: Project | None) -> None:
        self._project = project
        self._update_empty()

    def _update_empty(self) -> None:
        if self.load_error:
            state = f"The cinema presets could not be loaded:\n{self.load_error}"
        elif self.library is None:
            state = "Loading presets…"
        else:
            state = f"{len(self.library.presets)} presets loaded."
        hint = f"Project: {self._project.name}" if self._project is not None else ""
        self.empty.set_text(self.title, "\n\n".join(p for p in (PURPOSE, state, hint) if p))
