"""Projects: a folder the user picks, holding ``project.json`` and ``.gallery/``.

:class:`ProjectService` creates, opens, saves and closes the current project; the
current project is an :class:`Observable` the tabs subscribe to, and opening or
closing publishes :class:`ProjectOpened` / :class:`ProjectClosed` on the event bus.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from directors_console import __version__
from directors_console.core.events import EventBus, Observable, ProjectClosed, ProjectOpened
from directors_console.core.settings import SettingsStore
from directors_console.core.storage import (
    CorruptFileError,
    JsonSchema,
    StorageError,
    keep_aside,
    locked_write_json,
    read_json,
)

log = logging.getLogger(__name__)

PROJECT_FILE = "project.json"
GALLERY_DIR = ".gallery"
PROJECT_SCHEMA = JsonSchema("project", 1)


def _now() -> datetime:
    return datetime.now(UTC)


class ProjectFile(BaseModel):
    """What project.json holds. Unknown keys (from later versions of a tab) are kept."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    created: datetime = Field(default_factory=_now)
    modified: datetime = Field(default_factory=_now)
    app_version: str = __version__


class ProjectError(Exception):
    """A project could not be created or opened; ``str()`` is for the user."""


@dataclass
class Project:
    folder: Path
    data: ProjectFile

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def file(self) -> Path:
        return self.folder / PROJECT_FILE

    @property
    def gallery_dir(self) -> Path:
        return self.folder / GALLERY_DIR


@dataclass(frozen=True)
class OpenResult:
    project: Project
    notice: str | None = None  # set when something was repaired on the way


def _checked_folder(folder: Path | str) -> Path:
    path = Path(folder).expanduser()
    try:
        return path.resolve()
    except OSError as exc:
        raise ProjectError(f"{folder} cannot be used: {exc}") from exc


class ProjectService:
    def __init__(self, settings: SettingsStore, bus: EventBus) -> None:
        self._settings = settings
        self._bus = bus
        self.current: Observable[Project | None] = Observable(None)

    # -- lifecycle ------------------------------------------------------------------------

    def new(self, folder: Path | str, name: str | None = None) -> Project:
        project = self.create(folder, name)
        self.activate(project)
        return project

    def create(self, folder: Path | str, name: str | None = None) -> Project:
        """Make the project's folder and file without making it current (safe in a thread)."""
        path = _checked_folder(folder)
        if (path / PROJECT_FILE).exists():
            raise ProjectError(
                f"{path} already holds a project. Open it instead; nothing was overwritten."
            )
        if path.exists() and not path.is_dir():
            raise ProjectError(f"{path} is a file, not a folder.")
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / GALLERY_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise ProjectError(f"Cannot create the project folder {path}: {exc}") from exc
        project = Project(path, ProjectFile(name=(name or path.name or "Untitled").strip()))
        self._write(project)
        return project

    def open(self, folder: Path | str) -> OpenResult:
        result = self.read(folder)
        self.activate(result.project)
        return result

    def read(self, folder: Path | str) -> OpenResult:
        """Open a project's file without making it current (blocking; safe in a thread).

        Subscribers of :attr:`current` are widgets, so :meth:`activate` must run on the
        event-loop thread.
        """
        path = _checked_folder(folder)
        if path.name == PROJECT_FILE and path.is_file():
            path = path.parent
        if not path.is_dir():
            raise ProjectError(f"The project folder {path} does not exist.")
        file = path / PROJECT_FILE
        if not file.exists():
            raise ProjectError(
                f"{path} is not a Director's Console project (it has no {PROJECT_FILE}). "
                "Use File > New Project to make one there."
            )
        notice: str | None = None
        try:
            doc = read_json(file, PROJECT_SCHEMA)
            data = self._validate(file, doc)
        except CorruptFileError as exc:
            # The folder's media are still good: open with a fresh file, keep the old one.
            data = ProjectFile(name=path.name)
            notice = (
                f"{exc} The project opened with a new, empty project file; "
                "nothing else in the folder was changed."
            )
            log.warning("project %s: %s", path, exc)
        except StorageError as exc:
            raise ProjectError(str(exc)) from exc
        project = Project(path, data)
        if notice is not None:
            self._write(project)
        try:
            (path / GALLERY_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            log.warning("cannot create %s: %s", path / GALLERY_DIR, exc)
        return OpenResult(project, notice)

    def activate(self, project: Project) -> None:
        """Make a project returned by :meth:`read` current (event-loop thread only)."""
        self._activate(project)

    def save(self) -> Project:
        project = self.current.value
        if project is None:
            raise ProjectError("No project is open.")
        project.data.modified = _now()
        project.data.app_version = __version__
        self._write(project)
        return project

    def close(self) -> None:
        project = self.current.value
        if project is None:
            return
        self.current.set(None)
        self._bus.publish(ProjectClosed(project.folder))

    # -- helpers --------------------------------------------------------------------------

    def _validate(self, file: Path, doc: dict[str, Any]) -> ProjectFile:
        try:
            return ProjectFile.model_validate(doc)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ())) or "file"
            kept = keep_aside(file)
            raise CorruptFileError(file, f"{where}: {err.get('msg')}", kept) from exc

    def _write(self, project: Project) -> None:
        doc = project.data.model_dump(mode="json")
        try:
            locked_write_json(project.file, PROJECT_SCHEMA, doc)
        except StorageError as exc:
            raise ProjectError(str(exc)) from exc

    def _activate(self, project: Project) -> None:
        previous = self.current.value
        if previous is not None and previous.folder != project.folder:
            self._bus.publish(ProjectClosed(previous.folder))
        store = self._settings
        try:
            store.update(
                recent_projects=store.settings.with_recent(project.folder),
                last_project=str(project.folder),
            )
        except StorageError as exc:
            log.warning("could not remember recent project: %s", exc)
        self.current.set(project)
        self._bus.publish(ProjectOpened(project.folder, project.name))

    def forget_recent(self, folder: Path | str) -> None:
        entry = str(folder)
        store = self._settings
        remaining = [p for p in store.settings.recent_projects if p != entry]
        try:
            store.update(recent_projects=remaining)
        except StorageError as exc:
            log.warning("could not update recent projects: %s", exc)
