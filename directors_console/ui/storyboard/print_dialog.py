"""The storyboard's print and export dialog: sheet options, a live preview, exports.

A non-modal dialog. The user picks panels per row (1–4), what each caption shows
(notes, metadata, ratings), paper and orientation; the preview re-renders the chosen
page in a worker thread shortly after each change. Export buttons write a paginated
PDF, a PNG contact sheet or a CSV shot list: the file is chosen with a non-modal file
dialog, the work runs in a worker thread with a progress bar and a Cancel button, and
the outcome is published as a user notice. The board is copied when an export starts,
so later edits on the canvas do not reach a half-written file. Video panels print their
first frame from the canvas's cache (``video_frame``); asking for one starts its load,
so the preview is drawn again a few times while frames are still missing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QImage, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from directors_console.bridge.tasks import TaskManager
from directors_console.bridge.threads import Workers, from_worker
from directors_console.core.events import EventBus, UserNotice
from directors_console.core.storyboard.model import Board
from directors_console.core.storyboard.sheets import (
    MAX_PER_ROW,
    MIN_PER_ROW,
    Orientation,
    Paper,
    SheetOptions,
    page_size,
)
from directors_console.ui.storyboard.export import (
    ExportCancelled,
    ExportJob,
    VideoFrame,
    page_layout,
    print_document,
    render_page,
    write_contact_sheet,
    write_pdf,
    write_shot_list,
)

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 420  # the smallest preview page; it grows with the dialog
PREVIEW_DELAY_MS = 120
FRAME_RETRY_MS = 1500  # redraw the preview while video frames are still loading
FRAME_RETRIES = 3
KINDS = {
    "pdf": ("Export PDF…", "PDF document (*.pdf)", ".pdf"),
    "png": ("Contact sheet PNG…", "PNG image (*.png)", ".png"),
    "csv": ("Shot list CSV…", "CSV table (*.csv)", ".csv"),
}


class PrintDialog(QDialog):
    """Sheet options, preview and exports for one board; ``board()`` gives the live board."""

    preview_ready = Signal(int)  # page number shown
    export_finished = Signal(str, str)  # kind, "" on success else the reason

    def __init__(
        self,
        board: Callable[[], Board],
        folder: Path,
        project: str,
        tasks: TaskManager,
        workers: Workers,
        bus: EventBus,
        parent: QWidget | None = None,
        video_frame: VideoFrame | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StoryboardPrintDialog")
        self.setWindowTitle("Print and export storyboard")
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.board = board
        self.folder = folder
        self.project = project
        self.tasks = tasks
        self.workers = workers
        self.bus = bus
        self.video_frame = video_frame
        self.cancel_event: threading.Event | None = None
        self.file_dialog: QFileDialog | None = None
        self.print_setup: QPrintDialog | None = None
        self.preview_image: QImage | None = None
        self._generation = 0
        self.page_count = 1
        self._rendered_width = 0
        self._build()
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self.refresh_preview)
        self.frame_retries = 0
        self.frame_timer = QTimer(self)
        self.frame_timer.setSingleShot(True)
        self.frame_timer.setInterval(FRAME_RETRY_MS)
        self.frame_timer.timeout.connect(self._retry_frames)
        for signal in (
            self.per_row.valueChanged,
            self.notes.toggled,
            self.metadata.toggled,
            self.ratings.toggled,
            self.paper.currentIndexChanged,
            self.orientation.currentIndexChanged,
            self.page.valueChanged,
        ):
            signal.connect(self.preview_timer.start)
            signal.connect(self._reset_frame_retries)
        self.preview_timer.start()

    def _build(self) -> None:
        self.per_row = QSpinBox()
        self.per_row.setRange(MIN_PER_ROW, MAX_PER_ROW)
        self.per_row.setValue(2)
        self.notes = QCheckBox("Notes")
        self.metadata = QCheckBox("Metadata (version, seed, template)")
        self.ratings = QCheckBox("Ratings")
        for box in (self.notes, self.metadata, self.ratings):
            box.setChecked(True)
        self.paper = QComboBox()
        for paper in Paper:
            self.paper.addItem(paper.value, paper)
        self.orientation = QComboBox()
        for orientation in Orientation:
            self.orientation.addItem(orientation.value.capitalize(), orientation)
        self.page = QSpinBox()
        self.page.setRange(1, 1)
        self.page_label = QLabel("of 1")

        form = QFormLayout()
        form.addRow("Panels per row", self.per_row)
        form.addRow("Show", self.notes)
        form.addRow("", self.metadata)
        form.addRow("", self.ratings)
        form.addRow("Paper", self.paper)
        form.addRow("Orientation", self.orientation)
        pages = QHBoxLayout()
        pages.addWidget(self.page)
        pages.addWidget(self.page_label)
        form.addRow("Preview page", pages)

        self.buttons: dict[str, QPushButton] = {}
        column = QVBoxLayout()
        column.addLayout(form)
        column.addStretch(1)
        for kind, (text, _filter, _suffix) in KINDS.items():
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=kind: self.choose_file(k))
            self.buttons[kind] = button
            column.addWidget(button)
        print_button = QPushButton("Print…")
        print_button.clicked.connect(self.choose_printer)
        self.buttons["print"] = print_button
        column.addWidget(print_button)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_export)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addWidget(self.cancel_button)
        column.addWidget(close)

        self.preview = QLabel("Rendering preview…")
        self.preview.setObjectName("StoryboardPrintPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_WIDTH + 8, int(PREVIEW_WIDTH * 1.42) + 8)
        self.preview.setStyleSheet("background: #55585f;")
        # The page image follows the label's size, never the other way round.
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        layout = QHBoxLayout(self)
        layout.addLayout(column)
        layout.addWidget(self.preview, 1)

    # -- options and preview ------------------------------------------------------------------

    def options(self) -> SheetOptions:
        return SheetOptions(
            per_row=self.per_row.value(),
            notes=self.notes.isChecked(),
            metadata=self.metadata.isChecked(),
            ratings=self.ratings.isChecked(),
            paper=Paper(self.paper.currentData()),
            orientation=Orientation(self.orientation.currentData()),
        )

    def job(self) -> ExportJob:
        return ExportJob.of(
            self.board(), self.folder, self.project, self.options(), self.video_frame
        )

    def showEvent(self, event: QShowEvent) -> None:
        self.frame_retries = 0  # reopened: ask for missing video frames again
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.frame_timer.stop()  # no redraws for a closed dialog
        super().hideEvent(event)

    def _reset_frame_retries(self) -> None:
        self.frame_retries = 0

    def _retry_frames(self) -> None:
        self.frame_retries += 1
        self.refresh_preview()

    def refresh_preview(self) -> None:
        job = self.job()
        waiting = job.missing_frames() and self.video_frame is not None
        if waiting and self.frame_retries < FRAME_RETRIES and self.isVisible():
            self.frame_timer.start()
        self.page_count = len(job.pages())
        self.page.setMaximum(self.page_count)
        self.page_label.setText(f"of {self.page_count}")
        self._generation += 1
        self.tasks.run_task(
            self._render(job, self.page.value(), self._generation), self, "Rendering print preview"
        )

    def preview_width(self) -> int:
        """The page width in pixels that fills the preview area (at least PREVIEW_WIDTH)."""
        options = self.options()
        page_w, page_h = page_size(options.paper, options.orientation)
        area = self.preview.contentsRect()
        fit = min(area.width() - 8, (area.height() - 8) * page_w / page_h)
        return max(PREVIEW_WIDTH, int(fit))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.isVisible() and self.preview_width() != self._rendered_width:
            self.preview_timer.start()

    async def _render(self, job: ExportJob, number: int, generation: int) -> None:
        width = self.preview_width()
        ratio = self.devicePixelRatioF()
        image = await self.workers.in_thread(render_page, job, number, round(width * ratio))
        if generation != self._generation:
            return  # options changed meanwhile; a newer render is on its way
        self.preview_image = image
        self._rendered_width = width
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(ratio)  # sharp text on high-DPI screens
        self.preview.setPixmap(pixmap)
        self.preview_ready.emit(number)

    # -- exports -------------------------------------------------------------------------------

    def choose_file(self, kind: str) -> None:
        text, name_filter, suffix = KINDS[kind]
        dialog = QFileDialog(self, text.rstrip("…"), str(self.folder), name_filter)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix.lstrip("."))
        dialog.selectFile(f"{self.project}_storyboard{suffix}")
        dialog.fileSelected.connect(lambda path: self.start_export(kind, Path(path)))
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()

    def choose_printer(self) -> QPrintDialog:
        """The system print dialog (opened with open()); printing starts when it is accepted."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(page_layout(self.options()))
        printer.setDocName(f"{self.project} — storyboard")
        dialog = QPrintDialog(printer, self)
        dialog.accepted.connect(lambda: self.start_export("print", printer))
        dialog.finished.connect(dialog.deleteLater)
        self.print_setup = dialog
        QDialog.open(dialog)  # QPrintDialog.open() wants a slot; the plain one is enough
        return dialog

    def busy(self) -> bool:
        return self.cancel_event is not None

    def start_export(self, kind: str, target: Path | QPrinter) -> None:
        if self.busy():
            self.status.setText("An export is already running.")
            return
        self.cancel_event = threading.Event()
        for button in self.buttons.values():
            button.setEnabled(False)
        self.progress.setRange(0, max(1, len(self.board().panels)))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        if isinstance(target, Path):
            label = target.name
        else:
            label = target.outputFileName() or target.printerName() or "the printer"
        self.status.setText(f"Writing {label}…")
        self.tasks.run_task(
            self._export(kind, target, label, self.cancel_event), self, f"Export {kind}"
        )

    def cancel_export(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.status.setText("Cancelling…")

    def _set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    async def _export(
        self, kind: str, target: Path | QPrinter, label: str, cancel: threading.Event
    ) -> None:
        progress = from_worker(self._set_progress)  # called in the worker thread

        job = self.job()
        error = ""
        try:
            if isinstance(target, QPrinter):
                pages = await self.workers.in_thread(print_document, target, job, progress, cancel)
                done = f"{pages} page{'s' if pages != 1 else ''}"
                message = f"Printed {pages} page{'s' if pages != 1 else ''} to {label}."
            elif kind == "pdf":
                pages = await self.workers.in_thread(write_pdf, target, job, progress, cancel)
                done = f"{pages} page{'s' if pages != 1 else ''}"
            elif kind == "png":
                w, h = await self.workers.in_thread(
                    write_contact_sheet, target, job, 6, 320, progress, cancel
                )
                done = f"{w}×{h} px"
            else:
                rows = await self.workers.in_thread(
                    write_shot_list, target, self.board().model_copy(deep=True)
                )
                done = f"{rows} row{'s' if rows != 1 else ''}"
            if not isinstance(target, QPrinter):
                message = f"Saved {label} ({done})."
        except ExportCancelled:
            error = message = "Export cancelled; nothing was written."
        except OSError as exc:
            log.warning("storyboard export to %s failed: %s", label, exc)
            error = message = f"Could not write {label}: {exc.strerror or exc}"
        finally:
            self.cancel_event = None
            for button in self.buttons.values():
                button.setEnabled(True)
            self.progress.setVisible(False)
            self.cancel_button.setVisible(False)
        self.status.setText(message)
        self.bus.publish(UserNotice("Storyboard", message, "warning" if error else "info"))
        self.export_finished.emit(kind, error)
