"""Browse film and animation presets: search, filters (era, mood, domain, medium), a list.

Choosing a preset (click, Enter) emits ``preset_chosen(id)``; the studio applies it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from directors_console.core.cinema import Preset, PresetLibrary
    from directors_console.core.cinema.vocabulary import Vocabulary

ID_ROLE = Qt.ItemDataRole.UserRole
ANY = "Any"


class PresetBrowser(QWidget):
    preset_chosen = Signal(str)

    def __init__(
        self, presets: PresetLibrary, vocabulary: Vocabulary, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.presets = presets
        self.vocabulary = vocabulary
        self._kind = ""  # set by set_kind()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setObjectName("PresetSearch")
        self.search.setPlaceholderText("Search presets: film, year, DP, studio…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(self._focus_list)
        layout.addWidget(self.search)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        used_moods = {p.settings.get("mood") for p in presets.all()}
        self.era = self._filter(grid, 0, "Era", [(e, e) for e in presets.eras()])
        self.mood = self._filter(grid, 1, "Mood", self._vocab_items("mood", used_moods))
        self.domain = self._filter(grid, 2, "Domain", self._vocab_items("style_domain"))
        self.medium = self._filter(grid, 3, "Medium", self._vocab_items("medium"))
        layout.addLayout(grid)

        self.list = QListWidget()
        self.list.setObjectName("PresetList")
        self.list.setAccessibleName("Presets")
        self.list.setAlternatingRowColors(True)
        self.list.itemClicked.connect(self._chosen)
        self.list.itemActivated.connect(self._chosen)
        layout.addWidget(self.list, 1)
        self.count = QLabel()
        self.count.setObjectName("PresetCount")
        layout.addWidget(self.count)

    def _vocab_items(
        self, field: str, only: set[str | None] | None = None
    ) -> list[tuple[str, str]]:
        return [
            (e.label, e.id) for e in self.vocabulary.entries(field) if only is None or e.id in only
        ]

    def _filter(
        self, grid: QGridLayout, index: int, name: str, items: list[tuple[str, str]]
    ) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"PresetFilter{name}")
        combo.setAccessibleName(f"{name} filter")
        combo.addItem(ANY, None)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self.refresh)
        label = QLabel(name)
        label.setBuddy(combo)
        row, col = divmod(index, 2)
        grid.addWidget(label, row, col * 2)
        grid.addWidget(combo, row, col * 2 + 1)
        grid.setColumnStretch(col * 2 + 1, 1)
        return combo

    @property
    def kind(self) -> str:
        return self._kind

    def set_kind(self, kind: str) -> None:
        self._kind = kind
        animation = kind == "animation"
        for combo in (self.domain, self.medium):
            combo.setEnabled(animation)
            combo.setToolTip("" if animation else "Animation presets only")
        self.refresh()

    def visible_presets(self) -> list[Preset]:
        found = self.presets.filter(
            kind="live" if self._kind == "live" else "animation",
            era=self.era.currentData(),
            mood=self.mood.currentData(),
            domain=self.domain.currentData() if self._kind == "animation" else None,
            medium=self.medium.currentData() if self._kind == "animation" else None,
        )
        words = self.search.text().casefold().split()
        if not words:
            return list(found)

        def text(p: Preset) -> str:
            parts = (p.title, str(p.year or ""), p.era, p.director, p.cinematographer, p.studio)
            return " ".join((*parts, *p.tags, p.id)).casefold()

        return [p for p in found if all(w in text(p) for w in words)]

    def refresh(self) -> None:
        current = self.list.currentItem()
        keep = current.data(ID_ROLE) if current is not None else None
        self.list.clear()
        shown = self.visible_presets()
        for preset in shown:
            who = preset.cinematographer or preset.studio or preset.director
            year = f" ({preset.year})" if preset.year else ""
            item = QListWidgetItem(f"{preset.title}{year}" + (f"  —  {who}" if who else ""))
            item.setData(ID_ROLE, preset.id)
            tip = [preset.label]
            if preset.director:
                tip.append(f"Directed by {preset.director}")
            if preset.cinematographer:
                tip.append(f"Cinematography: {preset.cinematographer}")
            if preset.studio:
                tip.append(f"Studio: {preset.studio}")
            if preset.note:
                tip.append(preset.note)
            item.setToolTip("\n".join(tip))
            self.list.addItem(item)
            if preset.id == keep:
                self.list.setCurrentItem(item)
        total = len(self.presets.filter(kind="live" if self._kind == "live" else "animation"))
        if shown:
            self.count.setText(f"{len(shown)} of {total} presets")
        else:
            self.count.setText("No preset matches: clear the search or set a filter to Any.")

    def select(self, preset_id: str) -> bool:
        """Choose ``preset_id`` as if the user clicked it (it must be listed)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.data(ID_ROLE) == preset_id:
                self.list.setCurrentItem(item)
                self._chosen(item)
                return True
        return False

    def _focus_list(self) -> None:
        if self.list.count():
            self.list.setFocus(Qt.FocusReason.ShortcutFocusReason)
            if self.list.currentRow() < 0:
                self.list.setCurrentRow(0)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.preset_chosen.emit(str(item.data(ID_ROLE)))
