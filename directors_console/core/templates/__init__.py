"""Workflow templates: the file format, the loader, the WorkflowBuilder and the angles."""

from .angles import Angle, AngleFileError, AngleLibrary
from .builder import BuildError, BuiltWorkflow, Lora, Prompts, SeedMode, WorkflowBuilder
from .loader import TemplateChanges, TemplateError, TemplateLoader, load_template_file
from .model import (
    Category,
    ImageRole,
    ParamType,
    Template,
    TemplateInvalid,
    TemplateIssue,
    parse_template,
)
from .validate import prompt_problems

__all__ = [
    "Angle",
    "AngleFileError",
    "AngleLibrary",
    "BuildError",
    "BuiltWorkflow",
    "Category",
    "ImageRole",
    "Lora",
    "ParamType",
    "Prompts",
    "SeedMode",
    "Template",
    "TemplateChanges",
    "TemplateError",
    "TemplateInvalid",
    "TemplateIssue",
    "TemplateLoader",
    "WorkflowBuilder",
    "load_template_file",
    "parse_template",
    "prompt_problems",
]
