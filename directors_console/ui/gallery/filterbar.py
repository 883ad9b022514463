"""The Gallery's filter bar: text search, minimum rating, kind, trash, index progress."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from directors_console.ui.gallery.filter_extras import FilterExtras


class FilterBar(QWidget):
    changed = Signal()
    trash_clicked = Signal()
    tags_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryFilters")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts, models, LoRAs, names…")
        self.search.setToolTip("Searches the whole project through the search index")
        self.search.setClearButtonEnabled(True)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(250)
        self._typing.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._typing.start())
        self.search.returnPressed.connect(self.changed)
        layout.addWidget(self.search, 1)
        self.rating = QComboBox()
        self.rating.addItem("Any rating", 0)
        for stars in range(1, 6):
            self.rating.addItem("★" * stars + (" or more" if stars < 5 else ""), stars)
        self.rating.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.rating.setMinimumContentsLength(8)
        self.rating.currentIndexChanged.connect(lambda _i: self.changed.emit())
        layout.addWidget(self.rating)
        self.kind_box = QComboBox()
        self.kind_box.addItem("All media", None)
        self.kind_box.addItem("Images", "image")
        self.kind_box.addItem("Videos", "video")
        self.kind_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind_box.setMinimumContentsLength(10)
        self.kind_box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        layout.addWidget(self.kind_box)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setFormat("Indexing %v/%m")
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress.hide()
        self.status = QLabel()  # the tab places these two beside the breadcrumb
        self.status.setObjectName("GalleryStatus")
        self.tags_button = QPushButton("Ta&gs…")
        self.tags_button.setObjectName("GalleryTagsButton")
        self.tags_button.setToolTip("Manage the project's tags: add, rename, recolour, delete")
        self.tags_button.clicked.connect(self.tags_clicked)
        layout.addWidget(self.tags_button)
        self.trash_button = QPushButton("&Trash")
        self.trash_button.setToolTip("Show trashed files; restore them or empty the trash")
        self.trash_button.clicked.connect(self.trash_clicked)
        layout.addWidget(self.trash_button)
        # Second row (scope, dates, tags, sort, saved views, stats); the tab places it.
        self.extras = FilterExtras()
        self.extras.changed.connect(self.changed)

    def words(self) -> str:
        return self.search.text().strip()

    def rating_min(self) -> int:
        return int(self.rating.currentData() or 0)

    def kind(self) -> str | None:
        value = self.kind_box.currentData()
        return str(value) if value else None

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def show_progress(self, done: int, total: int) -> None:
        """``(-1, -1)`` hides the bar; ``total == 0`` is a busy bar."""
        if done < 0:
            self.progress.hide()
            return
        self.progress.setRange(0, max(0, total))
        self.progress.setValue(done)
        self.progress.show()
        self.status.setText("Indexing…")
