# Shared by scripts/start.sh and scripts/test.sh: system libraries and the .venv.
# Sourced, not run. Idempotent: a second run installs nothing that is already there.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_BIN="${PYTHON:-python3}"

# Libraries Qt's xcb platform plugin and QtMultimedia need on Debian.
QT_RUNTIME_DEBS=(libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libpulse0
  fonts-dejavu-core)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

_apt_updated=0
ensure_debs() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n)
    else
      say "Please install these Debian packages (needs root): ${missing[*]}"
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    say "No apt-get here; install the equivalents of: ${missing[*]}"
    return 1
  fi
  say "Installing Debian packages: ${missing[*]}"
  if [ $_apt_updated -eq 0 ]; then
    "${sudo[@]}" apt-get update -qq >&2 || true
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
}

# ensure_venv EXTRA: create .venv and install the project (editable) with [EXTRA].
ensure_venv() {
  local extra="${1:-}"
  local spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  if ! "$PYTHON_BIN" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "Python 3.11 or newer is needed ($PYTHON_BIN is $("$PYTHON_BIN" --version 2>&1))"
    return 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating $VENV"
    if ! "$PYTHON_BIN" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      local ver
      ver=$("$PYTHON_BIN" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
      ensure_debs "python${ver}-venv" || ensure_debs python3-venv
      "$PYTHON_BIN" -m venv "$VENV"
    fi
  fi
  local stamp="$VENV/.installed${extra:+-$extra}"
  local want
  want=$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  say "Installing Python packages into $VENV ($spec)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >&2
  (cd "$ROOT" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec" >&2)
  echo "$want" > "$stamp"
}
