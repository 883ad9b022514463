"""The Storyboard's left sidebar: what to render for the selected panels, and Generate.

Template categories are sub-tabs; the picker lists that category's templates and the
form below is built from the chosen template's exposed parameters. The camera angle
(one of the :class:`AngleLibrary`'s 144, on the visual :class:`AnglePicker`), prompt,
negative prompt,
variations, seed mode and "spread across nodes" complete the request. The widget owns
no domain state: :meth:`request` turns what is on screen into a core
:class:`GenerationRequest`, and the tab says whether Generate may be pressed and why not.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from directors_console.core.farm.seeds import MAX_SEED
from directors_console.core.storyboard.generate import MAX_VARIATIONS, GenerationRequest
from directors_console.core.templates import (
    Angle,
    AngleLibrary,
    Category,
    Lora,
    ParamType,
    SeedMode,
    Template,
)
from directors_console.core.templates.model import Parameter
from directors_console.ui.storyboard.angle_picker import AnglePicker

CATEGORY_TABS: list[tuple[str, tuple[Category, ...]]] = [
    ("Text-to-Image", (Category.TEXT_TO_IMAGE,)),
    ("Image-to-Image", (Category.IMAGE_TO_IMAGE,)),
    ("Image Editing", (Category.IMAGE_EDITING, Category.INPAINT)),
    ("Upscaling", (Category.UPSCALING,)),
    ("Video", (Category.VIDEO,)),
]
NO_ANGLE = ""
SIDEBAR_WIDTH = 320


class ParamField:
    """One editor for one template parameter; ``value()`` raises ValueError if unusable."""

    def __init__(self, param: Parameter) -> None:
        self.param = param
        self.widget: QWidget
        kind = param.type
        default = param.default
        if kind == ParamType.INT:
            box = QSpinBox()
            box.setRange(int(param.min if param.min is not None else -(2**31) + 1), 2**31 - 1)
            if param.max is not None:
                box.setMaximum(int(param.max))
            if param.step:
                box.setSingleStep(int(param.step))
            box.setValue(int(default or 0))
            self.widget = box
        elif kind == ParamType.FLOAT:
            dbox = QDoubleSpinBox()
            dbox.setDecimals(3)
            dbox.setRange(
                param.min if param.min is not None else -1e6,
                param.max if param.max is not None else 1e6,
            )
            dbox.setSingleStep(param.step or 0.05)
            dbox.setValue(float(default or 0.0))
            self.widget = dbox
        elif kind == ParamType.BOOL:
            check = QCheckBox()
            check.setChecked(bool(default))
            self.widget = check
        elif kind == ParamType.CHOICE:
            combo = QComboBox()
            for choice in param.choices or ():
                combo.addItem(str(choice), choice)
            if default is not None:
                combo.setCurrentIndex(max(0, combo.findData(default)))
            self.widget = combo
        else:
            line = QLineEdit("" if default is None else str(default))
            line.setCursorPosition(0)
            if kind == ParamType.SEED:
                line.setPlaceholderText("0 … 2^64-1")
            self.widget = line
        self.widget.setObjectName(f"param_{param.name}")
        self.widget.setToolTip(param.description or param.display_label)

    def value(self) -> Any:
        w = self.widget
        if isinstance(w, QSpinBox | QDoubleSpinBox):
            return w.value()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        assert isinstance(w, QLineEdit)
        text = w.text().strip()
        if self.param.type == ParamType.SEED:
            if not text.isdigit() or int(text) > MAX_SEED:
                raise ValueError(f"{self.param.display_label}: a seed is a whole number ≥ 0.")
            return int(text)
        return text


class CategoryTabs(QWidget):
    """The category sub-tabs as a compact grid of toggle buttons (five do not fit a row)."""

    currentChanged = Signal(int)

    def __init__(self, labels: list[str]) -> None:
        super().__init__()
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 8, 8, 4)
        grid.setSpacing(4)
        for index, label in enumerate(labels):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setObjectName("CategoryTab")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.group.addButton(button, index)
            # Two wide buttons on the first row, the rest share the second (6 columns).
            if index < 2:
                grid.addWidget(button, 0, index * 3, 1, 3)
            else:
                grid.addWidget(button, 1 + (index - 2) // 3, ((index - 2) % 3) * 2, 1, 2)
        self.setStyleSheet(
            "QToolButton#CategoryTab { padding: 4px 2px; border: 1px solid #3c3f47;"
            " border-radius: 4px; background: #2a2d34; color: #c8c9ce; }"
            "QToolButton#CategoryTab:hover { border-color: #5a5e68; }"
            "QToolButton#CategoryTab:checked { background: #3a5f86; border-color: #4aa3df;"
            " color: #ffffff; font-weight: bold; }"
        )
        first = self.group.button(0)
        if first is not None:
            first.setChecked(True)
        self.group.idToggled.connect(self._toggled)

    def _toggled(self, index: int, on: bool) -> None:
        if on:
            self.currentChanged.emit(index)

    def currentIndex(self) -> int:
        return self.group.checkedId()

    def setCurrentIndex(self, index: int) -> None:
        button = self.group.button(index)
        if button is not None:
            button.setChecked(True)

    def count(self) -> int:
        return len(self.group.buttons())

    def tabText(self, index: int) -> str:
        button = self.group.button(index)
        return button.text() if button is not None else ""


class GenerateSidebar(QWidget):
    generate_requested = Signal()
    import_requested = Signal()  # "Import workflow…": the tab opens the import dialog
    changed = Signal()

    def __init__(
        self,
        templates: list[Template],
        angles: AngleLibrary | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StoryboardGenerateSidebar")
        self.setFixedWidth(SIDEBAR_WIDTH)
        self.templates = sorted(templates, key=lambda t: t.name.lower())
        self.angles = angles
        self.fields: list[ParamField] = []

        self.categories = CategoryTabs([label for label, _cats in CATEGORY_TABS])
        self.categories.setObjectName("TemplateCategories")
        self.template_box = QComboBox()
        self.template_box.setObjectName("TemplatePicker")
        self.import_button = QToolButton()
        self.import_button.setObjectName("ImportWorkflow")
        self.import_button.setText("Import workflow…")
        self.import_button.setToolTip(
            "Import workflow…: make a template of a ComfyUI workflow (JSON, PNG, WebP, MP4)"
        )
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("TemplateDescription")
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)

        self.angle_picker = AnglePicker(angles)

        self.prompt = QPlainTextEdit()
        self.prompt.setObjectName("GeneratePrompt")
        self.prompt.setPlaceholderText("Describe the shot (or send one from Prompt Studio)")
        self.prompt.setFixedHeight(70)
        self.negative = QPlainTextEdit()
        self.negative.setPlaceholderText("Negative prompt (optional)")
        self.negative.setFixedHeight(44)
        self.variations = QSpinBox()
        self.variations.setObjectName("Variations")
        self.variations.setRange(1, MAX_VARIATIONS)
        self.seed_mode = QComboBox()
        for text, mode in [
            ("Seeds +1", SeedMode.INCREMENT),
            ("Random seeds", SeedMode.RANDOM),
            ("Same seed", SeedMode.FIXED),
        ]:
            self.seed_mode.addItem(text, mode)
        self.loras = QLineEdit()
        self.loras.setObjectName("GenerateLoras")
        self.loras.setPlaceholderText("LoRAs: style.safetensors:0.8, detail.safetensors")
        self.loras.setToolTip("LoRA files with an optional strength, separated by commas")
        self.spread = QCheckBox("Spread across render nodes")
        self.spread.setObjectName("SpreadNodes")
        self.spread.setToolTip("Pin each variation to a different online render node")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("GenerateButton")
        self.generate_button.setMinimumHeight(34)
        self.reason = QLabel()
        self.reason.setObjectName("GenerateReason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #d9a441;")

        inner = QWidget()
        col = QVBoxLayout(inner)
        col.setContentsMargins(10, 8, 10, 10)
        col.setSpacing(6)
        picker_head = QGridLayout()  # the picker keeps the full width; Import sits above it
        picker_head.setContentsMargins(0, 0, 0, 0)
        picker_head.addWidget(_heading("Template"), 0, 0, Qt.AlignmentFlag.AlignBottom)
        picker_head.addWidget(self.import_button, 0, 1)
        picker_head.setColumnStretch(0, 1)
        col.addLayout(picker_head)
        col.addWidget(self.template_box)
        col.addWidget(self.description)
        col.addWidget(self.form_host)
        col.addWidget(_heading("Camera angle"))
        col.addWidget(self.angle_picker)
        col.addWidget(_heading("Prompt"))
        col.addWidget(self.prompt)
        col.addWidget(self.negative)
        col.addWidget(self.loras)
        col.addWidget(_heading("Variations"))
        runs = QFormLayout()
        runs.addRow("Count", self.variations)
        runs.addRow("Seeds", self.seed_mode)
        col.addLayout(runs)
        col.addWidget(self.spread)
        col.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        footer = QVBoxLayout()
        footer.setContentsMargins(10, 4, 10, 10)
        footer.addWidget(self.reason)
        footer.addWidget(self.generate_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.categories)
        layout.addWidget(scroll, 1)
        layout.addLayout(footer)

        self.categories.currentChanged.connect(self._fill_templates)
        self.template_box.currentIndexChanged.connect(self._template_chosen)
        self.angle_picker.angle_changed.connect(self.changed)
        self.generate_button.clicked.connect(self.generate_requested)
        self.import_button.clicked.connect(self.import_requested)
        for signal in (self.variations.valueChanged, self.spread.toggled):
            signal.connect(self.changed)
        self._fill_templates(0)

    # -- templates ---------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self.angles is not None

    def set_library(self, templates: list[Template], angles: AngleLibrary) -> None:
        """The templates and angles, once read (off the UI thread, after start-up)."""
        self.templates = sorted(templates, key=lambda t: t.name.lower())
        self.angles = angles
        self.angle_picker.set_library(angles)
        self._fill_templates(self.categories.currentIndex())

    def _fill_templates(self, index: int) -> None:
        cats = CATEGORY_TABS[index][1] if 0 <= index < len(CATEGORY_TABS) else ()
        self.template_box.blockSignals(True)
        self.template_box.clear()
        for t in self.templates:
            if t.category in cats:
                self.template_box.addItem(t.name, t.id)
        if not self.template_box.count():
            empty = "No templates in this category" if self.loaded else "Loading templates…"
            self.template_box.addItem(empty, None)
        self.template_box.blockSignals(False)
        self._template_chosen()

    def template(self) -> Template | None:
        template_id = self.template_box.currentData()
        return next((t for t in self.templates if t.id == template_id), None)

    def select_template(self, template_id: str) -> bool:
        template = next((t for t in self.templates if t.id == template_id), None)
        if template is None:
            return False
        tab = next(i for i, (_l, cats) in enumerate(CATEGORY_TABS) if template.category in cats)
        self.categories.setCurrentIndex(tab)
        self.template_box.setCurrentIndex(self.template_box.findData(template_id))
        return True

    def _template_chosen(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = []
        template = self.template()
        self.description.setText(template.description if template else "")
        self.description.setVisible(bool(template and template.description))
        self.loras.setVisible(bool(template and template.lora_slots))
        if template is not None:
            for param in template.parameters:
                if param.type in (ParamType.PROMPT, ParamType.IMAGE):
                    continue
                field = ParamField(param)
                self.fields.append(field)
                self.form.addRow(param.display_label, field.widget)
        self.changed.emit()

    def set_values(self, values: dict[str, Any]) -> None:
        """Show a panel's stored parameter values where they fit the current template."""
        for f in self.fields:
            if f.param.name not in values:
                continue
            value, w = values[f.param.name], f.widget
            if isinstance(w, QSpinBox) and isinstance(value, int):
                w.setValue(value)
            elif isinstance(w, QDoubleSpinBox) and isinstance(value, int | float):
                w.setValue(float(value))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(value)))
            elif isinstance(w, QLineEdit):
                w.setText(str(value))

    # -- angle -------------------------------------------------------------------------------

    def angle(self) -> Angle | None:
        return self.angle_picker.angle()

    def set_angle(self, angle_id: str) -> None:
        """Show a stored angle id; unknown or empty means no angle."""
        self.angle_picker.set_angle_id(angle_id)

    # -- the request -------------------------------------------------------------------------

    def set_prompt(self, prompt: str, negative: str) -> None:
        self.prompt.setPlainText(prompt)
        self.negative.setPlainText(negative)

    def request(self, images: dict[str, str] | None = None) -> GenerationRequest:
        """What is on screen as a request; ValueError with a message if it is unusable."""
        template = self.template()
        if template is None:
            raise ValueError("Choose a template first.")
        values = {f.param.name: f.value() for f in self.fields}
        return GenerationRequest(
            template,
            values,
            prompt=self.prompt.toPlainText().strip(),
            negative=self.negative.toPlainText().strip(),
            angle=self.angle(),
            loras=parse_loras(self.loras.text()) if template.lora_slots else (),
            images=images or {},
            variations=self.variations.value(),
            seed_mode=SeedMode(self.seed_mode.currentData()),
            spread=self.spread.isChecked(),
        )

    def set_blocked(self, reason: str) -> None:
        """Enable Generate when ``reason`` is empty, else disable it and say why."""
        self.generate_button.setEnabled(not reason)
        self.generate_button.setToolTip(reason or "Render the selected panels")
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))


def parse_loras(text: str) -> tuple[Lora, ...]:
    """``"a.safetensors:0.8, b"`` -> LoRAs; ValueError with a message if a strength is bad."""
    out: list[Lora] = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        name, sep, strength = item.rpartition(":")
        if not sep:
            name, strength = item, "1"
        try:
            value = float(strength)
        except ValueError:
            raise ValueError(f"LoRA {item!r}: the strength after ':' must be a number.") from None
        out.append(Lora(name.strip(), value, value))
    return tuple(out)


def format_loras(loras: list[tuple[str, float]]) -> str:
    return ", ".join(name if strength == 1 else f"{name}:{strength:g}" for name, strength in loras)


def _heading(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setStyleSheet("color: #8b8d94; font-size: 8pt; font-weight: bold; margin-top: 6px;")
    return label
