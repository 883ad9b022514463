"""Logging: a rotating file in the user log folder; with ``--debug`` also stderr."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILE = "directors-console.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(log_dir: Path, *, debug: bool = False) -> Path | None:
    """Configure the root logger; return the log file (None if it cannot be written)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_directors_console", False):
            root.removeHandler(handler)
            handler.close()
    path: Path | None = log_dir / LOG_FILE
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        file_handler.setFormatter(logging.Formatter(_FORMAT))
        file_handler._directors_console = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
    except OSError as exc:
        path = None
        logging.getLogger(__name__).warning("cannot write log file in %s: %s", log_dir, exc)
    if debug:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(_FORMAT))
        stream._directors_console = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    logging.captureWarnings(True)
    # Third-party chatter stays out of the log unless debugging.
    for noisy in ("httpx", "httpcore", "websockets", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    return path
