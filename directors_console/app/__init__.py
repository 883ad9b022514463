"""Composition root: command line, settings, logging; builds every service once."""
