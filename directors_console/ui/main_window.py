"""The main window: five tabs, menus, status bar, farm dock, notifications.

It turns menu actions into service calls and renders service state; it owns no
domain state. Dialogs are opened with ``open()`` (never ``exec()``), and file work
runs in worker threads through the task manager.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
    QPaintEvent,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from directors_console import APP_NAME, __version__
from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.events import EventBus, Subscription, UserNotice
from directors_console.core.project import OpenResult, Project, ProjectError, ProjectService
from directors_console.core.settings import SettingsStore
from directors_console.core.storage import StorageError
from directors_console.ui.common.notifications import NotificationArea
from directors_console.ui.common.tab_page import TabPage
from directors_console.ui.common.theme import THEMES, apply_theme
from directors_console.ui.farm_dock import FarmDock

if TYPE_CHECKING:
    from directors_console.core.farm.engine import FarmEngine

log = logging.getLogger(__name__)

STARTUP_PROBE_ENV = "DIRECTORS_CONSOLE_STARTUP_PROBE"
TAB_TITLES = ("Prompt Studio", "Storyboard", "Orchestrator", "Gallery", "Video")


@dataclass
class WindowServices:
    settings: SettingsStore
    bus: EventBus
    projects: ProjectService
    tasks: TaskManager
    workers: Workers
    log_dir: Path
    cache_dir: Path = field(
        default_factory=lambda: Path(tempfile.gettempdir()) / "directors-console"
    )
    apply_farm_nodes: Callable[[], None] = lambda: None  # after editing settings' nodes


class MainWindow(QMainWindow):
    first_painted = Signal()  # once: background start-up work waits for it

    def __init__(self, services: WindowServices) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.services = services
        self.engine: FarmEngine | None = None
        self._painted = False
        self._subs: list[Subscription] = []
        self.notifications = NotificationArea(self)
        self.undo_group = QUndoGroup(self)

        self._build_actions()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setObjectName("MainTabs")
        project_actions = [self.act_new, self.act_open]
        projects = services.projects
        # Only the tab on screen is built before the first paint; the others (and their
        # imports) follow one per event-loop turn right after it, or at once when asked
        # for (``pages``, switching to them). See _build_page.
        self._project_actions = project_actions
        self._built: list[TabPage | None] = [None] * len(TAB_TITLES)
        self._farm_problem: str | None = None
        for title in TAB_TITLES:
            self.tabs.addTab(QWidget(), title)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)

        self.farm_dock = FarmDock(services.settings, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.farm_dock)
        self._build_menus()
        self._build_status_bar()

        self._subs.append(projects.current.subscribe(self._on_project, call_now=True))
        self._subs.append(services.bus.subscribe(UserNotice, self._on_notice))
        services.tasks.task_failed.connect(self.notifications.notify_error)
        services.tasks.busy_changed.connect(self._on_busy)
        self.resize(1400, 880)
        self._restore_window_state()
        if not services.settings.settings.window.state:
            # First start: a slim dock; it can only be sized once the window is laid out.
            QTimer.singleShot(  # the window as context: no call once it is gone
                0,
                self,
                lambda: self.resizeDocks([self.farm_dock], [320], Qt.Orientation.Horizontal),
            )
        self._on_tab_changed(self.tabs.currentIndex())
        # A child timer: it dies with the window, so no build runs after it is gone.
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.setInterval(0)
        self._build_timer.timeout.connect(self._build_next_page)
        self.first_painted.connect(self._build_timer.start)

    # -- the tabs (built lazily) ---------------------------------------------------------

    @property
    def pages(self) -> list[TabPage]:
        """Every tab's page, building those not built yet."""
        return [self.page(i) for i in range(len(TAB_TITLES))]

    def built_pages(self) -> list[TabPage]:
        return [page for page in self._built if page is not None]

    def page(self, index: int) -> TabPage:
        page = self._built[index]
        if page is None:
            page = self._build_page(index)
        return page

    def _build_next_page(self) -> None:
        for index, page in enumerate(self._built):
            if page is None:
                self._build_page(index)
                self._build_timer.start()
                return

    def _make_page(self, index: int) -> TabPage:
        services = self.services
        projects, bus, tasks, workers = (
            services.projects,
            services.bus,
            services.tasks,
            services.workers,
        )
        if index == 0:
            from directors_console.ui.prompt_studio import PromptStudioTab

            return PromptStudioTab(projects, bus, tasks, workers)
        if index == 1:
            from directors_console.ui.storyboard import StoryboardTab

            return StoryboardTab(
                projects,
                self._project_actions,
                bus,
                tasks,
                workers,
                user_templates_dir=services.settings.folder / "templates",
            )
        if index == 2:
            from directors_console.ui.orchestrator import OrchestratorTab

            return OrchestratorTab(
                projects, services.settings, tasks, workers, self._farm_nodes_changed
            )
        if index == 3:
            from directors_console.ui.gallery import GalleryTab

            return GalleryTab(
                projects, self._project_actions, bus, tasks, workers, services.cache_dir
            )
        from directors_console.ui.video import VideoTab

        return VideoTab(projects, self._project_actions)

    def _build_page(self, index: int) -> TabPage:
        page = self._make_page(index)
        self._built[index] = page
        placeholder = self.tabs.widget(index)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)  # swapping the placeholder is not a tab change
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, page, TAB_TITLES[index])
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
        if placeholder is not None:
            placeholder.deleteLater()
        self.undo_group.addStack(page.undo_stack)
        if current == index:
            self.undo_group.setActiveStack(page.undo_stack)
        if self.engine is not None and hasattr(page, "attach_farm"):
            page.attach_farm(self.engine)
        elif self._farm_problem is not None and hasattr(page, "farm_unavailable"):
            page.farm_unavailable(self._farm_problem)
        return page

    # -- the render farm (started after the first paint) ------------------------------------

    def attach_farm(self, engine: FarmEngine) -> None:
        """The farm is running: hand it to every view that shows it."""
        self.engine = engine
        for view in (*self.built_pages(), self.farm_dock):
            attach = getattr(view, "attach_farm", None)
            if attach is not None:
                attach(engine)

    def settings_reloaded(self) -> None:
        """settings.yaml changed on disk and was read again: refresh what shows it."""
        for view in (*self.built_pages(), self.farm_dock):
            refresh = getattr(view, "settings_reloaded", None) or getattr(view, "refresh", None)
            if refresh is not None:
                refresh()

    def _farm_nodes_changed(self) -> None:
        """The Orchestrator changed settings' nodes: apply them, and show them in the dock."""
        self.services.apply_farm_nodes()
        self.farm_dock.refresh()

    def farm_unavailable(self, reason: str) -> None:
        self._farm_problem = reason
        for view in (*self.built_pages(), self.farm_dock):
            unavailable = getattr(view, "farm_unavailable", None)
            if unavailable is not None:
                unavailable(reason)

    # -- construction ---------------------------------------------------------------------

    def _action(
        self, text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_new = self._action("&New Project…", QKeySequence.StandardKey.New)
        self.act_new.setStatusTip("Create a project in a folder you choose")
        self.act_new.triggered.connect(self.choose_new_project)
        self.act_open = self._action("&Open Project…", QKeySequence.StandardKey.Open)
        self.act_open.setStatusTip("Open a project folder")
        self.act_open.triggered.connect(self.choose_open_project)
        self.act_save = self._action("&Save Project", QKeySequence.StandardKey.Save)
        self.act_save.triggered.connect(self.save_project)
        self.act_close_project = self._action("&Close Project")
        self.act_close_project.triggered.connect(self.services.projects.close)
        self.act_quit = self._action("&Quit", QKeySequence.StandardKey.Quit)
        self.act_quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.act_quit.triggered.connect(self.close)
        self.act_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Shift+Z")]
        )
        self.act_fullscreen = self._action("&Full Screen", QKeySequence.StandardKey.FullScreen)
        self.act_fullscreen.setCheckable(True)
        self.act_fullscreen.toggled.connect(
            lambda on: self.showFullScreen() if on else self.showNormal()
        )
        self.act_about = self._action(f"&About {APP_NAME}")
        self.act_about.triggered.connect(self.show_about)
        self.act_logs = self._action("Open &Log Folder")
        self.act_logs.triggered.connect(self.open_log_folder)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.act_new, self.act_open])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        file_menu.addSeparator()
        file_menu.addActions([self.act_save, self.act_close_project])
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.act_undo, self.act_redo])

        view_menu = bar.addMenu("&View")
        self.tab_actions: list[QAction] = []
        for index, title in enumerate(TAB_TITLES):
            action = self._action(title, f"Ctrl+{index + 1}")
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view_menu.addAction(action)
            self.tab_actions.append(action)
        view_menu.addSeparator()
        dock_action = self.farm_dock.toggleViewAction()
        dock_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        view_menu.addAction(dock_action)
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        for name in THEMES:
            action = theme_menu.addAction(name.capitalize())
            action.setCheckable(True)
            action.setChecked(name == self.services.settings.settings.theme)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self.theme_group.addAction(action)
        view_menu.addAction(self.act_fullscreen)

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_logs, self.act_about])

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.project_label = QLabel()
        self.busy_label = QLabel()
        status.addPermanentWidget(self.busy_label)
        status.addPermanentWidget(self.project_label)

    # -- state rendering ------------------------------------------------------------------

    def _on_tab_changed(self, index: int) -> None:
        if 0 <= index < len(TAB_TITLES):
            self.undo_group.setActiveStack(self.page(index).undo_stack)

    def _on_project(self, project: Project | None) -> None:
        has = project is not None
        self.act_save.setEnabled(has)
        self.act_close_project.setEnabled(has)
        if project is None:
            self.setWindowTitle(APP_NAME)
            self.project_label.setText("No project open")
        else:
            self.setWindowTitle(f"{project.name} — {APP_NAME}")
            self.project_label.setText(f"Project: {project.name}")
            self.project_label.setToolTip(str(project.folder))

    def _on_busy(self, count: int) -> None:
        self.busy_label.setText(f"{count} background task{'s' * (count != 1)}" if count else "")

    def _on_notice(self, notice: UserNotice) -> None:
        self.notifications.notify(notice.title, notice.text, notice.level)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.services.settings.settings.recent_projects
        if not recent:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)
            return
        for index, folder in enumerate(recent):
            label = f"&{index + 1} {Path(folder).name}  —  {folder}"
            action = self.recent_menu.addAction(label)
            action.triggered.connect(lambda _=False, f=folder: self.open_project(f))

    # -- project actions ------------------------------------------------------------------

    def _folder_dialog(self, title: str, accept_label: str) -> QFileDialog:
        dialog = QFileDialog(self, title)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, accept_label)
        current = self.services.projects.current.value
        if current is not None:
            dialog.setDirectory(str(current.folder.parent))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        return dialog

    def choose_new_project(self) -> None:
        dialog = self._folder_dialog("New Project — choose or create its folder", "Create Here")
        dialog.fileSelected.connect(self.new_project)
        dialog.open()

    def choose_open_project(self) -> None:
        dialog = self._folder_dialog("Open Project", "Open")
        dialog.fileSelected.connect(self.open_project)
        dialog.open()

    def new_project(self, folder: str) -> None:
        async def work() -> None:
            try:
                project = await self.services.workers.in_thread(
                    self.services.projects.create, folder
                )
            except ProjectError as exc:
                self.show_error("Could not create the project", str(exc))
                return
            self.services.projects.activate(project)
            self.statusBar().showMessage(f"Created project in {folder}", 5000)

        self.services.tasks.run_task(work(), self, "New project")

    def open_project(self, folder: str | Path) -> None:
        async def work() -> None:
            try:
                # Read in a thread, activate here: tabs handle ``current`` on this thread.
                result: OpenResult = await self.services.workers.in_thread(
                    self.services.projects.read, folder
                )
            except ProjectError as exc:
                self.show_error("Could not open the project", str(exc))
                if not await self.services.workers.in_thread(Path(folder).exists):
                    self.services.projects.forget_recent(folder)
                return
            self.services.projects.activate(result.project)
            if result.notice:
                self.show_error("The project file was repaired", result.notice, warning=True)

        self.services.tasks.run_task(work(), self, "Open project")

    def save_project(self) -> None:
        try:
            project = self.services.projects.save()
        except ProjectError as exc:
            self.show_error("Could not save the project", str(exc))
            return
        self.statusBar().showMessage(f"Saved {project.file}", 4000)

    def show_error(self, title: str, text: str, *, warning: bool = False) -> QMessageBox:
        """A non-modal message box (opened with open(), never exec())."""
        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Critical
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("ErrorBox")
        box.finished.connect(box.deleteLater)
        box.open()
        return box

    # -- view and help --------------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, name)
        try:
            self.services.settings.update(theme=name)
        except StorageError as exc:
            self.notifications.notify("Theme not saved", str(exc), "warning")

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setText(
            f"<b>{APP_NAME}</b> {__version__}<br>"
            "From a shot idea to finished stills and clips on your own ComfyUI servers."
        )
        box.setInformativeText(f"Python {sys.version.split()[0]} · Qt via PySide6")
        box.finished.connect(box.deleteLater)
        box.open()

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.services.log_dir)))

    # -- window state ---------------------------------------------------------------------

    def _restore_window_state(self) -> None:
        saved = self.services.settings.settings.window
        try:
            if saved.geometry:
                self.restoreGeometry(QByteArray(base64.b64decode(saved.geometry)))
            if saved.state:
                self.restoreState(QByteArray(base64.b64decode(saved.state)))
        except ValueError:
            log.warning("saved window layout is unreadable; using the default")
        if 0 <= saved.current_tab < len(TAB_TITLES):
            self.tabs.setCurrentIndex(saved.current_tab)

    def save_window_state(self) -> None:
        window = self.services.settings.settings.window.model_copy(
            update={
                "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode(),
                "state": base64.b64encode(bytes(self.saveState().data())).decode(),
                "current_tab": self.tabs.currentIndex(),
            }
        )
        try:
            self.services.settings.update(window=window)
        except StorageError as exc:
            log.warning("could not save window layout: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._build_timer.stop()
        self.save_window_state()
        for sub in self._subs:
            sub.cancel()
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            if os.environ.get(STARTUP_PROBE_ENV):
                print("DC_FIRST_PAINT", file=sys.stderr, flush=True)
            self.first_painted.emit()
