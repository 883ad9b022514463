"""Printed storyboard sheets, contact sheets and shot lists, as plain numbers and text.

Everything the exporters need that is not painting: paper sizes, the options a user
picks (:class:`SheetOptions`), the reading order of panels, where each panel goes on
which page (:func:`layout_pages`) with the boxes of its name line, metadata line and
Markdown notes, the grid of a contact sheet, the font sizes notes print at
(:class:`NoteFonts`), what a video panel's tile says (:func:`video_label`), the caption
lines of a panel and the rows of a CSV shot list. The UI lays the notes out as rich text
in these boxes and draws them. Units are PDF points (1/72 inch) unless said otherwise;
the UI scales.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from enum import StrEnum

from directors_console.core.storyboard.model import Board, HistoryEntry, MediaKind, Panel
from directors_console.core.storyboard.naming import media_kind

MM_TO_PT = 72.0 / 25.4
MIN_PER_ROW = 1
MAX_PER_ROW = 4
NOTE_LINES = 4  # the notes box under a panel is this many caption lines high
NOTE_GAP = 2.0  # between the metadata line and the notes box
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
class NoteFonts:
    """Pixel sizes notes are set in: body text and headings of level 1, 2 and 3 or more."""

    body: int
    headings: tuple[int, int, int]
    indent: float  # of a list level

    def heading(self, level: int) -> int:
        return self.headings[min(max(level, 1), 3) - 1]


PAGE_NOTE_FONTS = NoteFonts(body=8, headings=(10, 9, 9), indent=10.0)
SHEET_NOTE_FONTS = NoteFonts(body=12, headings=(15, 14, 13), indent=14.0)
SHEET_NOTE_HEIGHT = 66  # contact sheet pixels: a heading and about four lines


@dataclass(frozen=True)
class Cell:
    """Where one panel goes on a page: its image box and the caption box below it.

    The caption holds the name line (with the stars at its right), the metadata line
    and the notes box; the two last are ``None`` when the options leave them out.
    """

    index: int  # into the ordered panel list
    image: Box
    caption: Box
    name: Box
    metadata: Box | None = None
    notes: Box | None = None


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


def caption_boxes(
    caption: Box, options: SheetOptions, metrics: Metrics = Metrics()
) -> tuple[Box, Box | None, Box | None]:
    """The name line, metadata line and notes box inside a caption box, top to bottom."""
    x, y, w, line = caption.x, caption.y, caption.width, metrics.line
    name = Box(x, y, w, line)
    y += line
    metadata = None
    if options.metadata:
        metadata = Box(x, y, w, line)
        y += line
    notes = Box(x, y + NOTE_GAP, w, NOTE_LINES * line) if options.notes else None
    return name, metadata, notes


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
            below = Box(x, y + image_h + 2, cell_w, caption_h)
            name, meta, notes = caption_boxes(below, options, metrics)
            cells.append(Cell(index, Box(x, y, cell_w, image_h), below, name, meta, notes))
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
    """Pixel grid of a contact sheet: the image size, each thumbnail's and notes box."""

    width: int
    height: int
    thumbs: tuple[Box, ...]
    label_height: int
    notes: tuple[Box, ...] = ()  # one per thumbnail, under its label; () without notes


def contact_sheet(
    count: int,
    columns: int = 6,
    thumb_width: int = 320,
    gap: int = 12,
    aspect: float = 16 / 9,
    note_height: int = 0,
) -> ContactSheet:
    """A grid of ``count`` thumbnails, ``columns`` wide, with a label strip under each and,
    when ``note_height`` > 0, a notes box that high under the label."""
    if columns < 1 or thumb_width < 16:
        raise ValueError("columns must be >= 1 and thumb_width >= 16")
    if note_height < 0:
        raise ValueError("note_height must be >= 0")
    columns = max(1, min(columns, count or 1))
    rows = max(1, math.ceil(count / columns))
    thumb_h = round(thumb_width / aspect)
    label = 22
    below = label + (note_height + 4 if note_height else 0)
    width = gap + columns * (thumb_width + gap)
    height = gap + rows * (thumb_h + below + gap)
    thumbs = []
    notes = []
    for i in range(count):
        row, col = divmod(i, columns)
        x = gap + col * (thumb_width + gap)
        y = gap + row * (thumb_h + below + gap)
        thumbs.append(Box(x, y, thumb_width, thumb_h))
        if note_height:
            notes.append(Box(x, y + thumb_h + label, thumb_width, note_height))
    return ContactSheet(width, height, tuple(thumbs), label, tuple(notes))


# -- text ---------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~|`)(.+?)\1")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_QUOTE = re.compile(r"^\s*>\s?")


_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_TABLE_ROW = re.compile(r"^\s*\|")


def hard_line_breaks(markdown: str) -> str:
    """Markdown where a single newline inside a paragraph is a line break, as typed.

    CommonMark joins such lines with a space; a director who writes a slug line and
    then an action line means two lines. Code blocks and table rows stay as they are.
    """
    lines = markdown.splitlines()
    out = []
    fenced = False
    for i, line in enumerate(lines):
        fence = _FENCE.match(line)
        if fence:
            fenced = not fenced
        after = lines[i + 1] if i + 1 < len(lines) else ""
        follows = after.strip() and not _FENCE.match(after)
        plain = line.strip() and not (fenced or fence or _TABLE_ROW.match(line))
        if follows and plain and not line.endswith(("  ", "\\")) and not _HEADING.match(line):
            line += "  "
        out.append(line)
    return "\n".join(out)


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


def is_video(panel: Panel) -> bool:
    """Whether the image a panel shows now is a video."""
    if not panel.image:
        return False
    entry = current_entry(panel)
    if entry is not None and entry.path == panel.image and entry.kind is MediaKind.VIDEO:
        return True
    return media_kind(panel.image) is MediaKind.VIDEO


def _number(values: dict[str, object], *keys: str) -> float | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def video_seconds(entry: HistoryEntry) -> float | None:
    """A video's length from what was recorded with it: a ``duration`` in seconds, or
    frames (``length``/``frames``) over a frame rate (``fps``/``frame_rate``); else None."""
    extra = dict(entry.model_extra or {})
    seconds = _number(extra, "duration") or _number(entry.parameters, "duration")
    if seconds is not None:
        return seconds
    frames = _number(entry.parameters, "length", "frames", "num_frames")
    fps = _number(entry.parameters, "fps", "frame_rate") or _number(extra, "fps", "frame_rate")
    return frames / fps if frames is not None and fps is not None else None


def duration_text(seconds: float) -> str:
    """0:05, 1:02:03; under ten seconds with a tenth (2.5 s) since short clips are common."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def video_label(panel: Panel) -> str | None:
    """What a video panel's tile says ("video · 4.0 s", or "video" when its length is not
    known); None when the panel shows a still or nothing."""
    if not is_video(panel):
        return None
    entry = current_entry(panel)
    seconds = video_seconds(entry) if entry is not None and entry.path == panel.image else None
    return "video" if seconds is None else f"video · {duration_text(seconds)}"


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
