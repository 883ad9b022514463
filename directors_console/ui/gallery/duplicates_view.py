"""The duplicate finder page: search settings, groups of copies, keep/trash actions.

The page only renders and asks: ``search_requested(near, threshold, whole_project)``
and ``cancel_requested`` go to the tab, which runs the core finder in a worker and
hands back :class:`DupFile` groups with :meth:`DuplicatesView.show_groups`. In every
group one file is suggested to keep (highest rating, then oldest) and the others are
marked; clicking "Keep this one" re-marks a group around another file. "Trash Marked…" asks
in a non-modal box that states the count and the space freed, then emits
``trash_requested(paths)``; the tab moves them to the project trash (restorable).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directors_console.ui.common.overflow import OverflowRow
from directors_console.ui.gallery.grid import human_size
from directors_console.ui.gallery.thumbs import placeholder

PathRole = Qt.ItemDataRole.UserRole + 1
MAX_GROUPS_SHOWN = 500
THUMB = 48
KEEP_COLUMN = 4


@dataclass(frozen=True)
class DupFile:
    path: str
    rel: str
    size: int
    mtime: float
    rating: int
    kind: str


def suggested_keep(files: list[DupFile]) -> DupFile:
    """Highest rated first, then the oldest (the original), then the shortest path."""
    return min(files, key=lambda f: (-f.rating, f.mtime, len(f.rel), f.rel))


class DuplicatesView(QWidget):
    search_requested = Signal(bool, int, bool)  # near, threshold, whole project
    cancel_requested = Signal()
    trash_requested = Signal(list)  # absolute paths
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryDuplicates")
        self.groups: list[list[DupFile]] = []
        self.confirm: QMessageBox | None = None
        self._placeholders = {k: QIcon(placeholder(k, THUMB)) for k in ("image", "video", "other")}
        layout = QVBoxLayout(self)
        controls = QWidget()
        controls.setLayout(self._build_controls())
        controls.layout().setContentsMargins(0, 0, 0, 0)  # type: ignore[union-attr]
        layout.addWidget(OverflowRow(controls))  # scrolls sideways when narrow
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            ["File (checked: to trash)", "Size", "Rating", "Modified", "Keep"]
        )
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemChanged.connect(lambda _i, _c: self._update_summary())
        self.tree.itemClicked.connect(self._clicked)
        layout.addWidget(self.tree, 1)
        foot = QHBoxLayout()
        self.summary = QLabel()
        foot.addWidget(self.summary, 1)
        self.trash_button = QPushButton("Trash Marked…")
        self.trash_button.setToolTip("Move the marked files to the project trash (restorable)")
        self.trash_button.clicked.connect(self.confirm_trash)
        foot.addWidget(self.trash_button)
        layout.addLayout(foot)
        self.show_message("Find byte-identical copies or look-alike images, then keep one of each.")

    def _build_controls(self) -> QHBoxLayout:
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Duplicates</b>"))
        self.scope = QComboBox()
        self.scope.addItems(["Whole project", "Current folder"])
        self.mode = QComboBox()
        self.mode.addItems(["Exact copies", "Look-alikes"])
        self.mode.setToolTip("Exact: same bytes. Look-alikes: images that look the same")
        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(0, 20)
        self.threshold.setValue(6)
        self.threshold.setFixedWidth(120)
        self.threshold.setToolTip("How different look-alikes may be (bits of a 64-bit hash)")
        self.threshold_label = QLabel()
        self.threshold.valueChanged.connect(self._show_threshold)
        self.mode.currentIndexChanged.connect(lambda _i: self._show_threshold())
        self.find_button = QPushButton("&Find")
        self.find_button.clicked.connect(self.start_search)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(140)
        self.progress.hide()
        back = QPushButton("&Back")
        back.setToolTip("Back to the files")
        back.clicked.connect(self.closed)
        for widget in (self.scope, self.mode, self.threshold, self.threshold_label):
            head.addWidget(widget)
        head.addWidget(self.find_button)
        head.addWidget(self.cancel_button)
        head.addWidget(self.progress)
        head.addStretch(1)
        head.addWidget(back)
        self._show_threshold()
        return head

    def _show_threshold(self) -> None:
        near = self.mode.currentIndex() == 1
        self.threshold.setEnabled(near)
        self.threshold_label.setEnabled(near)
        self.threshold_label.setText(f"tolerance {self.threshold.value()}")

    # -- search -----------------------------------------------------------------------

    def start_search(self) -> None:
        near = self.mode.currentIndex() == 1
        self.search_requested.emit(near, self.threshold.value(), self.scope.currentIndex() == 0)

    def set_busy(self, busy: bool) -> None:
        self.find_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
            self.show_message("Searching…")

    def show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def show_message(self, text: str) -> None:
        self.tree.clear()
        self.groups = []
        item = QTreeWidgetItem([text])
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.tree.addTopLevelItem(item)
        self._update_summary()

    # -- results ----------------------------------------------------------------------

    def show_groups(self, groups: list[list[DupFile]], near: bool) -> None:
        shown = [g for g in groups if len(g) > 1][:MAX_GROUPS_SHOWN]
        if not shown:
            self.show_message("No duplicates found." if not near else "No look-alikes found.")
            return
        self.tree.clear()
        self.groups = shown
        self.tree.blockSignals(True)
        for n, files in enumerate(shown, 1):
            self._add_group(n, files)
        self.tree.blockSignals(False)
        self.tree.expandAll()
        self._update_summary()
        if len(groups) > MAX_GROUPS_SHOWN:
            self.summary.setText(
                self.summary.text() + f" — showing the first {MAX_GROUPS_SHOWN} groups"
            )

    def _add_group(self, n: int, files: list[DupFile]) -> None:
        sizes = sum(f.size for f in files)
        head = QTreeWidgetItem([f"Group {n} — {len(files)} files · {human_size(sizes)}"])
        head.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = head.font(0)
        font.setBold(True)
        head.setFont(0, font)
        self.tree.addTopLevelItem(head)
        keep = suggested_keep(files)
        for f in files:
            row = QTreeWidgetItem(
                [
                    f.rel,
                    human_size(f.size),
                    "★" * f.rating or "–",
                    time.strftime("%Y-%m-%d %H:%M", time.localtime(f.mtime)),
                    "",
                ]
            )
            row.setData(0, PathRole, f.path)
            row.setIcon(0, self._placeholders[f.kind])  # until the thumbnail arrives
            row.setToolTip(0, html.escape(f.path))
            row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            head.addChild(row)
            self._set_marked(row, f is not keep, suggested=f is keep)
            row.setText(KEEP_COLUMN, "Keep this one")
            row.setForeground(KEEP_COLUMN, self.palette().link())
            row.setToolTip(KEEP_COLUMN, "Keep this file and mark the others in the group")

    def _set_marked(self, row: QTreeWidgetItem, marked: bool, suggested: bool = False) -> None:
        row.setCheckState(0, Qt.CheckState.Checked if marked else Qt.CheckState.Unchecked)
        if suggested:
            row.setToolTip(1, "Suggested to keep: highest rating, then oldest")
            row.setText(2, row.text(2) + "  ✓ suggested")

    def _clicked(self, row: QTreeWidgetItem, column: int) -> None:
        if column == KEEP_COLUMN and row.parent() is not None:
            self.keep(row)

    def keep(self, row: QTreeWidgetItem) -> None:
        """Keep ``row`` and mark every other file of its group."""
        group = row.parent()
        if group is None:
            return
        for i in range(group.childCount()):
            child = group.child(i)
            if child is not None:
                self._set_marked(child, child is not row)
        self._update_summary()

    def set_thumbnail(self, path: str, pixmap: QPixmap) -> None:
        for row in self.rows():
            if row.data(0, PathRole) == path:
                row.setIcon(0, QIcon(pixmap))

    def rows(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            if group is not None:
                kids = (group.child(i) for i in range(group.childCount()))
                out.extend(k for k in kids if k is not None)
        return out

    def marked(self) -> list[str]:
        return [
            str(r.data(0, PathRole))
            for r in self.rows()
            if r.checkState(0) == Qt.CheckState.Checked
        ]

    def _sizes(self) -> dict[str, int]:
        return {f.path: f.size for g in self.groups for f in g}

    def _update_summary(self) -> None:
        marked = self.marked()
        sizes = self._sizes()
        freed = sum(sizes.get(p, 0) for p in marked)
        self.trash_button.setEnabled(bool(marked))
        if not self.groups:
            self.summary.setText("")
            return
        count = len(self.groups)
        self.summary.setText(
            f"{count} group{'s' * (count != 1)} · {len(marked)} marked · "
            f"{human_size(freed)} to free"
        )

    def remove_paths(self, paths: list[str]) -> None:
        """Drop rows of files that are gone; groups left with one file go too."""
        gone = set(paths)
        groups = [[f for f in g if f.path not in gone] for g in self.groups]
        marks = {p for p in self.marked() if p not in gone}
        remaining = [g for g in groups if len(g) > 1]
        if not remaining:
            self.show_message("No duplicates left.")
            return
        self.show_groups(remaining, near=False)
        self.tree.blockSignals(True)
        for row in self.rows():
            self._set_marked(row, row.data(0, PathRole) in marks)
        self.tree.blockSignals(False)
        self._update_summary()

    # -- trash ------------------------------------------------------------------------

    def confirm_trash(self) -> None:
        marked = self.marked()
        if not marked:
            return
        freed = sum(self._sizes().get(p, 0) for p in marked)
        count = len(marked)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Trash Duplicates",
            f"Move {count} file{'s' * (count != 1)} ({human_size(freed)}) to the project "
            f"trash? You can restore {'them' if count > 1 else 'it'} from the Trash.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        move = box.addButton("Move to Trash", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(move)
        box.buttonClicked.connect(
            lambda button: self.trash_requested.emit(marked) if button is move else None
        )
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()
