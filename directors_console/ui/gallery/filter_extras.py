"""The filter bar's second row: scope (folder), date range, tags, sort, saved views, stats.

Each control only reports what the user chose (``changed``); the tab filters and sorts.
:meth:`FilterExtras.state` and :meth:`FilterExtras.apply_state` turn the choices into a
plain dict and back, for saved views.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)

from directors_console.core.gallery.arrange import SORT_FIELDS, SORT_LABELS, SortField
from directors_console.ui.gallery.saved_views import SavedViewsBox

SCOPES = (
    ("folder", "This folder", "Files of the selected folder only"),
    ("tree", "With sub-folders", "The selected folder and everything below it"),
    ("project", "Whole project", "Every file of the project"),
)
DATE_PRESETS = (
    ("any", "Any date"),
    ("today", "Today"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("year", "This year"),
    ("custom", "Date range…"),
)


def _combo(items: Any, tip: str) -> QComboBox:
    box = QComboBox()
    for item in items:
        box.addItem(item[1], item[0])
        if len(item) > 2:
            box.setItemData(box.count() - 1, item[2], 3)  # 3 = ToolTipRole
    box.setToolTip(tip)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def _start(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time.min).timestamp()


class FilterExtras(QWidget):
    """``changed`` for the filters and sort; the saved views and stats have their own."""

    changed = Signal()
    stats_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryFilterExtras")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scope_box = _combo(SCOPES, "Which files to list and search")
        self.date_box = _combo(DATE_PRESETS, "Only files modified in this period")
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7))
        self.date_to = QDateEdit(today)
        for edit, tip in ((self.date_from, "From (inclusive)"), (self.date_to, "To (inclusive)")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setToolTip(tip)
            edit.hide()
            edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.tags_button = QToolButton()
        self.tags_button.setToolTip("Only files carrying all the checked tags")
        self.tags_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.tags_menu = QMenu(self.tags_button)
        self.tags_button.setMenu(self.tags_menu)
        self._tags: dict[str, bool] = {}
        self.set_available_tags({})
        self.sort_box = _combo([(f, SORT_LABELS[f]) for f in SORT_FIELDS], "Sort files by")
        self.order_button = QToolButton()
        self.order_button.setCheckable(True)
        self.order_button.toggled.connect(self._order_toggled)
        self._order_toggled(False)
        for widget in (self.scope_box, self.date_box):
            widget.currentIndexChanged.connect(lambda _i: self._combo_changed())
        self.sort_box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        layout.addWidget(self.scope_box)
        layout.addWidget(self.date_box)
        layout.addWidget(self.date_from)
        layout.addWidget(self.date_to)
        layout.addWidget(self.tags_button)
        layout.addStretch(1)
        layout.addWidget(QLabel("Sort:"))
        layout.addWidget(self.sort_box)
        layout.addWidget(self.order_button)
        self.saved_views = SavedViewsBox()
        layout.addWidget(self.saved_views)
        self.stats_button = QPushButton("Stats")
        self.stats_button.setToolTip(
            "Statistics of this folder: kinds, sizes, ratings, tags, dates, models"
        )
        self.stats_button.clicked.connect(self.stats_clicked)
        layout.addWidget(self.stats_button)
        self._layout = layout

    def add_trailing(self, widget: QWidget) -> None:
        """Put ``widget`` (the view switcher) at the row's right end."""
        self._layout.addWidget(widget)

    # -- choices ----------------------------------------------------------------------

    def scope(self) -> str:
        return str(self.scope_box.currentData())

    def date_range(self) -> tuple[float | None, float | None]:
        """POSIX times (inclusive) on the files' mtimes; None where open."""
        preset = self.date_box.currentData()
        today = dt.date.today()
        if preset == "today":
            return _start(today), None
        if preset == "7d":
            return _start(today - dt.timedelta(days=6)), None
        if preset == "30d":
            return _start(today - dt.timedelta(days=29)), None
        if preset == "year":
            return _start(today.replace(month=1, day=1)), None
        if preset == "custom":
            one: dt.date = self.date_from.date().toPython()  # type: ignore[assignment]
            two: dt.date = self.date_to.date().toPython()  # type: ignore[assignment]
            low, high = min(one, two), max(one, two)
            return _start(low), _start(high + dt.timedelta(days=1)) - 1e-6
        return None, None

    def tags(self) -> tuple[str, ...]:
        return tuple(sorted(t for t, on in self._tags.items() if on))

    def sort(self) -> tuple[SortField, bool]:
        return cast(SortField, self.sort_box.currentData()), self.order_button.isChecked()

    def set_sort(self, field: str, descending: bool) -> None:
        """Choose an order (one ``changed`` signal)."""
        self.blockSignals(True)
        index = self.sort_box.findData(field)
        if index >= 0:
            self.sort_box.setCurrentIndex(index)
        self.order_button.setChecked(descending)
        self.blockSignals(False)
        self.changed.emit()

    def set_available_tags(self, tags: dict[str, str]) -> None:
        """The project's tags (name -> colour); checked ones that still exist stay checked."""
        self._tags = {name: self._tags.get(name, False) for name in sorted(tags)}
        self.tags_menu.clear()
        if not self._tags:
            empty = self.tags_menu.addAction("No tags in this project yet")
            empty.setEnabled(False)
        for name, on in self._tags.items():
            action = self.tags_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(on)
            action.toggled.connect(lambda checked, n=name: self._tag_toggled(n, checked))
        self._show_tags()

    def _tag_toggled(self, name: str, on: bool) -> None:
        self._tags[name] = on
        self._show_tags()
        self.changed.emit()

    def _show_tags(self) -> None:
        chosen = self.tags()
        self.tags_button.setText("Tagged: " + ", ".join(chosen) if chosen else "Any tag")

    def _order_toggled(self, descending: bool) -> None:
        self.order_button.setText("↓ Descending" if descending else "↑ Ascending")
        self.order_button.setToolTip("Click to reverse the order")
        self.changed.emit()

    def _combo_changed(self) -> None:
        custom = self.date_box.currentData() == "custom"
        self.date_from.setVisible(custom)
        self.date_to.setVisible(custom)
        self.changed.emit()

    # -- saved views ------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        field, descending = self.sort()
        return {
            "scope": self.scope(),
            "dates": self.date_box.currentData(),
            "date_from": self.date_from.date().toString("yyyy-MM-dd"),
            "date_to": self.date_to.date().toString("yyyy-MM-dd"),
            "tags": list(self.tags()),
            "sort": field,
            "descending": descending,
        }

    def apply_state(self, state: dict[str, Any]) -> None:
        """Take a saved state (unknown values keep the current choice); one ``changed``."""
        self.blockSignals(True)
        for box, key in ((self.scope_box, "scope"), (self.date_box, "dates")):
            index = box.findData(state.get(key))
            if index >= 0:
                box.setCurrentIndex(index)
        for edit, key in ((self.date_from, "date_from"), (self.date_to, "date_to")):
            day = QDate.fromString(str(state.get(key, "")), "yyyy-MM-dd")
            if day.isValid():
                edit.setDate(day)
        wanted = {str(t) for t in state.get("tags", [])}
        for name in wanted - set(self._tags):
            self._tags[name] = True  # a tag no file carries any more still filters
        self._tags = {name: name in wanted for name in self._tags}
        self.set_available_tags(dict.fromkeys(self._tags, ""))
        custom = self.date_box.currentData() == "custom"
        self.date_from.setVisible(custom)
        self.date_to.setVisible(custom)
        self.blockSignals(False)
        self.set_sort(str(state.get("sort", "name")), bool(state.get("descending", False)))
