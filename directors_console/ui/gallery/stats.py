"""Folder statistics window: counts by kind, sizes, ratings histogram, tags, dates, models.

The numbers come from :func:`core.gallery.stats.folder_stats`, run in a worker thread.
The window follows the tab's folder: a new folder (or ticking "Include sub-folders")
cancels the running count and starts another. It is non-modal and never blocks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers
from directors_console.core.gallery.scanner import Cancelled, CancelToken
from directors_console.core.gallery.stats import FolderStats, folder_stats
from directors_console.ui.gallery.grid import human_size


@dataclass(frozen=True)
class StatsSource:
    """What the counting needs, copied on the UI thread."""

    root: Path
    folder: str
    ratings: Mapping[str, int]
    file_tags: Mapping[str, set[str]]
    index_file: Path | None


class Histogram(QWidget):
    """Bars of files per star count (unrated first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = [0] * 6
        self.setMinimumSize(260, 110)

    def set_counts(self, counts: list[int]) -> None:
        self.counts = list(counts)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        top = max(self.counts) or 1
        width = self.width() // 6
        label_h = 18
        for stars, count in enumerate(self.counts):
            x = stars * width
            height = int((self.height() - 2 * label_h) * count / top)
            bar = QRect(x + 6, self.height() - label_h - height, width - 12, height)
            painter.fillRect(bar, QColor("#f5c518") if stars else palette.mid().color())
            painter.setPen(palette.text().color())
            label = QRect(x, self.height() - label_h, width, label_h)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, f"{stars}★" if stars else "none")
            value = QRect(x, bar.top() - label_h, width, label_h)
            painter.drawText(value, Qt.AlignmentFlag.AlignCenter, str(count))
        painter.end()


def _date(stamp: float | None) -> str:
    return dt.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M") if stamp else "—"


def _pairs(pairs: list[tuple[str, int]], empty: str) -> str:
    return "\n".join(f"{name} ({count})" for name, count in pairs) or empty


class FolderStatsDialog(QDialog):
    """Non-modal window; call :meth:`follow` whenever the tab's folder changes."""

    def __init__(
        self,
        tasks: TaskManager,
        workers: Workers,
        source: Callable[[], StatsSource | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryStats")
        self.setWindowTitle("Folder statistics")
        self.tasks = tasks
        self.workers = workers
        self.source = source
        self.stats: FolderStats | None = None
        self._cancel = CancelToken()
        self._task: asyncio.Task[None] | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.recursive = QCheckBox("Include sub-folders")
        self.recursive.toggled.connect(lambda _on: self.refresh())
        layout.addWidget(self.recursive)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for key, title in (
            ("files", "Files"),
            ("kinds", "By kind"),
            ("size", "Total size"),
            ("rated", "Rated / unrated"),
            ("dates", "Dates"),
            ("tags", "Tags used"),
            ("models", "Most used models"),
            ("seeds", "Repeated seeds"),
        ):
            label = QLabel("—")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.values[key] = label
            form.addRow(title, label)
        layout.addLayout(form)
        layout.addWidget(QLabel("Ratings"))
        self.histogram = Histogram()
        layout.addWidget(self.histogram)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(420, 520)

    def follow(self) -> None:
        """The tab's folder or project changed: recount if the window is open."""
        if self.isVisible():
            self.refresh()
        else:
            self.cancel()

    def cancel(self) -> None:
        self._cancel.cancel()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def refresh(self) -> None:
        self.cancel()
        source = self.source()
        if source is None:
            self.heading.setText("Open a project to see its statistics.")
            return
        where = source.folder or f"{source.root.name} (top folder)"
        self.heading.setText(f"Counting {where}…")
        self._cancel = token = CancelToken()
        self._task = self.tasks.run_task(
            self._count(source, self.recursive.isChecked(), token), self, "Folder statistics"
        )

    async def _count(self, source: StatsSource, recursive: bool, token: CancelToken) -> None:
        try:
            stats = await self.workers.in_thread(
                folder_stats,
                source.root,
                source.folder,
                recursive,
                source.ratings,
                source.file_tags,
                source.index_file,
                token,
            )
        except Cancelled:
            return
        if not token.cancelled:
            self.show_stats(stats, source.root.name)

    def show_stats(self, stats: FolderStats, project: str) -> None:
        self.stats = stats
        where = stats.folder or f"{project} (top folder)"
        self.heading.setText(
            f"<b>{where}</b>" + (" and its sub-folders" if stats.recursive else "")
        )
        v = self.values
        v["files"].setText(
            f"{stats.files}" + (f" ({stats.problems} unreadable)" * bool(stats.problems))
        )
        v["kinds"].setText(
            ", ".join(
                f"{count} {kind} ({human_size(stats.size_by_kind.get(kind, 0))})"
                for kind, count in sorted(stats.by_kind.items())
            )
            or "no files"
        )
        v["size"].setText(human_size(stats.total_size))
        v["rated"].setText(f"{stats.rated} rated, {stats.unrated} unrated")
        v["dates"].setText(f"{_date(stats.oldest)} → {_date(stats.newest)}")
        v["tags"].setText(_pairs(stats.tags, "no tags"))
        hint = "not indexed yet" if not stats.indexed else "none recorded"
        v["models"].setText(_pairs(stats.models, hint))
        v["seeds"].setText(_pairs(stats.seeds, hint if not stats.indexed else "no seed repeats"))
        self.histogram.set_counts(stats.histogram)

    def closeEvent(self, event: object) -> None:
        self.cancel()
        super().closeEvent(event)  # type: ignore[arg-type]
