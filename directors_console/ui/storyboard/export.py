"""Paint storyboard sheets: PDF pages, preview pages, a PNG contact sheet; write shot lists.

Notes are drawn as Markdown (:mod:`print_notes`) in the boxes ``core.storyboard.sheets``
computes; a panel showing a video gets its first frame (taken from the canvas's cache
when the job is made) with a "video" badge, else a film-strip tile (:mod:`print_media`).

Every function here is safe to run in a worker thread: it paints only on QImage,
QPrinter and QPdfWriter (Qt documents painting on QImage and QPrinter from any thread;
QPdfWriter drives the same PDF engine as a PDF QPrinter; the tests and the benchmark
write PDFs from worker threads), touches no widget and reads a frozen
:class:`ExportJob` (deep copies of the panels). Long writers report ``progress(done,
total)`` after each panel and stop with :class:`ExportCancelled` when ``cancel`` is set;
files are written beside the target and moved into place only when complete.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPolygonF,
)
from PySide6.QtPrintSupport import QPrinter

from directors_console.core.storage import atomic_write_text, fsync_dir
from directors_console.core.storyboard.model import Board, Panel
from directors_console.core.storyboard.sheets import (
    PAGE_NOTE_FONTS,
    SHEET_NOTE_FONTS,
    SHEET_NOTE_HEIGHT,
    Box,
    Cell,
    Orientation,
    Page,
    Paper,
    SheetOptions,
    caption,
    contact_sheet,
    is_video,
    layout_pages,
    page_size,
    reading_order,
    shot_list_csv,
    video_label,
)
from directors_console.ui.common.images import shrunk
from directors_console.ui.storyboard.print_media import paint_video_badge, paint_video_tile
from directors_console.ui.storyboard.print_notes import draw_note, fitted_note

Progress = Callable[[int, int], None]
PDF_DPI = 72  # device units are points, as in core.storyboard.sheets
IMAGE_DPI = 150  # pixels embedded per inch of printed image
INK = QColor("#1f2024")
MUTED = QColor("#6b6d74")
RULE = QColor("#c9cad0")
EMPTY_FILL = QColor("#eceef2")
STAR_ON = QColor("#e0982a")
STAR_OFF = QColor("#c4c6cc")
SHEET_BG = QColor("#1c1e23")
SHEET_TEXT = QColor("#e4e4e7")
SHEET_THUMB = QColor("#2a2d34")


class ExportCancelled(Exception):
    """The user cancelled; nothing was written."""


VideoFrame = Callable[[str, str], QImage | None]  # (image path, panel id) -> first frame


@dataclass(frozen=True)
class ExportJob:
    """What to export: panels in reading order (copies), their folder, the project name,
    and the first frames of the videos panels show (by panel id; QImage copies are cheap
    and safe to read from the worker thread)."""

    panels: tuple[Panel, ...]
    folder: Path
    project: str
    options: SheetOptions = field(default_factory=SheetOptions)
    frames: Mapping[str, QImage] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        board: Board,
        folder: Path,
        project: str,
        options: SheetOptions,
        video_frame: VideoFrame | None = None,
    ) -> ExportJob:
        """A frozen copy of ``board``; ``video_frame`` (called here, on the UI thread)
        gives the first frame of a video panel if the canvas has it."""
        panels = tuple(p.model_copy(deep=True) for p in reading_order(board.panels))
        frames: dict[str, QImage] = {}
        if video_frame is not None:
            for panel in panels:
                if panel.image and is_video(panel):
                    frame = video_frame(panel.image, panel.id)
                    if frame is not None and not frame.isNull():
                        frames[panel.id] = QImage(frame)
        return cls(panels, folder, project, options, frames)

    def missing_frames(self) -> int:
        """Video panels drawn as a tile because their first frame is not known yet."""
        return sum(1 for p in self.panels if is_video(p) and p.id not in self.frames)

    def picture(self, panel: Panel, longest: int) -> QImage | None:
        """What the image box shows: the still, a video's first frame, or None."""
        if is_video(panel):
            frame = self.frames.get(panel.id)
            return None if frame is None else shrunk(frame, longest)
        return load_image(self.image_path(panel), longest)

    def pages(self) -> list[Page]:
        return layout_pages(len(self.panels), self.options)

    def image_path(self, panel: Panel) -> Path | None:
        if not panel.image:
            return None
        path = Path(panel.image)
        return path if path.is_absolute() else self.folder / path


def _never(_done: int, _total: int) -> None:
    return None


def load_image(path: Path | None, longest: int) -> QImage | None:
    if path is None:
        return None
    image = QImage(str(path))
    if image.isNull():
        return None
    return shrunk(image, longest)


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(pixels)  # pixels are user units: points on the PDF, scaled in previews
    font.setBold(bold)
    return font


def _star(rect: QRectF) -> QPolygonF:
    cx, cy, outer = rect.center().x(), rect.center().y(), rect.width() / 2
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else outer * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return QPolygonF(points)


