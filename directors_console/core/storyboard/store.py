"""Load and save the storyboard inside project.json, and follow renamed files.

The board lives under the ``"storyboard"`` key of project.json (ProjectFile keeps
unknown keys). :meth:`StoryboardStore.save` is safe to call from a worker thread: it
takes the project file's lock, re-reads the file, replaces only that key and writes it
back atomically, so other keys written meanwhile are kept. The UI debounces calls.
:func:`apply_moves` rewrites panel paths after files or folders moved (``FilesRenamed``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from directors_console.core.project import PROJECT_SCHEMA, Project
from directors_console.core.storage import (
    JsonDict,
    StorageError,
    file_lock,
    read_json,
    write_json,
)
from directors_console.core.storyboard.model import Board, Panel
from directors_console.core.storyboard.naming import (
    NamingError,
    check_panel_name,
    rename_panel_folder,
)

log = logging.getLogger(__name__)

STORYBOARD_KEY = "storyboard"


@dataclass(frozen=True)
class Loaded:
    board: Board
    notice: str | None = None  # set when the stored board could not be read


class StoryboardStore:
    """Reads the board from an open project and writes it back into its project.json."""

    def load(self, project: Project) -> Loaded:
        extra = project.data.model_extra or {}
        raw = extra.get(STORYBOARD_KEY)
        if raw is None:
            return Loaded(Board())
        try:
            return Loaded(Board.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ())) or "storyboard"
            log.warning("storyboard of %s unreadable: %s", project.folder, exc)
            return Loaded(
                Board(),
                f"The storyboard in {project.file.name} could not be read ({where}: "
                f"{err.get('msg')}). It is shown empty; the file keeps the old data until "
                "you change the board.",
            )

    @staticmethod
    def snapshot(board: Board) -> JsonDict:
        return board.model_dump(mode="json")

    def remember(self, project: Project, doc: JsonDict) -> None:
        """Keep the in-memory project in step, so ProjectService.save() writes this too."""
        setattr(project.data, STORYBOARD_KEY, doc)

    def save(self, project_file: Path, doc: JsonDict) -> None:
        """Write ``doc`` as the storyboard of ``project_file`` (blocking; use a thread)."""
        with file_lock(project_file):
            try:
                current = read_json(project_file, PROJECT_SCHEMA)
            except FileNotFoundError as exc:
                raise StorageError(
                    project_file, f"{project_file} is gone; the storyboard was not saved."
                ) from exc
            current[STORYBOARD_KEY] = doc
            write_json(project_file, PROJECT_SCHEMA, current)

    def save_board(self, project: Project, board: Board) -> None:
        """Remember and write in one blocking call (tests, command line)."""
        doc = self.snapshot(board)
        self.remember(project, doc)
        self.save(project.file, doc)


def _moved(path: Path, moves: Iterable[tuple[Path, Path]]) -> Path | None:
    for old, new in moves:
        if path == old:
            return new
        if path.is_relative_to(old):
            return new / path.relative_to(old)
    return None


def _relative(project_folder: Path, path: Path) -> str:
    if path.is_relative_to(project_folder):
        return path.relative_to(project_folder).as_posix()
    return str(path)


def _rewrite(project_folder: Path, stored: str, moves: list[tuple[Path, Path]]) -> str | None:
    path = Path(stored)
    absolute = path if path.is_absolute() else project_folder / path
    target = _moved(absolute, moves)
    return None if target is None else _relative(project_folder, target)


def apply_moves(board: Board, project_folder: Path, moves: Iterable[tuple[Path, Path]]) -> bool:
    """Rewrite image, history and reference paths of every panel; True if any changed."""
    pairs = [(Path(a), Path(b)) for a, b in moves]
    changed = False
    for panel in board.panels:
        changed = _apply_to_panel(panel, project_folder, pairs) or changed
    return changed


def _apply_to_panel(panel: Panel, folder: Path, moves: list[tuple[Path, Path]]) -> bool:
    changed = False
    if panel.image is not None and (new := _rewrite(folder, panel.image, moves)) is not None:
        panel.image = new
        changed = True
    for entry in panel.history:
        if (new := _rewrite(folder, entry.path, moves)) is not None:
            entry.path = new
            changed = True
    refs: list[str] = []
    for ref in panel.references:
        new = _rewrite(folder, ref, moves)
        refs.append(ref if new is None else new)
        changed = changed or new is not None
    if refs != panel.references:
        panel.references = refs
    return changed


def rename_panel(
    board: Board, project_folder: Path, panel_id: str, new_name: str, *, folder: bool = True
) -> tuple[Path, Path] | None:
    """Rename a panel and its folder (if it has one and ``folder``); paths follow.
    Returns the folder move.

    Raises NamingError (nothing changed) if the name is unusable or the folder is taken.
    """
    panel = board.get(panel_id)
    if panel is None:
        raise KeyError(panel_id)
    clean = check_panel_name(new_name)
    if any(p.name == clean and p.id != panel_id for p in board.panels):
        raise NamingError(f"Another panel is already called {clean!r}.")
    move = rename_panel_folder(project_folder, panel.name, new_name) if folder else None
    panel.name = clean
    if move is not None:
        apply_moves(board, project_folder, [move])
    return move
