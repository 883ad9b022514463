"""Paint storyboard sheets: PDF pages, preview pages, a PNG contact sheet; write shot lists.

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
from collections.abc import Callable, Sequence
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
    Box,
    Orientation,
    Page,
    Paper,
    SheetOptions,
    caption,
    contact_sheet,
    layout_pages,
    page_size,
    reading_order,
    shot_list_csv,
)

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


class ExportCancelled(Exception):
    """The user cancelled; nothing was written."""


@dataclass(frozen=True)
class ExportJob:
    """What to export: panels in reading order (copies), their folder, the project name."""

    panels: tuple[Panel, ...]
    folder: Path
    project: str
    options: SheetOptions = field(default_factory=SheetOptions)

    @classmethod
    def of(cls, board: Board, folder: Path, project: str, options: SheetOptions) -> ExportJob:
        panels = tuple(p.model_copy(deep=True) for p in reading_order(board.panels))
        return cls(panels, folder, project, options)

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
    if max(image.width(), image.height()) > longest:
        image = image.scaled(
            longest,
            longest,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


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


def paint_cell(
    painter: QPainter,
    job: ExportJob,
    panel: Panel,
    image_box: Box,
    text_box: Box,
    image: QImage | None,
) -> None:
    box = _rect(image_box)
    painter.fillRect(box, EMPTY_FILL)
    if image is not None:
        painter.drawImage(_fit(image, box), image)
    else:
        painter.setPen(MUTED)
        painter.setFont(_font(9))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "no image yet")
    painter.setPen(QPen(RULE, 0.6))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(box)

    text = caption(panel, job.options)
    line = 12.0
    x, y, w = text_box.x, text_box.y, text_box.width
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
    y += line
    small = _font(8)
    metrics = QFontMetricsF(small)
    painter.setFont(small)
    if text.metadata:
        painter.setPen(MUTED)
        meta = metrics.elidedText(text.metadata, Qt.TextElideMode.ElideRight, w)
        painter.drawText(QRectF(x, y, w, line), Qt.AlignmentFlag.AlignVCenter, meta)
        y += line
    painter.setPen(INK)
    for note in text.notes:
        shown = metrics.elidedText(note, Qt.TextElideMode.ElideRight, w)
        painter.drawText(QRectF(x, y, w, line), Qt.AlignmentFlag.AlignVCenter, shown)
        y += line


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
        paint_cell(painter, job, job.panels[cell.index], cell.image, cell.caption, image)


def _page_images(job: ExportJob, page: Page, dpi: float) -> list[QImage | None]:
    if not page.cells:
        return []
    longest = int(max(page.cells[0].image.width, page.cells[0].image.height) * dpi / 72)
    return [load_image(job.image_path(job.panels[c.index]), longest) for c in page.cells]


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
    """A PNG grid of every panel's image with its name and rating; returns its size."""
    grid = contact_sheet(len(job.panels), columns, thumb_width)
    image = QImage(grid.width, grid.height, QImage.Format.Format_RGB32)
    image.fill(SHEET_BG)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    font = _font(13, bold=True)
    metrics = QFontMetricsF(font)
    try:
        for i, (panel, box) in enumerate(zip(job.panels, grid.thumbs, strict=True)):
            rect = _rect(box)
            painter.fillRect(rect, QColor("#2a2d34"))
            thumb = load_image(job.image_path(panel), thumb_width * 2)
            if thumb is not None:
                painter.drawImage(_fit(thumb, rect), thumb)
            label_y = box.bottom + 3
            star_w = paint_stars(painter, box.x + box.width - 5 * 15, label_y + 2, 14, panel.rating)
            painter.setFont(font)
            painter.setPen(SHEET_TEXT)
            name = metrics.elidedText(panel.name, Qt.TextElideMode.ElideRight, box.width - star_w)
            label = QRectF(box.x, label_y, box.width - star_w, grid.label_height - 4)
            painter.drawText(label, Qt.AlignmentFlag.AlignVCenter, name)
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


def write_shot_list(path: Path, board: Board) -> int:
    """The CSV shot list; returns the number of panel rows."""
    atomic_write_text(path, shot_list_csv(board))
    return len(board.panels)
