"""The right dock: the render nodes of the farm at a glance.

Lists the nodes from settings; live health, GPU and queue figures come from the
farm's health monitor once that service exists.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QListWidget, QStackedWidget, QWidget

from directors_console.core.settings import SettingsStore


class FarmDock(QDockWidget):
    def __init__(self, settings: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__("Render Farm", parent)
        self.setObjectName("FarmDock")
        self.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self._settings = settings
        self.stack = QStackedWidget()
        self.empty = QLabel(
            "No render nodes yet.\n\nAdd a ComfyUI server from the command line:\n"
            "directors-console farm add-node NAME URL"
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("FarmDockEmpty")
        self.nodes = QListWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.nodes)
        self.setWidget(self.stack)
        self.refresh()

    def refresh(self) -> None:
        nodes = self._settings.settings.render_nodes
        self.nodes.clear()
        for node in nodes:
            state = "" if node.enabled else "  (disabled)"
            self.nodes.addItem(f"{node.name}{state}\n{node.url}")
        self.stack.setCurrentWidget(self.nodes if nodes else self.empty)
