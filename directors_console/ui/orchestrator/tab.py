"""The Orchestrator tab page."""

from __future__ import annotations

from directors_console.ui.common.intro_tab import IntroTab


class OrchestratorTab(IntroTab):
    tab_id = "orchestrator"
    title = "Orchestrator"
    needs_project = False
    purpose = (
        "Run your render farm: add ComfyUI servers, watch their health and load, follow "
        "the persistent job queue, and chain workflows across servers in a node graph."
    )
