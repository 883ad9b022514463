"""Director's Console: from a shot idea to finished stills and clips on your ComfyUI farm."""

__version__ = "0.1.0"
APP_ID = "directors-console"
APP_NAME = "Director's Console"
