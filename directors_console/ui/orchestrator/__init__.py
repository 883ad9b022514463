"""The Orchestrator tab: the render farm and workflow graph."""

from directors_console.ui.orchestrator.tab import OrchestratorTab

__all__ = ["OrchestratorTab"]
