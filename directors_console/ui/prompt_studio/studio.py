"""The Prompt Studio workspace, built once the cinema library has loaded.

Left: live-action/animation switch and the preset browser. Middle: subject, scene and a
picker per choice field. Right: the live prompt for a model family, the rule checks with
their fixes, and the history. Every change of the shot goes through the tab's undo stack
as one :class:`ConfigChange`; the view then renders what the library says about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.cinema import CinemaLibrary, GeneratedPrompt, ShotConfig
from directors_console.core.cinema.config import CHOICE_FIELDS
from directors_console.core.events import EventBus, SendPrompt
from directors_console.ui.prompt_studio.commands import (
    MERGE_SCENE,
    MERGE_SUBJECT,
    ConfigChange,
)
from directors_console.ui.prompt_studio.pickers import FieldPickers, field_label, pickers_for
from directors_console.ui.prompt_studio.preset_browser import PresetBrowser
from directors_console.ui.prompt_studio.preview import HISTORY_LIMIT, PromptHistory, PromptPreview
from directors_console.ui.prompt_studio.validation_panel import Fix, ValidationPanel

DEFAULT_FAMILY = "sdxl"
# Local to the studio; colours follow the palette so both themes work.
STYLE = """
#KindButton:checked { background: palette(highlight); color: palette(highlighted-text);
    font-weight: 600; border: 1px solid palette(highlight); border-radius: 3px; padding: 4px; }
#RuleMessage { background: palette(alternate-base); border-radius: 4px;
    border-left: 4px solid #f0a830; }
