"""The Prompt Studio tab: cinematography rules engine, presets and prompt generation."""

from directors_console.ui.prompt_studio.tab import PromptStudioTab

__all__ = ["PromptStudioTab"]
