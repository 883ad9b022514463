"""The Gallery tab page."""

from __future__ import annotations

from directors_console.ui.common.intro_tab import IntroTab


class GalleryTab(IntroTab):
    tab_id = "gallery"
    title = "Gallery"
    needs_project = True
    purpose = (
        "Browse and manage the media in your project folders: folder tree, ratings, "
        "tags, metadata search, duplicates, safe move/rename and trash with restore."
    )
