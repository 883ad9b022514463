"""The Prompt Studio tab page."""

from __future__ import annotations

from directors_console.ui.common.intro_tab import IntroTab


class PromptStudioTab(IntroTab):
    tab_id = "prompt_studio"
    title = "Prompt Studio"
    needs_project = False
    purpose = (
        "Build cinematic prompts from camera, lens, film stock, lighting, shot size, "
        "composition, mood and colour — for live action or animation — start from a "
        "film or animation preset, and optionally let an LLM refine the result."
    )
