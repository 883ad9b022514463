"""Start Director's Console (double-click or ``python directors_console_main.py``)."""

import sys

from directors_console.app.main import main

if __name__ == "__main__":
    sys.exit(main())
