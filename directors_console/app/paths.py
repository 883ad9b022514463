"""Where the program keeps its settings, logs, data and caches.

``--config-dir`` beats ``DIRECTORS_CONSOLE_CONFIG_DIR`` beats the platform's user
folders (platformdirs). When the config folder is overridden, logs, data and caches
live under it too, so a test or a portable install never touches the real home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from directors_console import APP_ID

CONFIG_ENV = "DIRECTORS_CONSOLE_CONFIG_DIR"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    log_dir: Path
    data_dir: Path
    cache_dir: Path

    @classmethod
    def resolve(cls, config_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        chosen = config_dir or os.environ.get(CONFIG_ENV)
        if chosen:
            root = Path(chosen).expanduser().resolve()
            return cls(root, root / "logs", root / "data", root / "cache")
        return cls(
            Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
            Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)),
        )

    def ensure(self) -> None:
        for folder in (self.config_dir, self.log_dir, self.data_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
