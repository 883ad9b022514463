"""A tab whose tools are not built yet: it says what the tab is for and what to do now.

It follows the current project so its message matches what the user can do.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QVBoxLayout, QWidget

from directors_console.core.events import Subscription
from directors_console.core.project import Project, ProjectService
from directors_console.ui.common.empty_state import EmptyState
from directors_console.ui.common.tab_page import TabPage


class IntroTab(TabPage):
    purpose = ""  # what the tab is for, one or two sentences
    needs_project = True

    def __init__(
        self,
        projects: ProjectService,
        project_actions: list[QAction],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.empty = EmptyState(self.title, self.purpose, project_actions)
        layout.addWidget(self.empty)
        self._sub: Subscription = projects.current.subscribe(self._on_project, call_now=True)
        self.destroyed.connect(self._sub.cancel)

    def _on_project(self, project: Project | None) -> None:
        for button in self.empty.buttons:
            button.setVisible(self.needs_project and project is None)
        if project is None and self.needs_project:
            hint = "Open or create a project to begin."
        elif project is None:
            hint = ""
        else:
            hint = f"Project: {project.name} — {project.folder}"
        self.empty.set_text(self.title, f"{self.purpose}\n\n{hint}".strip())