def paint_stars(painter: QPainter, x: float, y: float, size: float, rating: int) -> float:
    """Five stars from (x, y) (top left); returns the width used."""
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    for i in range(5):
        painter.setBrush(STAR_ON if i < rating else STAR_OFF)
        painter.drawPolygon(_star(QRectF(x + i * (size + 1), y, size, size)))
    painter.restore()
    return 5 * (size + 1)


def _fit(image: QImage, box: QRectF) -> QRectF:
    scale = min(box.width() / image.width(), box.height() / image.height())
    size = QSizeF(image.width() * scale, image.height() * scale)
    return QRectF(
        box.x() + (box.width() - size.width()) / 2,
        box.y() + (box.height() - size.height()) / 2,
        size.width(),
        size.height(),
    )


def _rect(box: Box) -> QRectF:
    return QRectF(box.x, box.y, box.width, box.height)


def paint_header(painter: QPainter, job: ExportJob, number: int, count: int) -> None:
    width, _height = page_size(job.options.paper, job.options.orientation)
    margin = 36.0
    painter.setPen(INK)
    painter.setFont(_font(12, bold=True))
    title = QRectF(margin, margin - 4, width - 2 * margin, 18)
    painter.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, job.project)
    painter.setFont(_font(9))
    painter.setPen(MUTED)
    painter.drawText(
        title,
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        f"Page {number} of {count}",
    )
    painter.setPen(QPen(RULE, 0.8))
    painter.drawLine(QPointF(margin, margin + 17), QPointF(width - margin, margin + 17))


def paint_picture(
    painter: QPainter, panel: Panel, box: QRectF, image: QImage | None, dark: bool = False
) -> None:
    """The image box of one panel: its still, a video frame with a badge, a film-strip
    tile for a video without a frame, or "no image yet"."""
    label = video_label(panel)
    if image is None and label is not None:
        paint_video_tile(painter, box, label)
        return
    painter.fillRect(box, SHEET_THUMB if dark else EMPTY_FILL)
    if image is not None:
        painter.drawImage(_fit(image, box), image)
        if label is not None:
            paint_video_badge(painter, box, label)
    elif not dark:
        painter.setPen(MUTED)
        painter.setFont(_font(9))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "no image yet")


def paint_cell(
    painter: QPainter, job: ExportJob, panel: Panel, cell: Cell, image: QImage | None
) -> None:
    box = _rect(cell.image)
    paint_picture(painter, panel, box, image)
    painter.setPen(QPen(RULE, 0.6))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(box)

    text = caption(panel, job.options)
    name_box = cell.name
    x, y, w, line = name_box.x, name_box.y, name_box.width, name_box.height
    star_w = 0.0
    if text.rating:
        star_w = paint_stars(painter, x + w - 5 * 10, y + 1, 9, panel.rating)
    name_font = _font(10, bold=True)
    painter.setFont(name_font)
    painter.setPen(INK)
    name = QFontMetricsF(name_font).elidedText(
        text.name, Qt.TextElideMode.ElideRight, w - star_w - 4
    )
    painter.drawText(QRectF(x, y, w - star_w, line), Qt.AlignmentFlag.AlignVCenter, name)
    if text.metadata and cell.metadata is not None:
        small = _font(8)
        painter.setFont(small)
        painter.setPen(MUTED)
        meta = QFontMetricsF(small).elidedText(text.metadata, Qt.TextElideMode.ElideRight, w)
        painter.drawText(_rect(cell.metadata), Qt.AlignmentFlag.AlignVCenter, meta)
    if cell.notes is not None and panel.notes.strip():
        notes = cell.notes
        doc = fitted_note(panel.notes, notes.width, notes.height, PAGE_NOTE_FONTS)
        draw_note(painter, doc, _rect(notes), INK)


