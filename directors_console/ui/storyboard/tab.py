"""The Storyboard tab: the panel canvas of the current project.

With no project open it shows what the tab is for and the New/Open buttons. With a
project it loads the board through the core :class:`StoryboardStore`, shows it on a
:class:`BoardView`, turns toolbar actions and shortcuts into undo commands on the
tab's ``undo_stack``, and autosaves the board about a second after the last change
(in a worker thread). Images load in a worker thread too. Moved or renamed files
(``FilesRenamed``) update panel paths. The generate sidebar (left) and the progress
sidebar (right) belong to a :class:`GenerationController`; once the window hands the
tab the running farm (``attach_farm``) the selected panels can be rendered. Prompts
(``SendPrompt``) and reference images (``SendReferenceImage``) sent from other tabs
land on the selected panels, or on a new panel when none is selected.
``RestoreWorkflow`` and the panel menu's "Restore workflow from this image" go to the
:class:`WorkflowRestorer`. Renaming a panel that has a folder asks (non-blocking)
whether to rename the folder too; locked panels are never deleted.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QHideEvent, QImage, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.data_paths import templates_dir
from directors_console.core.events import (
    EventBus,
    FilesRenamed,
    RestoreWorkflow,
    SendPrompt,
    SendReferenceImage,
    Subscription,
    UserNotice,
)
from directors_console.core.project import Project, ProjectService
from directors_console.core.storage import JsonDict, StorageError
from directors_console.core.storyboard.generate import (
    add_reference,
    set_panel_prompt,
)
from directors_console.core.storyboard.layout import Edge, align, distribute, grid_positions
from directors_console.core.storyboard.model import DEFAULT_HEIGHT, DEFAULT_WIDTH, Panel
from directors_console.core.storyboard.naming import NamingError, check_panel_name, panel_folder
from directors_console.core.storyboard.store import StoryboardStore, apply_moves, rename_panel
from directors_console.core.templates import AngleLibrary, Template, TemplateLoader
from directors_console.ui.common.empty_state import EmptyState
from directors_console.ui.common.images import shrunk
from directors_console.ui.common.tab_page import TabPage
from directors_console.ui.common.template_import import TemplateImportDialog
from directors_console.ui.storyboard.canvas import BoardView
from directors_console.ui.storyboard.commands import (
    AddPanels,
    RemovePanels,
    RenamePanel,
    SetField,
    SetGeometry,
)
from directors_console.ui.storyboard.generation import GenerationController
from directors_console.ui.storyboard.print_dialog import PrintDialog
from directors_console.ui.storyboard.restore_action import WorkflowRestorer
from directors_console.ui.storyboard.scene import BoardScene, Geometry

if TYPE_CHECKING:  # the engine (and httpx) load with the farm, after start-up
    from directors_console.core.farm.engine import FarmEngine

log = logging.getLogger(__name__)

AUTOSAVE_MS = 1000
PASTE_OFFSET = 40.0
PURPOSE = (
    "Lay out your shots as panels on a free canvas: drag, align and snap them, add "
    "notes and ratings, and render each panel on your ComfyUI farm with live "
    "progress. Every panel keeps its own folder of versioned outputs."
)


def _load_image(path: str, longest: int = 900) -> QImage | None:
    image = QImage(path)
    return None if image.isNull() else shrunk(image, longest)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class StoryboardTab(TabPage):
    tab_id = "storyboard"
    title = "Storyboard"

    def __init__(
        self,
        projects: ProjectService,
        project_actions: list[QAction],
        bus: EventBus,
        tasks: TaskManager,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        templates: TemplateLoader | None = None,
        angles: AngleLibrary | None = None,
        user_templates_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.projects = projects
        self.bus = bus
        self.tasks = tasks
        self.workers = workers
        self.store = StoryboardStore()
        self.project: Project | None = None
        self.clipboard: list[Panel] = []
        self._pastes = 0
        self.confirm: QMessageBox | None = None
        self.save_count = 0

        self.scene = BoardScene()
        # Owned by the tab: a scene collected by Python after the tab deselects its items
        # in ~QGraphicsScene and calls the tab's slots on a dead scene.
        self.scene.setParent(self)
        self.view = BoardView(self.scene, self.undo_stack)
        self.scene.media.attach(tasks, workers)
        self.toolbar = QToolBar("Storyboard")
        self.toolbar.setObjectName("StoryboardToolbar")
        self._build_actions()
        self.templates = templates or TemplateLoader(templates_dir(), user_templates_dir)
        # Imported templates go where the loader reads the user's templates.
        self.user_templates_dir = self.templates.user_dir or user_templates_dir
        self.import_dialog: TemplateImportDialog | None = None
        given = templates is not None and angles is not None
        self.generation = GenerationController(
            self.scene,
            tasks,
            self.notify,
            list(self.templates.load_all().values()) if given else [],
            angles if given else None,
            self,
        )
        self.restorer = WorkflowRestorer(
            self.scene,
            self.undo_stack,
            tasks,
            workers,
            lambda: (self.generation.sidebar.templates, self.generation.sidebar.angles),
            self.notify,
            self.generation.panel_applied,
            self,
        )
        self.panel_menu: QMenu | None = None
        self.folder_question: QMessageBox | None = None
        # Templates and angles are files: read them in a worker after the first paint,
        # not while the window is being built.
        self._library_requested = given
        middle = QWidget()
        canvas_layout = QVBoxLayout(middle)
        canvas_layout.setContentsMargins(0, 0, 0, 0)
        canvas_layout.setSpacing(0)
        canvas_layout.addWidget(self.toolbar)
        canvas_layout.addWidget(self.view)
        canvas = QWidget()
        row = QHBoxLayout(canvas)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.generation.sidebar)
        row.addWidget(middle, 1)
        row.addWidget(self.generation.progress)
        self.empty = EmptyState(self.title, PURPOSE, project_actions)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(canvas)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(AUTOSAVE_MS)
        self.save_timer.timeout.connect(self.save_now)
        self.scene.board_changed.connect(self.save_timer.start)
        self.scene.board_changed.connect(self._update_actions)
        self.scene.image_wanted.connect(self._load_image)
        self.scene.selectionChanged.connect(self._update_actions)
        self.view.rename_requested.connect(self.rename)
        self.view.panel_menu_requested.connect(self.open_panel_menu)
        sidebar = self.generation.sidebar
        sidebar.import_requested.connect(self.open_import)
        if self.user_templates_dir is None:
            sidebar.import_button.setEnabled(False)
            sidebar.import_button.setToolTip("No folder for your own templates is set")

        self._subs: list[Subscription] = [
            projects.current.subscribe(self._on_project, call_now=True),
            bus.subscribe(FilesRenamed, self._on_files_renamed),
            bus.subscribe(SendPrompt, self._on_send_prompt),
            bus.subscribe(SendReferenceImage, self._on_send_reference),
            bus.subscribe(RestoreWorkflow, self.restorer.on_event),
        ]
        self.destroyed.connect(self._cancel_subs)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load_library()
        if self.stack.currentIndex() == 1:
            # Coming here by Ctrl+2: the canvas shortcuts (Ctrl+Shift+N...) work at once.
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def load_library(self) -> None:
        """Read the templates and angles off the UI thread (once)."""
        if self._library_requested:
            return
        self._library_requested = True
        loader = self.templates

        async def load() -> None:
            def read() -> tuple[list[Template], AngleLibrary]:
                return list(loader.load_all().values()), AngleLibrary.load()

            templates, angles = await self.workers.in_thread(read)
            self.generation.set_library(templates, angles)
            for error in loader.errors:
                self.notify(f"Template not loaded: {error}")

        self.tasks.run_task(load(), self, "Load workflow templates")

    def _cancel_subs(self, *_args: object) -> None:
        for sub in self._subs:
            sub.cancel()

    # -- actions ---------------------------------------------------------------------------------

    def _action(self, text: str, slot: object, shortcut: str = "", tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip or text} ({shortcut})" if shortcut else (tip or text))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_add = self._action("Add panel", self.add_panel, "Ctrl+Shift+N")
        self.act_delete = self._action("Delete", self.ask_delete, "Delete", "Delete selected")
        self.act_copy = self._action("Copy", self.copy, "Ctrl+C")
        self.act_paste = self._action("Paste", self.paste, "Ctrl+V")
        self.act_duplicate = self._action("Duplicate", self.duplicate, "Ctrl+D")
        self.act_fit = self._action("Fit all", self.view.fit_all, "", "Fit all panels (F)")
        self.align_actions: list[QAction] = []
        for text, edge in [
            ("Align left", Edge.LEFT),
            ("Align right", Edge.RIGHT),
            ("Align top", Edge.TOP),
            ("Align bottom", Edge.BOTTOM),
        ]:
            act = self._action(text, lambda _=False, e=edge: self.align(e))
            self.align_actions.append(act)
        self.act_dist_h = self._action(
            "Distribute ↔", lambda: self.distribute(True), "", "Distribute horizontally"
        )
        self.act_dist_v = self._action(
            "Distribute ↕", lambda: self.distribute(False), "", "Distribute vertically"
        )
        bar = self.toolbar
        bar.addActions([self.act_add, self.act_duplicate, self.act_delete])
        bar.addSeparator()
        bar.addActions([*self.align_actions, self.act_dist_h, self.act_dist_v])
        bar.addSeparator()
        bar.addAction(self.act_fit)
        # Print/export (print_dialog.py).
        self.act_export = self._action(
            "Export…", self.open_export, "Ctrl+P", "Print, PDF, contact sheet, shot list"
        )
        self.act_export.setObjectName("StoryboardExport")
        self.export_dialog: PrintDialog | None = None
        bar.addSeparator()
        bar.addAction(self.act_export)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.count_label = QLabel()
        self.count_label.setObjectName("StoryboardCount")
        self.count_label.setContentsMargins(0, 0, 10, 0)
        bar.addWidget(self.count_label)
        self._update_actions()

    def _update_actions(self) -> None:
        count = len(self.scene.selected_ids())
        for act in self.align_actions:
            act.setEnabled(count >= 2)
        self.act_dist_h.setEnabled(count >= 3)
        self.act_dist_v.setEnabled(count >= 3)
        for act in (self.act_delete, self.act_copy, self.act_duplicate):
            act.setEnabled(count >= 1)
        total = len(self.scene.board.panels)
        text = f"{total} panel{'s' if total != 1 else ''}"
        if count:
            text += f" · {count} selected"
        self.count_label.setText(text)

    def open_export(self) -> PrintDialog | None:
        """Show the (non-modal) print and export dialog for the open project."""
        project = self.project
        if project is None:
            return None
        dialog = self.export_dialog
        if dialog is None or dialog.folder != project.folder:
            if dialog is not None:
                dialog.close()
                dialog.deleteLater()
            dialog = PrintDialog(
                lambda: self.scene.board,
                project.folder,
                project.name,
                self.tasks,
                self.workers,
                self.bus,
                self,
                video_frame=self.scene.media.poster,
            )
            self.export_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.refresh_preview()
        return dialog

    def open_import(self) -> TemplateImportDialog | None:
        """Show the (non-modal) workflow import dialog; saved templates join the picker."""
        if self.user_templates_dir is None:
            return None
        if self.import_dialog is None:
            dialog = TemplateImportDialog(
                self.user_templates_dir,
                self.tasks,
                self.workers,
                self,
                object_info_provider=self._object_info,
            )
            dialog.template_saved.connect(self._template_imported)
            self.import_dialog = dialog
        self.import_dialog.show()
        self.import_dialog.raise_()
        return self.import_dialog

    async def _object_info(self) -> JsonDict | None:
        """The node classes of the whole farm (editor workflows need them to convert)."""
        engine = self.generation.engine
        if engine is None:
            return None
        return await engine.object_info_union()

    def _template_imported(self, path: Path) -> None:
        self.notify(f"Template imported: {path.name}", "info")
        self._library_requested = False
        self.load_library()

    def notify(self, text: str, level: str = "warning") -> None:
        self.bus.publish(UserNotice("Storyboard", text, level))

    # -- project -------------------------------------------------------------------------------

    def _on_project(self, project: Project | None) -> None:
        self.view.tools.close()  # commit notes being typed, stop a playing video
        if self.save_timer.isActive():
            self.save_timer.stop()
            self.save_now()
        self.view.cancel_rename()
        self.undo_stack.clear()
        if self.export_dialog is not None:  # it shows the previous project's board
            self.export_dialog.close()
        self.project = project
        if project is None:
            self.scene.set_board(self.scene.board.__class__(), None)
            self.generation.set_project(None)
            for button in self.empty.buttons:
                button.setVisible(True)
            self.empty.set_text(self.title, f"{PURPOSE}\n\nOpen or create a project to begin.")
            self.stack.setCurrentIndex(0)
            return
        for button in self.empty.buttons:
            button.setVisible(False)
        hint = f"Project: {project.name} — {project.folder}"
        self.empty.set_text(self.title, f"{PURPOSE}\n\n{hint}")
        loaded = self.store.load(project)
        self.scene.set_board(loaded.board, project.folder)
        self.view.update_hint()
        self.generation.set_project(project)
        if loaded.notice:
            self.notify(loaded.notice)
        self.stack.setCurrentIndex(1)
        self._update_actions()
        QTimer.singleShot(0, self.view, self.view.fit_all)

    def save_now(self, blocking: bool = False) -> None:
        """Remember the board in the project and write it in a worker thread (or here)."""
        project = self.project
        if project is None:
            return
        doc: JsonDict = self.store.snapshot(self.scene.board)
        self.store.remember(project, doc)
        if _loop_running() and not blocking:
            try:
                self.tasks.run_task(self._write(project.file, doc), self, "Saving the storyboard")
                return
            except RuntimeError:
                pass  # shutting down: no more tasks
        # No loop to run a task on (shutdown): write it here and now.
        try:
            self.store.save(project.file, doc)
            self.save_count += 1
        except StorageError as exc:
            log.error("storyboard not saved: %s", exc)

    def hideEvent(self, event: QHideEvent) -> None:
        self.view.tools.close()  # notes typed just now are committed; no hidden video plays
        # Leaving the tab or closing the window: do not wait out the autosave delay.
        if self.save_timer.isActive():
            self.save_timer.stop()
            # Closing the window: shutdown cancels queued tasks, so a last edit made
            # less than a second before would be lost; write it here and now.
            self.save_now(blocking=not self.window().isVisible())
        super().hideEvent(event)

    async def _write(self, file: Path, doc: JsonDict) -> None:
        await self.workers.in_thread(self.store.save, file, doc)
        self.save_count += 1

    def _load_image(self, panel_id: str, path: str) -> None:
        self.tasks.run_task(self._load(panel_id, path), self, "Loading a panel image")

    async def _load(self, panel_id: str, path: str) -> None:
        image = await self.workers.in_thread(_load_image, path)
        panel = self.scene.board.get(panel_id)
        folder = self.scene.folder
        wanted = str(folder / panel.image) if panel and panel.image and folder else path
        if wanted != path:
            return  # another version was picked while this one loaded
        self.scene.set_image(panel_id, image)

    def _on_files_renamed(self, event: FilesRenamed) -> None:
        if self.project is None:
            return
        if apply_moves(self.scene.board, self.project.folder, event.moves):
            for panel in self.scene.board.panels:
                self.scene.refresh(panel.id)
                self.scene.request_image(panel)

    # -- the render farm and other tabs ----------------------------------------------------------

    def attach_farm(self, engine: FarmEngine) -> None:
        self.generation.attach_farm(engine)

    def _targets(self, what: str) -> list[Panel]:
        """The selected panels, or a new one (undoable) when none is selected."""
        ids = set(self.scene.selected_ids())
        panels = [p for p in self.scene.board.panels if p.id in ids]
        if panels:
            return panels
        panel = self.add_panel()
        if panel is None:
            return []
        self.undo_stack.command(self.undo_stack.index() - 1).setText(f"Add {panel.name} ({what})")
        made = self.scene.board.get(panel.id)
        return [made] if made is not None else []

    def _on_send_prompt(self, event: SendPrompt) -> None:
        if event.target != self.tab_id or self.project is None:
            return
        panels = self._targets("prompt")
        for panel in panels:
            set_panel_prompt(panel, event.prompt, event.negative)
            self.scene.refresh(panel.id)
        self.generation.sidebar.set_prompt(event.prompt, event.negative)
        if panels:
            names = ", ".join(p.name for p in panels)
            self.notify(f"Prompt set on {names}.", "info")

    def _on_send_reference(self, event: SendReferenceImage) -> None:
        if event.target != self.tab_id or self.project is None:
            return
        panels = self._targets("reference")
        before: dict[str, object] = {}
        after: list[str] = []
        for panel in panels:
            probe = panel.model_copy(deep=True)
            if add_reference(probe, event.path, self.project.folder):
                before[panel.id] = list(panel.references)
                after = probe.references
        if before and len(before) == 1:
            self.undo_stack.push(SetField(self.scene, "references", before, after, "Add reference"))
        else:
            for panel in panels:
                if add_reference(panel, event.path, self.project.folder):
                    self.scene.refresh(panel.id)
        self.generation.update_state()

    # -- edits -----------------------------------------------------------------------------------

    def add_panel(self) -> Panel | None:
        if self.project is None:
            return None
        board = self.scene.board
        existing = [self.scene.rect_of(p.id) for p in board.panels]
        s = board.settings
        ((x, y),) = grid_positions(
            existing, 1, (DEFAULT_WIDTH, DEFAULT_HEIGHT), s.grid_columns, s.grid_gap
        )
        panel = Panel(name=board.next_name(), x=x, y=y, z=board.top_z() + 1)
        panel.template = s.default_template
        self.undo_stack.push(AddPanels(self.scene, [panel], f"Add {panel.name}"))
        return panel

    def _unlocked(self, ids: list[str]) -> tuple[list[str], list[str]]:
        """``ids`` split into unlocked ids and the names of the locked panels."""
        panels = [p for p in self.scene.board.panels if p.id in set(ids)]
        return [p.id for p in panels if not p.locked], [p.name for p in panels if p.locked]

    def ask_delete(self) -> None:
        ids, locked = self._unlocked(self.scene.selected_ids())
        if locked:
            self.notify(
                f"Locked, so not deleted: {', '.join(locked)}. Unlock a panel with its lock icon."
            )
        if not ids:
            return
        names = ", ".join(p.name for p in self.scene.board.panels if p.id in ids)
        if len(ids) == 1:
            title = "Delete panel"
            text = (
                f"Delete {names} from the board?\n\n"
                "Its image folder stays on disk. Edit ▸ Undo brings it back."
            )
        else:
            title = "Delete panels"
            text = (
                f"Delete {len(ids)} panels from the board?\n{names}\n\n"
                "Their image folders stay on disk. Edit ▸ Undo brings them back."
            )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda result: self._delete_answered(box, ids, result))
        self.confirm = box
        box.open()

    def _delete_answered(self, box: QMessageBox, ids: list[str], result: int) -> None:
        self.confirm = None
        box.deleteLater()
        if result == QMessageBox.StandardButton.Yes:
            self.delete(ids)

    def delete(self, ids: list[str]) -> None:
        ids, _locked = self._unlocked(ids)  # a locked panel is never deleted
        if ids:
            self.view.tools.notes.commit()  # notes typed just now come back with an undo
            text = "Delete panel" if len(ids) == 1 else f"Delete {len(ids)} panels"
            self.undo_stack.push(RemovePanels(self.scene, ids, text))

    def copy(self) -> None:
        self.view.tools.notes.commit()  # the copy has the notes typed just now
        ids = set(self.scene.selected_ids())
        self.clipboard = [p.model_copy(deep=True) for p in self.scene.board.panels if p.id in ids]
        self._pastes = 0

    def _copies(self, panels: list[Panel], offset: float, text: str) -> None:
        if not panels or self.project is None:
            return
        taken: set[str] = set()
        z = self.scene.board.top_z()
        made = []
        for panel in panels:
            name = self.scene.board.next_name(taken)
            taken.add(name)
            z += 1
            copy = panel.copy_as(name, offset, offset)
            copy.z = z
            made.append(copy)
        self.undo_stack.push(AddPanels(self.scene, made, text))

    def paste(self) -> None:
        self._pastes += 1
        self._copies(self.clipboard, PASTE_OFFSET * self._pastes, "Paste panels")

    def duplicate(self) -> None:
        self.view.tools.notes.commit()
        ids = set(self.scene.selected_ids())
        panels = [p for p in self.scene.board.panels if p.id in ids]
        self._copies(panels, PASTE_OFFSET, "Duplicate panels")

    def _set_positions(self, positions: dict[str, tuple[float, float]], text: str) -> None:
        before: dict[str, Geometry] = {}
        after: dict[str, Geometry] = {}
        for panel_id, (x, y) in positions.items():
            old = self.scene.geometry(panel_id)
            if (old[0], old[1]) != (x, y):
                before[panel_id] = old
                after[panel_id] = (x, y, old[2], old[3])
        if after:
            self.undo_stack.push(SetGeometry(self.scene, before, after, text))

    def align(self, edge: Edge) -> None:
        rects = {i: self.scene.rect_of(i) for i in self.scene.selected_ids()}
        if len(rects) >= 2:
            self._set_positions(align(rects, edge), f"Align {edge.value}")

    def distribute(self, horizontal: bool) -> None:
        rects = {i: self.scene.rect_of(i) for i in self.scene.selected_ids()}
        if len(rects) >= 3:
            axis = "horizontally" if horizontal else "vertically"
            self._set_positions(distribute(rects, horizontal), f"Distribute {axis}")

    def rename(self, panel_id: str, name: str) -> bool:
        """Rename a panel; with a folder on disk, first ask (non-blocking) whether the
        folder is renamed too. False (and a notice) if the name cannot be used."""
        panel = self.scene.board.get(panel_id)
        if panel is None or self.project is None:
            return False
        try:
            clean = check_panel_name(name)
        except NamingError as exc:
            self.notify(str(exc))
            return False
        if any(p.name == clean and p.id != panel_id for p in self.scene.board.panels):
            self.notify(f"Another panel is already called {clean!r}.")
            return False
        if clean == panel.name:
            return False
        folder = panel_folder(self.project.folder, panel.name)
        if folder.is_dir():
            self._ask_folder_rename(panel_id, folder, clean)
            return True
        return self._apply_rename(panel_id, clean, folder=False)

    def _ask_folder_rename(self, panel_id: str, folder: Path, new: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Rename the folder too?",
            f"Rename the folder “{folder.name}” to “{new}” too?",
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("RenameFolderQuestion")
        box.setInformativeText(
            f"It keeps this panel's renders:\n{folder}\n\nThe panel's versions follow the "
            "files. “Only the panel” leaves the folder as it is."
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Rename folder too")
        box.button(QMessageBox.StandardButton.No).setText("Only the panel")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda result: self._folder_answered(box, panel_id, new, result))
        self.folder_question = box
        box.open()

    def _folder_answered(self, box: QMessageBox, panel_id: str, new: str, result: int) -> None:
        self.folder_question = None
        box.deleteLater()
        if result == QMessageBox.StandardButton.Yes:
            self._apply_rename(panel_id, new, folder=True)
        elif result == QMessageBox.StandardButton.No:
            self._apply_rename(panel_id, new, folder=False)

    def _apply_rename(self, panel_id: str, new: str, folder: bool) -> bool:
        panel = self.scene.board.get(panel_id)
        if panel is None or self.project is None:
            return False
        old = panel.name
        try:
            move = rename_panel(self.scene.board, self.project.folder, panel_id, new, folder=folder)
        except NamingError as exc:
            self.notify(str(exc))  # nothing was renamed
            return False
        if move is not None:
            self._folder_moved(move)
        self.undo_stack.push(
            RenamePanel(
                self.scene,
                panel_id,
                old,
                panel.name,
                self.notify,
                folder=folder,
                moved=self._folder_moved,
            )
        )
        self.scene.request_image(panel)
        return True

    def _folder_moved(self, move: tuple[Path, Path]) -> None:
        self.bus.publish(FilesRenamed((move,)))

    def open_panel_menu(self, panel_id: str, where: QPoint) -> QMenu | None:
        """The right-click menu of a panel (shown with popup(): it never blocks)."""
        panel = self.scene.board.get(panel_id)
        if panel is None:
            return None
        if self.panel_menu is not None:
            self.panel_menu.deleteLater()
        menu = QMenu(self)
        menu.setObjectName("PanelMenu")
        restore = menu.addAction("Restore workflow from this image")
        restore.setObjectName("RestoreWorkflowAction")
        restore.setEnabled(bool(panel.image))
        restore.triggered.connect(lambda: self.restorer.restore_from_panel(panel_id))
        rename = menu.addAction("Rename…")
        rename.triggered.connect(lambda: self.view.start_rename(panel_id))
        lock = menu.addAction("Unlock" if panel.locked else "Lock")
        lock.triggered.connect(lambda: self._toggle_lock(panel_id))
        self.panel_menu = menu
        menu.popup(where)
        return menu

    def _toggle_lock(self, panel_id: str) -> None:
        panel = self.scene.board.get(panel_id)
        if panel is not None:
            text = f"{'Unlock' if panel.locked else 'Lock'} {panel.name}"
            self.undo_stack.push(
                SetField(self.scene, "locked", {panel_id: panel.locked}, not panel.locked, text)
            )
