"""Helpers for Storyboard canvas tests: open a project, drive the view with real mouse events."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from directors_console.app.services import Services
from directors_console.core.storyboard.model import Panel
from directors_console.ui.common.theme import apply_theme
from directors_console.ui.main_window import MainWindow
from directors_console.ui.storyboard import StoryboardTab

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def open_board(window: MainWindow, services: Services, folder: Path) -> StoryboardTab:
    tab = next(p for p in window.pages if isinstance(p, StoryboardTab))
    window.tabs.setCurrentWidget(tab)
    services.projects.new(folder)
    tab.view.resetTransform()
    tab.view.centerOn(600, 400)
    return tab


def open_dark_board(
    make_window: Callable[[], MainWindow], services: Services, folder: Path, size: tuple[int, int]
) -> tuple[MainWindow, StoryboardTab]:
    """A new window in the dark theme at ``size`` with a board open (screenshot tests)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    window = make_window()
    window.resize(*size)
    return window, open_board(window, services, folder)


def place(tab: StoryboardTab, panel: Panel, x: float, y: float) -> None:
    """Put a panel somewhere without an undo entry (test set-up only)."""
    tab.scene.set_geometry(panel.id, (x, y, panel.width, panel.height))


def at(tab: StoryboardTab, x: float, y: float) -> QPoint:
    return tab.view.mapFromScene(QPointF(x, y))


def header(tab: StoryboardTab, panel: Panel) -> QPoint:
    return at(tab, panel.x + 40, panel.y + 15)


def press(tab: StoryboardTab, point: QPoint, mod: Qt.KeyboardModifier = NO_MOD) -> None:
    QTest.mousePress(tab.view.viewport(), LEFT, mod, point)


def move(tab: StoryboardTab, point: QPoint, mod: Qt.KeyboardModifier = NO_MOD) -> None:
    """A mouse move with the left button held; QTest.mouseMove cannot carry modifiers."""
    if mod == NO_MOD:
        QTest.mouseMove(tab.view.viewport(), point)
        return
    viewport = tab.view.viewport()
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(point),
        QPointF(viewport.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        LEFT,
        mod,
    )
    QApplication.sendEvent(viewport, event)


def release(tab: StoryboardTab, point: QPoint, mod: Qt.KeyboardModifier = NO_MOD) -> None:
    QTest.mouseRelease(tab.view.viewport(), LEFT, mod, point)


def drag(tab: StoryboardTab, start: QPoint, end: QPoint, mod: Qt.KeyboardModifier = NO_MOD) -> None:
    press(tab, start, mod)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    move(tab, middle, mod)
    move(tab, end, mod)
    release(tab, end, mod)


def click(tab: StoryboardTab, point: QPoint, mod: Qt.KeyboardModifier = NO_MOD) -> None:
    QTest.mouseClick(tab.view.viewport(), LEFT, mod, point)
