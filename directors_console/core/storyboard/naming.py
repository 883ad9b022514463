"""Panel folders, file naming and version scanning.

Each panel keeps its outputs in ``{project}/{panel name}/``; files are named by the
board's naming template (default ``{project}_{panel}_v{version}``) plus an extension.
:func:`scan_versions` finds the highest version already on disk for stills and videos
of any known extension, so a new render never overwrites an older one.
:func:`rename_panel_folder` renames a panel's folder when the panel is renamed: it never
overwrites and never leaves the project folder.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from directors_console.core.storyboard.model import MediaKind

STILL_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".webm", ".mkv"})
TEMPLATE_FIELDS = frozenset({"project", "panel", "version"})
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class NamingError(ValueError):
    """A naming template or panel name cannot be used; ``str()`` is for the user."""


def media_kind(path: Path | str) -> MediaKind | None:
    suffix = Path(path).suffix.lower()
    if suffix in STILL_EXTENSIONS:
        return MediaKind.STILL
    if suffix in VIDEO_EXTENSIONS:
        return MediaKind.VIDEO
    return None


def check_panel_name(name: str) -> str:
    """Return ``name`` stripped if it can be a folder name, else raise NamingError."""
    clean = name.strip()
    if not clean:
        raise NamingError("A panel needs a name.")
    if clean in (".", "..") or clean.startswith("."):
        raise NamingError(f"{clean!r} cannot be a panel name (it would be a hidden folder).")
    if _BAD_NAME.search(clean):
        raise NamingError(f'{clean!r} cannot be a panel name: avoid \\ / : * ? " < > |.')
    if len(clean) > 120:
        raise NamingError("A panel name can be at most 120 characters.")
    return clean


def check_template(template: str) -> str:
    """The template must use only {project}, {panel}, {version} and must hold {version}."""
    try:
        fields = [f for _text, f, _spec, _conv in string.Formatter().parse(template) if f]
    except ValueError as exc:
        raise NamingError(f"The naming template is not valid: {exc}.") from exc
    unknown = set(fields) - TEMPLATE_FIELDS
    if unknown:
        raise NamingError(
            f"Unknown field(s) {', '.join(sorted(unknown))} in the naming template; "
            "use {project}, {panel} and {version}."
        )
    if "version" not in fields:
        raise NamingError("The naming template must contain {version}.")
    return template


def render_name(template: str, project: str, panel: str, version: int, width: int = 1) -> str:
    """The file stem for one version, e.g. ``Nightfall_Panel_01_v3``."""
    check_template(template)
    stem = template.format(project=project, panel=panel, version=f"{version:0{width}d}")
    if _BAD_NAME.search(stem) or not stem.strip():
        raise NamingError(f"The naming template gives an unusable file name: {stem!r}.")
    return stem


def inside(root: Path, path: Path) -> bool:
    """True if ``path`` resolves to somewhere inside ``root`` (not ``root`` itself)."""
    try:
        real = path.resolve()
        base = root.resolve()
    except OSError:
        return False
    return real != base and real.is_relative_to(base)


def panel_folder(project_folder: Path, panel_name: str) -> Path:
    folder = project_folder / check_panel_name(panel_name)
    if not inside(project_folder, folder):
        raise NamingError(f"The panel folder {folder} would be outside the project.")
    return folder


def _version_pattern(template: str, project: str, panel: str) -> re.Pattern[str]:
    marker = "\x00VERSION\x00"
    literal = template.replace("{version}", marker).format(project=project, panel=panel)
    body = re.escape(literal).replace(re.escape(marker), r"(\d+)")
    return re.compile(rf"^{body}$", re.IGNORECASE)


@dataclass(frozen=True)
class Versions:
    still: int = 0
    video: int = 0

    @property
    def highest(self) -> int:
        return max(self.still, self.video)

    @property
    def next(self) -> int:
        return self.highest + 1


def scan_versions(folder: Path, template: str, project: str, panel: str) -> Versions:
    """Highest version on disk in ``folder`` for stills and for videos of this panel."""
    check_template(template)
    pattern = _version_pattern(template, project, panel)
    still = video = 0
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return Versions()
    for entry in entries:
        kind = media_kind(entry)
        if kind is None or not entry.is_file():
            continue
        match = pattern.match(entry.stem)
        if match is None:
            continue
        number = int(match.group(1))
        if kind is MediaKind.STILL:
            still = max(still, number)
        else:
            video = max(video, number)
    return Versions(still, video)


def next_output_path(
    project_folder: Path, template: str, project: str, panel: str, extension: str
) -> Path:
    """Where the next version of a panel goes (the folder may not exist yet)."""
    folder = panel_folder(project_folder, panel)
    version = scan_versions(folder, template, project, panel).next
    ext = extension if extension.startswith(".") else f".{extension}"
    return folder / f"{render_name(template, project, panel, version)}{ext.lower()}"


def rename_panel_folder(project_folder: Path, old: str, new: str) -> tuple[Path, Path] | None:
    """Rename ``{project}/{old}`` to ``{project}/{new}``; return the move, or None.

    Nothing happens (None) when the old folder does not exist. Raises NamingError when
    the new folder already exists or either path would leave the project.
    """
    source = panel_folder(project_folder, old)
    target = panel_folder(project_folder, new)
    if not source.is_dir():
        return None
    if source.resolve() == target.resolve():
        return None
    if target.exists():
        raise NamingError(f"A folder named {target.name!r} already exists; nothing was renamed.")
    try:
        source.rename(target)
    except OSError as exc:
        raise NamingError(f"Could not rename {source.name} to {target.name}: {exc}") from exc
    return (source, target)
