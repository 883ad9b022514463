"""The Video tab page."""

from __future__ import annotations

from directors_console.ui.common.intro_tab import IntroTab


class VideoTab(IntroTab):
    tab_id = "video"
    title = "Video"
    needs_project = True
    purpose = (
        "Turn storyboard shots into clips with image-to-video workflows, then play and "
        "scrub the results."
    )
