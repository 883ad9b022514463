"""The Storyboard tab page."""

from __future__ import annotations

from directors_console.ui.common.intro_tab import IntroTab


class StoryboardTab(IntroTab):
    tab_id = "storyboard"
    title = "Storyboard"
    needs_project = True
    purpose = (
        "Lay out your shots as panels on a free canvas: drag, align and snap them, add "
        "notes and ratings, and render each panel on your ComfyUI farm with live "
        "progress. Every panel keeps its own folder of versioned outputs."
    )
