"""The user's settings: one pydantic model saved as YAML in the config folder.

The composition root decides where the file lives; this module only knows how to
read, validate and write it. A damaged file is kept aside and replaced by defaults
with a message saying so; keys written by a newer version are kept on save.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from directors_console.core.storage import StorageError, atomic_write_text, keep_aside

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.yaml"
MAX_RECENT = 10


class RenderNodeConfig(BaseModel):
    """One ComfyUI server of the user's render farm."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    url: str
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)
    max_concurrent: int = Field(default=1, ge=1, le=64)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// address, e.g. http://127.0.0.1:8188")
        return value.strip().rstrip("/")


class WindowState(BaseModel):
    model_config = ConfigDict(extra="allow")

    geometry: str = ""  # base64 of QWidget.saveGeometry()
    state: str = ""  # base64 of QMainWindow.saveState()
    current_tab: int = 0


class FarmSettings(BaseModel):
    model_config = ConfigDict(extra="allow")

    poll_interval: float = Field(default=3.0, ge=0.2, le=60)
    poll_timeout: float = Field(default=5.0, ge=0.5, le=120)
    failover_after: float = Field(default=10.0, ge=0, le=3600)
    stuck_after: float = Field(default=300.0, ge=5, le=86400)
    max_attempts: int = Field(default=3, ge=1, le=20)
    autodetect_done: bool = False


class Settings(BaseModel):
    model_config = ConfigDict(extra="allow", validate_assignment=True)

    theme: Literal["dark", "light"] = "dark"
    recent_projects: list[str] = Field(default_factory=list)
    last_project: str | None = None
    reopen_last_project: bool = True
    render_nodes: list[RenderNodeConfig] = Field(default_factory=list)
    farm: FarmSettings = Field(default_factory=FarmSettings)
    window: WindowState = Field(default_factory=WindowState)

    def with_recent(self, folder: Path) -> list[str]:
        entry = str(folder)
        rest = [p for p in self.recent_projects if p != entry]
        return [entry, *rest][:MAX_RECENT]


class SettingsStore:
    """Loads and saves :class:`Settings` at ``folder/settings.yaml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / SETTINGS_FILE
        self.settings = Settings()
        self.load_problem: str | None = None
        self._last_text: str | None = None  # what we last read or wrote

    def changed_on_disk(self) -> bool:
        """True if someone else (an editor, another process) changed the file since."""
        try:
            return self.path.read_text("utf-8") != self._last_text
        except OSError:
            return False

    def load(self) -> Settings:
        self.load_problem = None
        try:
            text = self.path.read_text("utf-8")
            self._last_text = text
        except FileNotFoundError:
            self.settings = Settings()
            return self.settings
        except OSError as exc:
            self.load_problem = (
                f"Could not read {self.path}: {exc.strerror or exc}. Using defaults."
            )
            self.settings = Settings()
            return self.settings
        try:
            data: Any = yaml.safe_load(text) or {}
            if not isinstance(data, dict):
                raise ValueError("the file is not a mapping of settings")
            self.settings = Settings.model_validate(data)
        except (yaml.YAMLError, ValueError, ValidationError) as exc:
            kept = keep_aside(self.path)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.load_problem = (
                f"Your settings file was damaged ({first}). It was kept as {kept.name} "
                "and default settings are in use."
            )
            log.warning("settings: %s", self.load_problem)
            self.settings = Settings()
        return self.settings

    def save(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(self.path, f"Cannot create {self.folder}: {exc}") from exc
        data = self.settings.model_dump(mode="json")
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        atomic_write_text(self.path, text)
        self._last_text = text

    def update(self, **changes: Any) -> Settings:
        """Apply validated changes and save."""
        merged = {**self.settings.model_dump(), **changes}
        self.settings = Settings.model_validate(merged)
        self.save()
        return self.settings
