#!/usr/bin/env bash
# Install what Director's Console needs (Debian libraries for Qt, a .venv) and start it.
# Arguments are passed on, e.g.: bash scripts/start.sh --project ~/Films/Nightfall
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_debs "${QT_RUNTIME_DEBS[@]}" || say "Continuing; Qt may fail to start without them."
ensure_venv ""
exec "$VENV/bin/directors-console" "$@"