def paint_page(
    painter: QPainter,
    job: ExportJob,
    page: Page,
    count: int,
    images: Sequence[QImage | None],
) -> None:
    """One page in points; ``images`` follow ``page.cells``."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    paint_header(painter, job, page.number, count)
    for cell, image in zip(page.cells, images, strict=True):
        paint_cell(painter, job, job.panels[cell.index], cell, image)


def _page_images(job: ExportJob, page: Page, dpi: float) -> list[QImage | None]:
    if not page.cells:
        return []
    longest = int(max(page.cells[0].image.width, page.cells[0].image.height) * dpi / 72)
    return [job.picture(job.panels[c.index], longest) for c in page.cells]


def _temp_beside(path: Path) -> Path:
    return path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part{path.suffix}")


def _commit(temp: Path, path: Path) -> None:
    with open(temp, "rb+") as handle:
        os.fsync(handle.fileno())
    temp.replace(path)
    fsync_dir(path.parent)


def page_layout(options: SheetOptions) -> QPageLayout:
    """The paper and orientation of ``options``, without margins (the sheet has its own)."""
    size = QPageSize.PageSizeId.A4 if options.paper is Paper.A4 else QPageSize.PageSizeId.Letter
    orientation = (
        QPageLayout.Orientation.Landscape
        if options.orientation is Orientation.LANDSCAPE
        else QPageLayout.Orientation.Portrait
    )
    return QPageLayout(QPageSize(size), orientation, QMarginsF(0, 0, 0, 0))


def paint_document(
    painter: QPainter,
    job: ExportJob,
    new_page: Callable[[], object],
    progress: Progress = _never,
    cancel: threading.Event | None = None,
) -> int:
    """Every page through ``painter`` (in points); returns the page count."""
    pages = job.pages()
    done = 0
    for page in pages:
        if page.number > 1:
            new_page()
        paint_page(painter, job, page, len(pages), _page_images(job, page, IMAGE_DPI))
        done += len(page.cells)
        progress(done, len(job.panels))
        if cancel is not None and cancel.is_set():
            raise ExportCancelled()
    return len(pages)


def write_pdf(
    path: Path,
    job: ExportJob,
    progress: Progress = _never,
    cancel: threading.Event | None = None,
) -> int:
    """Write every page to ``path``; returns the page count."""
    temp = _temp_beside(path)
    writer = QPdfWriter(str(temp))
    writer.setResolution(PDF_DPI)
    writer.setTitle(f"{job.project} — storyboard")
    writer.setCreator("Director's Console")
    writer.setPageLayout(page_layout(job.options))
    painter = QPainter(writer)
    try:
        count = paint_document(painter, job, writer.newPage, progress, cancel)
    except BaseException:
        painter.end()
        del painter, writer
        temp.unlink(missing_ok=True)
        raise
    painter.end()
    del painter, writer  # flushes and closes the file
    _commit(temp, path)
    return count


def print_document(
    printer: QPrinter,
    job: ExportJob,
    progress: Progress = _never,
    cancel: threading.Event | None = None,
) -> int:
    """Print every page on ``printer`` (set up by a print dialog); returns the page count."""
    printer.setFullPage(True)  # the sheet draws its own margins from the paper's edge
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(f"the printer {printer.printerName() or 'output'} could not be opened")
    try:
        painter.scale(printer.resolution() / PDF_DPI, printer.resolution() / PDF_DPI)
        return paint_document(painter, job, printer.newPage, progress, cancel)
    except ExportCancelled:
        printer.abort()
        raise
    finally:
        painter.end()


def render_page(job: ExportJob, number: int, width: int) -> QImage:
    """Page ``number`` (1-based) as a white image ``width`` pixels wide, for previews."""
    pages = job.pages()
    page = pages[max(0, min(number, len(pages)) - 1)]
    page_w, page_h = page_size(job.options.paper, job.options.orientation)
    scale = width / page_w
    image = QImage(width, round(page_h * scale), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.scale(scale, scale)
    paint_page(painter, job, page, len(pages), _page_images(job, page, 72 * scale * 1.5))
    painter.end()
    return image


def write_contact_sheet(
    path: Path,
    job: ExportJob,
    columns: int = 6,
    thumb_width: int = 320,
    progress: Progress = _never,
    cancel: threading.Event | None = None,
) -> tuple[int, int]:
    """A PNG grid of every panel's image with its name, rating and (if the options say)
    notes; returns its size."""
    note_height = SHEET_NOTE_HEIGHT if job.options.notes else 0
    grid = contact_sheet(len(job.panels), columns, thumb_width, note_height=note_height)
    image = QImage(grid.width, grid.height, QImage.Format.Format_RGB32)
    image.fill(SHEET_BG)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    try:
        for i, (panel, box) in enumerate(zip(job.panels, grid.thumbs, strict=True)):
            rect = _rect(box)
            paint_picture(painter, panel, rect, job.picture(panel, thumb_width * 2), dark=True)
            _paint_sheet_label(painter, job, panel, box, grid.label_height)
            if grid.notes and panel.notes.strip():
                notes = grid.notes[i]
                doc = fitted_note(panel.notes, notes.width, notes.height, SHEET_NOTE_FONTS)
                draw_note(painter, doc, _rect(notes), SHEET_TEXT)
            progress(i + 1, len(job.panels))
            if cancel is not None and cancel.is_set():
                raise ExportCancelled()
    finally:
        painter.end()
    temp = _temp_beside(path)
    if not image.save(str(temp)):
        temp.unlink(missing_ok=True)
        raise OSError(f"could not write {path}")
    _commit(temp, path)
    return (grid.width, grid.height)


def _paint_sheet_label(
    painter: QPainter, job: ExportJob, panel: Panel, box: Box, label_height: int
) -> None:
    label_y = box.bottom + 3
    star_w = 0.0
    if job.options.ratings:
        star_w = paint_stars(painter, box.x + box.width - 5 * 15, label_y + 2, 14, panel.rating)
    font = _font(13, bold=True)
    painter.setFont(font)
    painter.setPen(SHEET_TEXT)
    width = box.width - star_w - 4
    name = QFontMetricsF(font).elidedText(panel.name, Qt.TextElideMode.ElideRight, width)
    label = QRectF(box.x, label_y, width, label_height - 4)
    painter.drawText(label, Qt.AlignmentFlag.AlignVCenter, name)


def write_shot_list(path: Path, board: Board) -> int:
    """The CSV shot list; returns the number of panel rows."""
    atomic_write_text(path, shot_list_csv(board))
    return len(board.panels)
