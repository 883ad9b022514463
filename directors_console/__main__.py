"""``python -m directors_console`` runs the program like the installed command."""

import sys

from directors_console.app.main import main

sys.exit(main())
