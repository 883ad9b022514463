"""One combo box per choice field of the current kind; refused values are greyed with why.

The pickers only show state: the studio hands them the configuration and each field's
:class:`FieldOptions`, and they report the user's choice as ``value_chosen(field, id)``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

if TYPE_CHECKING:
    from directors_console.core.cinema import FieldOptions, ShotConfig
    from directors_console.core.cinema.vocabulary import Vocabulary

LIVE_PICKERS: tuple[str, ...] = (
    "shot_size",
    "composition",
    "camera",
    "lens",
    "film_stock",
    "aspect_ratio",
    "equipment",
    "movement",
    "timing",
    "time_of_day",
    "lighting_source",
    "lighting_style",
    "mood",
    "colour_tone",
)
ANIMATION_PICKERS: tuple[str, ...] = (
    "medium",
    "style_domain",
    "line_treatment",
    "colour_application",
    "lighting_model",
    "surface_detail",
    "motion_style",
    "shot_size",
    "composition",
    "movement",
    "timing",
    "time_of_day",
    "lighting_source",
    "lighting_style",
    "mood",
    "colour_tone",
)
ID_ROLE = Qt.ItemDataRole.UserRole
NONE_LABEL = "— none —"


def field_label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def pickers_for(kind: str) -> tuple[str, ...]:
    return LIVE_PICKERS if kind == "live" else ANIMATION_PICKERS


class FieldPickers(QWidget):
    value_chosen = Signal(str, object)  # field, vocabulary id or None

    def __init__(self, vocabulary: Vocabulary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vocabulary = vocabulary
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.combos: dict[str, QComboBox] = {}
        self._kind = ""
        fields = dict.fromkeys(LIVE_PICKERS + ANIMATION_PICKERS)
        for field in fields:
            combo = QComboBox()
            combo.setObjectName(f"picker_{field}")
            combo.setAccessibleName(field_label(field))
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(18)
            combo.setMaxVisibleItems(18)
            model = QStandardItemModel(combo)
            none = QStandardItem(NONE_LABEL)
            none.setData(None, ID_ROLE)
            model.appendRow(none)
            for entry in vocabulary.entries(field):
                item = QStandardItem(entry.label)
                item.setData(entry.id, ID_ROLE)
                model.appendRow(item)
            combo.setModel(model)
            combo.activated.connect(partial(self._on_activated, field))
            label = QLabel(field_label(field))
            label.setBuddy(combo)
            self.form.addRow(label, combo)
            self.combos[field] = combo

    def item(self, field: str, value: str | None) -> QStandardItem:
        combo = self.combos[field]
        model = combo.model()
        assert isinstance(model, QStandardItemModel)
        index = combo.findData(value, ID_ROLE) if value is not None else 0
        found = model.item(max(index, 0))
        assert found is not None
        return found

    def show_config(self, config: ShotConfig, options: dict[str, FieldOptions]) -> None:
        """Show ``config``'s kind and values; grey what ``options`` refuses, with the reason."""
        if config.kind != self._kind:
            self._kind = config.kind
            visible = set(pickers_for(config.kind))
            for field, combo in self.combos.items():
                self.form.setRowVisible(combo, field in visible)
        for field in pickers_for(config.kind):
            self._show_field(field, getattr(config, field), options[field])

    def _show_field(self, field: str, value: str | None, options: FieldOptions) -> None:
        combo = self.combos[field]
        model = combo.model()
        assert isinstance(model, QStandardItemModel)
        refused = dict(options.disabled)
        for row in range(1, model.rowCount()):
            item = model.item(row)
            if item is None:
                continue
            vocab_id = item.data(ID_ROLE)
            reason = refused.get(vocab_id)
            item.setEnabled(reason is None)
            entry = self.vocabulary.get(field, vocab_id)
            item.setToolTip(reason if reason is not None else (entry.note if entry else ""))
        index = combo.findData(value, ID_ROLE) if value is not None else 0
        combo.setCurrentIndex(max(index, 0))
        reason = refused.get(value) if value is not None else None
        combo.setProperty("invalid", reason is not None)
        combo.setToolTip(reason or "")
        combo.style().unpolish(combo)
        combo.style().polish(combo)

    def _on_activated(self, field: str, index: int) -> None:
        combo = self.combos[field]
        self.value_chosen.emit(field, combo.itemData(index, ID_ROLE))