#RuleMessage[severity="error"] { border-left-color: #e5484d; }
#PromptChecksSummary { font-weight: 600; padding: 2px 0; }
#PromptChecksSummary[state="error"] { color: #ff6b6b; }
#PromptChecksSummary[state="warning"] { color: #f0a830; }
#PromptChecksSummary[state="ok"] { color: #46a758; }
#PromptHeading { font-weight: 600; }
QComboBox[invalid="true"] { color: #ff6b6b; font-weight: 600; }
#RuleFixText { color: palette(placeholder-text); }
"""
TEXT_MERGE = {"subject": MERGE_SUBJECT, "scene": MERGE_SCENE}


@dataclass(frozen=True)
class HistoryEntry:
    config: ShotConfig
    prompt: GeneratedPrompt


class StudioView(QWidget):
    config_shown = Signal()  # after every render of a configuration

    def __init__(
        self,
        library: CinemaLibrary,
        bus: EventBus,
        undo_stack: QUndoStack,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        self.library = library
        self.bus = bus
        self.undo_stack = undo_stack
        self.config = ShotConfig()
        self.prompt = GeneratedPrompt(DEFAULT_FAMILY, "", None)
        self.history: list[HistoryEntry] = []
        self._build()
        self._build_shortcuts()
        self.show_config(self.config)

    # -- construction ---------------------------------------------------------------------

    def _build(self) -> None:
        lib = self.library
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter)

        # Left: kind + presets
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        kind_row = QHBoxLayout()
        self.kind_group = QButtonGroup(self)
        self.live_button = QPushButton("&Live action")
        self.animation_button = QPushButton("Anima&tion")
        for kind, button in (("live", self.live_button), ("animation", self.animation_button)):
            button.setCheckable(True)
            button.setObjectName("KindButton")
            button.setProperty("kind", kind)
            self.kind_group.addButton(button)
            kind_row.addWidget(button)
            button.clicked.connect(lambda _=False, k=kind: self.choose_kind(k))
        self.kind_group.setExclusive(True)
        left_layout.addLayout(kind_row)
        self.presets = PresetBrowser(lib.presets, lib.vocabulary)
        self.presets.preset_chosen.connect(self.choose_preset)
        left_layout.addWidget(self.presets, 1)
        splitter.addWidget(left)

        # Middle: subject, scene, pickers
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(4, 0, 4, 0)
        self.subject = QLineEdit()
        self.subject.setObjectName("PromptSubject")
        self.subject.setPlaceholderText("Who or what is in the shot, e.g. a lone rider")
        self.scene = QLineEdit()
        self.scene.setObjectName("PromptScene")
        self.scene.setPlaceholderText("Where it happens and what goes on")
        words = QGroupBox("Your words")
        words_layout = QVBoxLayout(words)
        for text, edit, field in (
            ("S&ubject", self.subject, "subject"),
            ("Sce&ne", self.scene, "scene"),
        ):
            label = QLabel(text)
            label.setBuddy(edit)
            words_layout.addWidget(label)
            words_layout.addWidget(edit)
            edit.textEdited.connect(lambda value, f=field: self.set_text(f, value))
        middle_layout.addWidget(words)
        self.pickers = FieldPickers(lib.vocabulary)
        self.pickers.value_chosen.connect(self.choose_value)
        shot = QGroupBox("Shot")
        shot_layout = QVBoxLayout(shot)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes straight to its fields
        scroll.setWidget(self.pickers)
        shot_layout.addWidget(scroll)
        middle_layout.addWidget(shot, 1)
        splitter.addWidget(middle)

        # Right: prompt, checks, history
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        families = {f.id: f.label for f in lib.generator.families.values()}
        self.preview = PromptPreview(families)
        self.preview.set_family(DEFAULT_FAMILY)
        self.preview.family_changed.connect(lambda _f: self.render_prompt())
        self.preview.copied.connect(self._remember)
        self.preview.send_requested.connect(self.send)
        right_layout.addWidget(self.preview, 3)
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("PromptLowerTabs")
        self.checks = ValidationPanel(self.describe_fix)
        self.checks.fix_requested.connect(self.apply_fix)
        self.checks.fix_all_requested.connect(self.fix_all)
        self.history_view = PromptHistory()
        self.history_view.restore_requested.connect(self.restore)
        self.side_tabs.addTab(self.checks, "Checks")
        self.side_tabs.addTab(self.history_view, "History")
        right_layout.addWidget(self.side_tabs, 2)
        splitter.addWidget(right)
        # The pickers need room to be read: they never shrink below their labels and
        # boxes; the preset list and the preview share what is left.
        middle.setMinimumWidth(360)
        left.setMinimumWidth(240)
        for index in range(3):
            splitter.setCollapsible(index, False)
        splitter.setSizes([330, 420, 560])
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)

        self.setTabOrder(self.live_button, self.animation_button)
        self.setTabOrder(self.animation_button, self.presets.search)

    def _build_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        bindings = (
            ("Ctrl+Shift+C", self.preview.copy_positive),
            ("Ctrl+Return", self.send),
            ("Ctrl+Enter", self.send),
            ("Ctrl+F", self.focus_search),
        )
        self.shortcuts: list[QShortcut] = []
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # -- user actions: each is one undoable change ---------------------------------------

    def change(self, after: ShotConfig, text: str, merge_id: int = -1) -> None:
        if after == self.config:
            return
        self.undo_stack.push(ConfigChange(self.show_config, self.config, after, text, merge_id))

    def choose_kind(self, kind: str) -> None:
        if kind == self.config.kind:
            return
        keep = set(pickers_for(kind))
        cleared = {f: None for f in CHOICE_FIELDS if f not in keep}
        after = self.config.with_values(kind=kind, **cleared)
        self.change(
            after, "Switch to animation" if kind == "animation" else "Switch to live action"
        )

    def choose_preset(self, preset_id: str) -> None:
        preset = self.library.presets.get(preset_id)
        after = self.library.presets.apply(preset_id, base=self.config)
        self.change(after, f"Apply preset {preset.label}")

    def choose_value(self, field: str, value: str | None) -> None:
        entry = self.library.vocabulary.get(field, value)
        after = self.config.with_values(**{field: value})
        self.change(after, f"{field_label(field)}: {entry.label if entry else 'none'}")

    def set_text(self, field: str, value: str) -> None:
        after = self.config.with_values(**{field: value})
        self.change(after, f"Edit {field}", TEXT_MERGE[field])

    def apply_fix(self, fix: Fix) -> None:
        self.change(self.config.with_values(**dict(fix)), f"Fix: {self.describe_fix(fix)}")

    def fix_all(self) -> None:
        self.change(self.library.apply_fixes(self.config), "Fix all")

    def restore(self, index: int) -> None:
        if not 0 <= index < len(self.history):
            return
        entry = self.history[index]
        self.preview.set_family(entry.prompt.family)
        self.change(entry.config, "Restore prompt from history")
        self.render_prompt()

    def focus_search(self) -> None:
        self.presets.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.presets.search.selectAll()

    def send(self) -> None:
        prompt = self.prompt
        self.bus.publish(
            SendPrompt(
                prompt=prompt.positive,
                negative=prompt.negative or "",
                model_family=prompt.family,
                config=self.config.model_dump(),
            )
        )
        self._remember()

    # -- rendering -----------------------------------------------------------------------

    def describe_fix(self, fix: Mapping[str, str | None]) -> str:
        parts = []
        for field, value in fix.items():
            entry = self.library.vocabulary.get(field, value) if field in CHOICE_FIELDS else None
            shown = entry.label if entry else (value or "none")
            parts.append(f"{field_label(field)} → {shown}")
        return ", ".join(parts)

    def show_config(self, config: ShotConfig) -> None:
        """Render ``config`` everywhere (called by undo commands, never by widgets)."""
        self.config = config
        lib = self.library
        for button in (self.live_button, self.animation_button):
            button.setChecked(button.property("kind") == config.kind)
        if self.presets.kind != config.kind:
            self.presets.set_kind(config.kind)
        for edit, text in ((self.subject, config.subject), (self.scene, config.scene)):
            if edit.text() != text:
                edit.setText(text)
        options = {f: lib.available_options(f, config) for f in pickers_for(config.kind)}
        self.pickers.show_config(config, options)
        messages = lib.validate(config)
        self.checks.show_messages(messages)
        self.side_tabs.setTabText(0, f"Checks ({len(messages)})" if messages else "Checks")
        self.render_prompt()
        self.config_shown.emit()

    def render_prompt(self) -> None:
        self.prompt = self.library.prompt(self.config, self.preview.current_family())
        self.preview.show_prompt(self.prompt.positive, self.prompt.negative)

    def _remember(self) -> None:
        entry = HistoryEntry(self.config, self.prompt)
        if self.history and self.history[0] == entry:
            return
        self.history.insert(0, entry)
        del self.history[HISTORY_LIMIT:]
        families = self.library.generator.families
        self.history_view.show_entries(
            [
                (f"{families[e.prompt.family].label}: {e.prompt.positive}", e.prompt.positive)
                for e in self.history
            ]
        )
