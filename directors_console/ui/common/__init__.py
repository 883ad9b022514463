"""Widgets shared by every tab."""
