"""Printed storyboard sheets, contact sheets and shot lists, as plain numbers and text.

Everything the exporters need that is not painting: paper sizes, the options a user
picks (:class:`SheetOptions`), the reading order of panels, where each panel goes on
which page (:func:`layout_pages`), the grid of a contact sheet, the caption lines of a
panel (name, rating, metadata, notes flattened from Markdown) and the rows of a CSV
shot list. Units are PDF points (1/72 inch) unless said otherwise; the UI scales.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from enum import StrEnum

from directors_console.core.storyboard.model import Board, HistoryEntry, Panel

MM_TO_PT = 72.0 / 25.4
MIN_PER_ROW = 1
MAX_PER_ROW = 4
NOTE_LINES = 4  # lines of notes printed under a panel at most
SHOT_LIST_COLUMNS = ("panel", "version", "rating", "notes", "image", "template", "seed")


class Paper(StrEnum):
    A4 = "A4"
    LETTER = "Letter"


class Orientation(StrEnum):
    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"


PAPER_MM: dict[Paper, tuple[float, float]] = {
    Paper.A4: (210.0, 297.0),
    Paper.LETTER: (215.9, 279.4),
}


@dataclass(frozen=True)
class SheetOptions:
    """What the user chose in the print dialog."""

    per_row: int = 2
    notes: bool = True
    metadata: bool = True
    ratings: bool = True
    paper: Paper = Paper.A4
    orientation: Orientation = Orientation.PORTRAIT
    image_aspect: float = 16 / 9  # width / height of the image box

    def __post_init__(self) -> None:
        if not MIN_PER_ROW <= self.per_row <= MAX_PER_ROW:
            raise ValueError(f"per_row must be {MIN_PER_ROW}..{MAX_PER_ROW}, not {self.per_row}")
        if self.image_aspect <= 0:
            raise ValueError("image_aspect must be positive")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Cell:
    """Where one panel goes on a page: its image box and the caption box below it."""

    index: int  # into the ordered panel list
    image: Box
    caption: Box


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Metrics:
    """Page furniture in points: margins, header band, gaps and a caption line's height."""

    margin: float = 36.0
    header: float = 28.0
    gap: float = 14.0
    line: float = 12.0


def page_size(paper: Paper, orientation: Orientation) -> tuple[float, float]:
    """Width and height of the paper in points, turned for the orientation."""
    w, h = PAPER_MM[paper]
    if orientation is Orientation.LANDSCAPE:
        w, h = h, w
    return (w * MM_TO_PT, h * MM_TO_PT)


def caption_line_count(options: SheetOptions) -> int:
    """Lines under each image: the name (with the stars), metadata, notes."""
    lines = 1
    if options.metadata:
        lines += 1
    if options.notes:
        lines += NOTE_LINES
    return lines


