"""The render nodes of the Orchestrator tab: live cards and the node actions.

Add/Edit/Remove/Enable write the node list to settings and then ask the farm to
apply it (``apply_farm_nodes``); Drain and Test talk to the engine and the server.
Card updates are coalesced on a 100 ms single-shot timer: health polls and job
changes arrive in bursts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError
from PySide6.QtCore import QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from directors_console.bridge.tasks import TaskManager
from directors_console.core.settings import RenderNodeConfig, SettingsStore
from directors_console.core.storage import StorageError
from directors_console.ui.common.farm_widgets import NodeCard
from directors_console.ui.common.node_view import NodeView
from directors_console.ui.orchestrator.node_dialog import NodeDialog, probe_node

if TYPE_CHECKING:
    from directors_console.core.farm.engine import FarmEngine

Message = Callable[[str, str], object]
CLI_HINT = "directors-console farm add-node NAME URL"


class NodePanel(QWidget):
    def __init__(
        self,
        settings: SettingsStore,
        tasks: TaskManager,
        apply_farm_nodes: Callable[[], None],
        message: Message,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NodePanel")
        self.settings = settings
        self.tasks = tasks
        self.apply_farm_nodes = apply_farm_nodes
        self.message = message
        self.engine: FarmEngine | None = None
        self.cards: dict[str, NodeCard] = {}
        self.selected: str | None = None
        self.dialog: NodeDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.refresh)

        self.act_add = QAction("Add node…", self)
        self.act_add.setToolTip("Add a ComfyUI server to the farm")
        self.act_add.triggered.connect(self.open_add_dialog)
        self.act_edit = QAction("Edit…", self)
        self.act_edit.triggered.connect(lambda: self._on_selected(self.open_edit_dialog))
        self.act_remove = QAction("Remove", self)
        self.act_remove.triggered.connect(lambda: self._on_selected(self.confirm_remove))
        self.act_test = QAction("Test connection", self)
        self.act_test.triggered.connect(lambda: self._on_selected(self.test_connection))
        self.act_drain = QAction("Drain", self)
        self.act_drain.setToolTip("Finish running jobs but take no new ones")
        self.act_drain.triggered.connect(lambda: self._on_selected(self.toggle_drain))
        self.act_enable = QAction("Disable", self)
        self.act_enable.triggered.connect(lambda: self._on_selected(self.toggle_enabled))
        self.node_actions = [
            self.act_edit,
            self.act_remove,
            self.act_test,
            self.act_drain,
            self.act_enable,
        ]

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        title = QLabel("Render nodes")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.summary = QLabel()
        self.summary.setObjectName("NodeSummary")
        self.probe_label = QLabel()
        self.probe_label.setObjectName("NodeProbe")
        self.probe_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(title)
        bar.addSpacing(8)
        bar.addWidget(self.summary)
        bar.addSpacing(12)
        bar.addWidget(self.probe_label, 1)
        add = QToolButton()
        add.setDefaultAction(self.act_add)
        add.setAutoRaise(True)
        bar.addWidget(add)
        self.node_menu = QMenu(self)
        self.node_menu.setObjectName("NodeActionsMenu")
        self.node_menu.addActions(self.node_actions)
        more = QToolButton()
        more.setObjectName("NodeActionsButton")
        more.setText("Node")
        more.setToolTip("Actions for the selected node (right-click a card for the same)")
        more.setAutoRaise(True)
        more.setMenu(self.node_menu)
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.node_button = more
        bar.addWidget(more)
        layout.addLayout(bar)

        self.stack = QStackedWidget()
        self.empty = QWidget()
        self.empty.setObjectName("NoNodes")
        empty_row = QHBoxLayout(self.empty)
        self.empty_text = QLabel(
            "<b>No render nodes yet.</b> Add a ComfyUI server to render on, or run "
            f"<code>{CLI_HINT}</code> in a terminal."
        )
        self.empty_text.setWordWrap(True)
        self.empty_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty_add = QPushButton("Add node…")
        self.empty_add.setObjectName("EmptyAddNode")
        self.empty_add.clicked.connect(self.act_add.trigger)
        empty_row.addStretch(1)
        empty_row.addWidget(self.empty_text, 0)
        empty_row.addSpacing(12)
        empty_row.addWidget(self.empty_add, 0)
        empty_row.addStretch(1)
        self.strip_area = QScrollArea()
        self.strip_area.setWidgetResizable(True)
        self.strip_area.setFrameShape(QScrollArea.Shape.NoFrame)
        strip = QWidget()
        strip.setObjectName("NodeStrip")
        self.row = QHBoxLayout(strip)
        self.row.setContentsMargins(0, 2, 0, 2)
        self.row.setSpacing(10)
        self.row.addStretch(1)
        self.strip_area.setWidget(strip)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.strip_area)
        layout.addWidget(self.stack, 1)
        self.card_height = NodeCard(NodeView("x", "", "unknown")).sizeHint().height()
        self.strip_area.setMinimumHeight(60)
        self._update_actions()

    # -- farm state -----------------------------------------------------------------------

    def attach(self, engine: FarmEngine) -> None:
        self.engine = engine
        self.refresh()

    def schedule_refresh(self, *_args: object) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def node_names(self) -> list[str]:
        if self.engine is None:
            return []
        saved = [n.name for n in self.settings.settings.render_nodes]
        live = list(self.engine.nodes)
        return [n for n in saved if n in live] + [n for n in live if n not in saved]

    def refresh(self) -> None:
        self._timer.stop()
        names = self.node_names()
        engine = self.engine
        jobs_on: dict[str, list[str]] = {}
        if engine is not None:
            for job in engine.queue.active():
                jobs_on.setdefault(job.node or "", []).append(job.label or job.id[:8])
        for name in [n for n in self.cards if n not in names]:
            card = self.cards.pop(name)
            card.deleteLater()
        for index, name in enumerate(names):
            assert engine is not None
            view = NodeView.from_runtime(engine.nodes[name], jobs_on.get(name, []))
            found = self.cards.get(name)
            if found is None:
                card = NodeCard(view)
                card.clicked.connect(self.select)
                card.menu_requested.connect(self._show_menu)
                self.cards[name] = card
            else:
                card = found
                card.set_view(view)
            if self.row.indexOf(card) != index:
                self.row.insertWidget(index, card)
        if self.selected not in self.cards:
            self.selected = None
        for name, card in self.cards.items():
            card.set_selected(name == self.selected)
        self.stack.setCurrentWidget(self.strip_area if names else self.empty)
        views = [c.view for c in self.cards.values()]
        up = sum(1 for v in views if v.status in ("online", "busy", "degraded"))
        plural = "s" * (len(views) != 1)
        self.summary.setText(f"{len(views)} node{plural} · {up} up" if views else "")
        self._update_actions()

    def select(self, name: str) -> None:
        self.selected = name
        for other, card in self.cards.items():
            card.set_selected(other == name)
        self._update_actions()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self.card_height + 40)

    def _update_actions(self) -> None:
        name = self.selected
        node = self.engine.nodes.get(name) if self.engine and name else None
        for action in self.node_actions:
            action.setEnabled(node is not None)
        saved = self._config(name) is not None if name else False
        self.act_remove.setEnabled(saved)
        self.act_enable.setEnabled(saved)
        if node is not None:
            self.act_drain.setText("Undrain" if node.state.draining else "Drain")
            self.act_enable.setText("Disable" if node.config.enabled else "Enable")
        self.act_add.setEnabled(self.engine is not None)

    def _on_selected(self, action: Callable[[str], object]) -> None:
        if self.selected is not None:
            action(self.selected)

    def build_menu(self, name: str) -> QMenu:
        self.select(name)
        menu = QMenu(self)
        menu.setObjectName("NodeMenu")
        menu.aboutToHide.connect(menu.deleteLater)
        menu.addActions([self.act_edit, self.act_test])
        menu.addSeparator()
        menu.addActions([self.act_drain, self.act_enable])
        menu.addSeparator()
        menu.addActions([self.act_remove])
        menu.addSeparator()
        menu.addAction(self.act_add)
        return menu

    def _show_menu(self, name: str, pos: QPoint) -> None:
        self.build_menu(name).popup(pos)

    # -- settings -------------------------------------------------------------------------

    def _config(self, name: str | None) -> RenderNodeConfig | None:
        return next((n for n in self.settings.settings.render_nodes if n.name == name), None)

    def save_nodes(self, nodes: list[RenderNodeConfig]) -> bool:
        try:
            self.settings.update(render_nodes=nodes)
        except (StorageError, ValidationError) as exc:
            self.message("Render nodes not saved", str(exc))
            return False
        self.apply_farm_nodes()
        self.refresh()
        return True

    def _open_dialog(self, config: RenderNodeConfig | None) -> NodeDialog:
        taken = {n.name for n in self.settings.settings.render_nodes}
        if self.engine is not None:
            taken |= set(self.engine.nodes)
        dialog = NodeDialog(self.tasks, taken, config, self)
        dialog.saved.connect(lambda new: self._saved(config, new))
        dialog.finished.connect(lambda *_: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: NodeDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None  # it deletes itself on close

    def open_add_dialog(self) -> NodeDialog:
        return self._open_dialog(None)

    def open_edit_dialog(self, name: str) -> NodeDialog:
        config = self._config(name)
        if config is None and self.engine is not None and name in self.engine.nodes:
            config = self.engine.nodes[name].config  # a --server-url node: saving keeps it
        return self._open_dialog(config)

    def _saved(self, old: RenderNodeConfig | None, new: RenderNodeConfig) -> None:
        nodes = list(self.settings.settings.render_nodes)
        at = next((i for i, n in enumerate(nodes) if old is not None and n.name == old.name), None)
        if at is None:
            nodes.append(new)
        else:
            nodes[at] = new
        if self.save_nodes(nodes):
            self.select(new.name)

    def confirm_remove(self, name: str) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove render node",
            f"Remove “{name}” from the farm? Jobs running there move to other nodes.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("RemoveNodeBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText("Remove")

        def finished(*_args: object) -> None:
            if box.clickedButton() is yes:
                self.remove(name)

        box.finished.connect(finished)
        box.open()
        return box

    def remove(self, name: str) -> None:
        nodes = [n for n in self.settings.settings.render_nodes if n.name != name]
        self.save_nodes(nodes)

    def toggle_enabled(self, name: str) -> None:
        config = self._config(name)
        if config is None:
            return
        changed = config.model_copy(update={"enabled": not config.enabled})
        nodes = self.settings.settings.render_nodes
        self.save_nodes([changed if n.name == name else n for n in nodes])

    def toggle_drain(self, name: str) -> None:
        if self.engine is None or name not in self.engine.nodes:
            return
        self.engine.drain(name, not self.engine.nodes[name].state.draining)
        self.refresh()

    def test_connection(self, name: str) -> None:
        if self.engine is None or name not in self.engine.nodes:
            return
        config = self.engine.nodes[name].config
        self._show_probe(None, f"{name}: asking {config.url}…")

        async def work() -> None:
            result = await probe_node(config)
            if isValid(self):
                self._show_probe(result.ok, f"{name}: {result.text}")

        self.tasks.run_task(work(), self, f"Test {name}")

    def _show_probe(self, ok: bool | None, text: str) -> None:
        color = {True: "#3fb950", False: "#e5484d"}.get(ok) if ok is not None else None
        self.probe_label.setStyleSheet(f"color: {color};" if color else "")
        self.probe_label.setText(text)
        self.probe_label.setToolTip(text)
