"""The Storyboard tab: the shot canvas."""

from directors_console.ui.storyboard.tab import StoryboardTab

__all__ = ["StoryboardTab"]
