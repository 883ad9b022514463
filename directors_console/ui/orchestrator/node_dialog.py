"""Add or edit one render node: a non-modal form checked by ``RenderNodeConfig``.

Field errors from pydantic are shown under their fields; a duplicate name is refused.
"Test connection" asks the typed-in server for ``/system_stats`` without saving.
On Save the dialog emits :attr:`NodeDialog.saved` with the validated config; the
caller writes settings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from directors_console.bridge.tasks import TaskManager
from directors_console.core.comfy.errors import ComfyError
from directors_console.core.settings import RenderNodeConfig
from directors_console.ui.common.node_view import format_gb, short_device

PROBE_TIMEOUT = 5.0
ERROR_COLOR = "#e5484d"
OK_COLOR = "#3fb950"


class HeaderError(ValueError):
    pass


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` per line -> a dict; a line without ``:`` is an error."""
    headers: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise HeaderError(f"“{line[:40]}” is not a header: write Name: value")
        headers[name.strip()] = value.strip()
    return headers


def sentence(message: str) -> str:
    """A pydantic message without its "Value error, " prefix, with a capital first."""
    text = message.removeprefix("Value error, ").strip()
    return text[:1].upper() + text[1:]


def format_headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers.items())


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    text: str


async def probe_node(config: RenderNodeConfig, timeout: float = PROBE_TIMEOUT) -> ProbeResult:
    """Ask a server for ``/system_stats``; a short sentence says what came back."""
    try:
        from directors_console.core.comfy.client import ComfyClient  # only when testing

        client = ComfyClient(config.url, headers=config.headers or None, use_websocket=False)
    except ValueError as exc:
        return ProbeResult(False, str(exc))
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            stats = await client.system_stats()
    except TimeoutError:
        return ProbeResult(False, f"No answer from {config.url} within {timeout:.0f} s.")
    except ComfyError as exc:
        return ProbeResult(False, str(exc))
    finally:
        await client.aclose()
    ms = (time.monotonic() - started) * 1000
    parts = [f"ComfyUI {stats.comfyui_version}" if stats.comfyui_version else "ComfyUI"]
    if stats.devices:
        gpu = stats.devices[0]
        parts.append(f"{short_device(gpu.name)}, {format_gb(gpu.vram_total)} GB")
    parts.append(f"{ms:.0f} ms")
    return ProbeResult(True, "Connected: " + " · ".join(parts))


class NodeDialog(QDialog):
    saved = Signal(object)  # RenderNodeConfig

    def __init__(
        self,
        tasks: TaskManager,
        taken_names: Iterable[str],
        config: RenderNodeConfig | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NodeDialog")
        self.setWindowTitle("Edit Render Node" if config else "Add Render Node")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.tasks = tasks
        self.original = config
        self.taken = {n for n in taken_names if config is None or n != config.name}
        self.result_config: RenderNodeConfig | None = None

        self.name = QLineEdit(config.name if config else "")
        self.name.setPlaceholderText("e.g. gpu-1")
        self.url = QLineEdit(config.url if config else "")
        self.url.setPlaceholderText("http://127.0.0.1:8188")
        self.tags = QLineEdit(", ".join(config.tags) if config else "")
        self.tags.setPlaceholderText("comma separated, e.g. sdxl, video")
        self.max_concurrent = QSpinBox()
        self.max_concurrent.setRange(1, 64)
        self.max_concurrent.setValue(config.max_concurrent if config else 1)
        self.enabled = QCheckBox("Send jobs to this node")
        self.enabled.setChecked(config.enabled if config else True)
        self.headers = QPlainTextEdit(format_headers(config.headers) if config else "")
        self.headers.setPlaceholderText("Authorization: Bearer …   (one header per line)")
        self.headers.setFixedHeight(self.fontMetrics().height() * 3 + 14)
        self.headers.setTabChangesFocus(True)

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label, widget in (
            ("name", "Name", self.name),
            ("url", "Address", self.url),
            ("tags", "Tags", self.tags),
            ("max_concurrent", "Jobs at once", self.max_concurrent),
            ("enabled", "", self.enabled),
            ("headers", "Auth header", self.headers),
        ):
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            error = QLabel()
            error.setObjectName(f"error_{key}")
            error.setStyleSheet(f"color: {ERROR_COLOR};")
            error.setWordWrap(True)
            error.hide()
            box.addWidget(error)
            self.errors[key] = error
            form.addRow(label, box)

        self.probe_label = QLabel()
        self.probe_label.setObjectName("ProbeResult")
        self.probe_label.setWordWrap(True)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.probe_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    # -- validation -----------------------------------------------------------------------

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def _error(self, key: str, text: str) -> None:
        label = self.errors.get(key, self.errors["name"])
        label.setText(text)
        label.show()

    def build_config(self) -> RenderNodeConfig | None:
        """The validated config, or None with the problems shown under their fields."""
        self._clear_errors()
        ok = True
        try:
            headers = parse_headers(self.headers.toPlainText())
        except HeaderError as exc:
            self._error("headers", str(exc))
            headers, ok = {}, False
        data = {
            **((self.original.model_extra or {}) if self.original else {}),
            "name": self.name.text().strip(),
            "url": self.url.text().strip(),
            "tags": [t.strip() for t in self.tags.text().split(",") if t.strip()],
            "max_concurrent": self.max_concurrent.value(),
            "enabled": self.enabled.isChecked(),
            "headers": headers,
        }
        if data["name"] in self.taken:
            self._error("name", f"A node named “{data['name']}” exists already.")
            ok = False
        try:
            config = RenderNodeConfig.model_validate(data)
        except ValidationError as exc:
            for problem in exc.errors():
                key = str(problem["loc"][0]) if problem.get("loc") else "name"
                text = sentence(problem["msg"])
                if key == "name" and problem["type"] == "string_too_short":
                    text = "Give the node a name."
                self._error(key, text)
            return None
        return config if ok else None

    def save(self) -> None:
        config = self.build_config()
        if config is None:
            return
        self.result_config = config
        self.saved.emit(config)
        self.accept()

    # -- probing --------------------------------------------------------------------------

    def test_connection(self) -> None:
        self._clear_errors()
        try:
            config = RenderNodeConfig(
                name=self.name.text().strip() or "test",
                url=self.url.text().strip(),
                headers=parse_headers(self.headers.toPlainText()),
            )
        except HeaderError as exc:
            self._error("headers", str(exc))
            return
        except ValidationError as exc:
            self._error("url", sentence(exc.errors()[0]["msg"]))
            return
        self.test_button.setEnabled(False)
        self._show_probe(None, f"Asking {config.url}…")

        async def work() -> None:
            result = await probe_node(config)
            if isValid(self):  # the dialog may have closed meanwhile
                self.test_button.setEnabled(True)
                self._show_probe(result.ok, result.text)

        self.tasks.run_task(work(), self, "Test connection")

    def _show_probe(self, ok: bool | None, text: str) -> None:
        color = "" if ok is None else (OK_COLOR if ok else ERROR_COLOR)
        self.probe_label.setStyleSheet(f"color: {color};" if color else "")
        self.probe_label.setText(text)