def rows_per_page(
    options: SheetOptions, size: tuple[float, float], metrics: Metrics = Metrics()
) -> int:
    width, height = size
    content_w = width - 2 * metrics.margin
    content_h = height - 2 * metrics.margin - metrics.header
    cell_w = (content_w - metrics.gap * (options.per_row - 1)) / options.per_row
    cell_h = cell_w / options.image_aspect + caption_line_count(options) * metrics.line + 4
    return max(1, int((content_h + metrics.gap) // (cell_h + metrics.gap)))


def layout_pages(
    count: int,
    options: SheetOptions,
    size: tuple[float, float] | None = None,
    metrics: Metrics = Metrics(),
) -> list[Page]:
    """Place ``count`` panels in reading order, ``per_row`` to a row, on as many pages as needed.

    Returns at least one page (an empty board prints one page with the header).
    """
    width, height = size or page_size(options.paper, options.orientation)
    n = options.per_row
    rows = rows_per_page(options, (width, height), metrics)
    content_w = width - 2 * metrics.margin
    cell_w = (content_w - metrics.gap * (n - 1)) / n
    image_h = cell_w / options.image_aspect
    caption_h = caption_line_count(options) * metrics.line + 4
    per_page = rows * n
    pages: list[Page] = []
    for page_index in range(max(1, math.ceil(count / per_page))):
        cells = []
        for slot in range(per_page):
            index = page_index * per_page + slot
            if index >= count:
                break
            row, col = divmod(slot, n)
            x = metrics.margin + col * (cell_w + metrics.gap)
            y = metrics.margin + metrics.header + row * (image_h + caption_h + metrics.gap)
            cells.append(
                Cell(index, Box(x, y, cell_w, image_h), Box(x, y + image_h + 2, cell_w, caption_h))
            )
        pages.append(Page(page_index + 1, tuple(cells)))
    return pages


def reading_order(panels: list[Panel]) -> list[Panel]:
    """Panels as a reader meets them: rows from top to bottom, each row left to right.

    A panel starts a new row when its top is below the middle of the row's first panel,
    so panels nudged a little up or down still read as one row.
    """
    rows: list[list[Panel]] = []
    row_limit = -math.inf
    for panel in sorted(panels, key=lambda p: (p.y, p.x)):
        if not rows or panel.y > row_limit:
            rows.append([])
            row_limit = panel.y + panel.height / 2
        rows[-1].append(panel)
    return [p for row in rows for p in sorted(row, key=lambda p: p.x)]


@dataclass(frozen=True)
class ContactSheet:
    """Pixel grid of a contact sheet: the image size and each thumbnail's box."""

    width: int
    height: int
    thumbs: tuple[Box, ...]
    label_height: int


def contact_sheet(
    count: int, columns: int = 6, thumb_width: int = 320, gap: int = 12, aspect: float = 16 / 9
) -> ContactSheet:
    """A grid of ``count`` thumbnails, ``columns`` wide, with a label strip under each."""
    if columns < 1 or thumb_width < 16:
        raise ValueError("columns must be >= 1 and thumb_width >= 16")
    columns = max(1, min(columns, count or 1))
    rows = max(1, math.ceil(count / columns))
    thumb_h = round(thumb_width / aspect)
    label = 22
    width = gap + columns * (thumb_width + gap)
    height = gap + rows * (thumb_h + label + gap)
    thumbs = []
    for i in range(count):
        row, col = divmod(i, columns)
        x = gap + col * (thumb_width + gap)
        y = gap + row * (thumb_h + label + gap)
        thumbs.append(Box(x, y, thumb_width, thumb_h))
    return ContactSheet(width, height, tuple(thumbs), label)


# -- text ---------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~|`)(.+?)\1")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_QUOTE = re.compile(r"^\s*>\s?")


def markdown_to_text(markdown: str) -> list[str]:
    """Markdown notes as plain lines: no markup, bullets as •, blank lines dropped."""
    lines = []
    for raw in markdown.splitlines():
        line = _QUOTE.sub("", _HEADING.sub("", raw))
        line = _BULLET.sub(lambda m: f"{m.group(1)}• ", line)
        line = _LINK.sub(r"\1", line)
        line = _EMPHASIS.sub(r"\2", line)
        if line.strip():
            lines.append(line.rstrip())
    return lines


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


def current_entry(panel: Panel) -> HistoryEntry | None:
    """The history entry of the image shown now, else the newest version."""
    for entry in panel.history:
        if entry.path == panel.image:
            return entry
    return max(panel.history, key=lambda e: e.version, default=None)


def metadata_line(panel: Panel) -> str:
    entry = current_entry(panel)
    parts = []
    if entry is not None:
        parts.append(f"v{entry.version}")
        if entry.seed is not None:
            parts.append(f"seed {entry.seed}")
    template = (entry.template if entry is not None else "") or panel.template
    if template:
        parts.append(template)
    if panel.angle:
        parts.append(panel.angle)
    return " · ".join(parts) or "no render yet"


@dataclass(frozen=True)
class Caption:
    name: str
    rating: str  # stars, or "" when ratings are off
    metadata: str  # "" when metadata is off
    notes: tuple[str, ...]  # at most NOTE_LINES, the last one marked "…" if cut


def caption(panel: Panel, options: SheetOptions) -> Caption:
    notes: tuple[str, ...] = ()
    if options.notes:
        lines = markdown_to_text(panel.notes)
        if len(lines) > NOTE_LINES:
            lines = [*lines[: NOTE_LINES - 1], lines[NOTE_LINES - 1] + " …"]
        notes = tuple(lines)
    return Caption(
        panel.name,
        stars(panel.rating) if options.ratings else "",
        metadata_line(panel) if options.metadata else "",
        notes,
    )


# -- shot list ----------------------------------------------------------------------------


def shot_list_rows(board: Board) -> list[dict[str, str]]:
    """One row per panel in reading order, keyed by :data:`SHOT_LIST_COLUMNS`."""
    rows = []
    for panel in reading_order(board.panels):
        entry = current_entry(panel)
        notes = markdown_to_text(panel.notes)
        rows.append(
            {
                "panel": panel.name,
                "version": str(entry.version) if entry is not None else "",
                "rating": str(panel.rating),
                "notes": notes[0] if notes else "",
                "image": panel.image or "",
                "template": (entry.template if entry is not None else "") or panel.template,
                "seed": str(entry.seed) if entry is not None and entry.seed is not None else "",
            }
        )
    return rows


def shot_list_csv(board: Board) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SHOT_LIST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(shot_list_rows(board))
    return out.getvalue()
