"""Dark (default) and light themes: Fusion style, a palette, and a small stylesheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from directors_console.core.data_paths import resources_dir

THEMES = ("dark", "light")

_DARK = {
    QPalette.ColorRole.Window: "#23252b",
    QPalette.ColorRole.WindowText: "#e4e4e7",
    QPalette.ColorRole.Base: "#1a1c21",
    QPalette.ColorRole.AlternateBase: "#26282e",
    QPalette.ColorRole.ToolTipBase: "#2f323a",
    QPalette.ColorRole.ToolTipText: "#e4e4e7",
    QPalette.ColorRole.PlaceholderText: "#8b8d94",
    QPalette.ColorRole.Text: "#e4e4e7",
    QPalette.ColorRole.Button: "#2c2f36",
    QPalette.ColorRole.ButtonText: "#e4e4e7",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#f0a830",
    QPalette.ColorRole.Highlight: "#c98a1c",
    QPalette.ColorRole.HighlightedText: "#111111",
}


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(role, QColor(color))
    disabled = QColor("#6b6d74")
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_theme(app: QApplication, name: str) -> None:
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    if name == "dark":
        app.setPalette(_dark_palette())
    else:
        app.setPalette(app.style().standardPalette())
    styles = resources_dir() / "styles"
    parts = [styles / "common.qss", styles / f"{name}.qss"]
    app.setStyleSheet("\n".join(p.read_text("utf-8") for p in parts if p.exists()))
    app.setProperty("dc_theme", name)
