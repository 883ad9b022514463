"""Register the program with the desktop: a freedesktop .desktop file and its icon.

After ``directors-console --install-desktop-entry`` the program appears in the
application menu and can be started by double-click from a file manager.
Files go to ``$XDG_DATA_HOME`` (default ``~/.local/share``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from directors_console import APP_ID
from directors_console.core.data_paths import resources_dir
from directors_console.core.storage import atomic_write_text

DESKTOP_NAME = f"{APP_ID}.desktop"


def _data_home() -> Path:
    env = os.environ.get("XDG_DATA_HOME")
    return Path(env) if env else Path.home() / ".local" / "share"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def launch_command() -> list[str]:
    """How the installed entry starts this same installation."""
    script = shutil.which("directors-console")
    exe = Path(sys.executable)
    sibling = exe.parent / "directors-console"
    if sibling.exists():
        return [str(sibling)]
    if script:
        return [script]
    return [str(exe), "-m", "directors_console"]


def render_entry(exec_cmd: list[str], icon: Path) -> str:
    template = resource_path(DESKTOP_NAME).read_text("utf-8")
    exec_line = " ".join(shlex.quote(part) for part in exec_cmd)
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line}"
        elif line.startswith("TryExec="):
            line = f"TryExec={exec_cmd[0]}"
        elif line.startswith("Icon="):
            line = f"Icon={icon}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def install_desktop_entry(data_home: Path | None = None) -> int:
    home = data_home or _data_home()
    apps = home / "applications"
    icons = home / "icons" / "hicolor" / "scalable" / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    icon = icons / f"{APP_ID}.svg"
    shutil.copyfile(resource_path("icons", f"{APP_ID}.svg"), icon)
    entry = apps / DESKTOP_NAME
    atomic_write_text(entry, render_entry(launch_command(), icon))
    entry.chmod(0o755)
    if shutil.which("update-desktop-database"):
        subprocess.run(["update-desktop-database", str(apps)], check=False, capture_output=True)
    print(f"installed {entry}")
    print(f"installed {icon}")
    return 0
