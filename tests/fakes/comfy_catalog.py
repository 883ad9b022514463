"""The node catalog of one fake ComfyUI instance: its object_info and what depends on it.

Each instance has its own copy, so tests can build servers with different capabilities (a
class missing from the catalog is rejected like on a real server without that node pack).
Loader COMBOs (``ckpt_name``, ``lora_name``...) list the instance's configured model files,
LoadImage lists the images in its input folder, and the custom validators check that files
named by LoadImage/LoadVideo exist, as the real nodes' VALIDATE_INPUTS do.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.comfy_config import IMAGE_SUFFIXES, MODEL_CLASS_INPUTS, MODEL_INPUTS
from tests.fakes.comfy_nodes import Dirs
from tests.fakes.comfy_validate import CustomValidator


def _set_options(definition: list[Any], options: list[str]) -> None:
    if isinstance(definition[0], list):
        definition[0] = list(options)
    elif definition[0] == "COMBO" and len(definition) > 1 and isinstance(definition[1], dict):
        definition[1]["options"] = list(options)


class NodeCatalog:
    def __init__(self, object_info: dict[str, Any], models: dict[str, list[str]], dirs: Dirs):
        self.info = copy.deepcopy(object_info)
        self.models = models
        self.dirs = dirs
        self.apply_models()

    def apply_models(self) -> None:
        for class_type, info in self.info.items():
            for section in ("required", "optional"):
                for name, definition in (info.get("input", {}).get(section) or {}).items():
                    folder = MODEL_CLASS_INPUTS.get((class_type, name), MODEL_INPUTS.get(name))
                    if folder is not None and folder in self.models:
                        _set_options(definition, self.models[folder])

    def set_models(self, folder: str, names: list[str]) -> None:
        self.models[folder] = list(names)
        self.apply_models()

    def refreshed(self) -> dict[str, Any]:
        """object_info with the input-folder listings brought up to date."""
        folder = self.dirs.input
        files = []
        if folder.is_dir():
            files = sorted(
                p.name
                for p in folder.iterdir()
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        for class_type in ("LoadImage", "LoadImageMask"):
            required = self.info.get(class_type, {}).get("input", {}).get("required", {})
            if "image" in required:
                _set_options(required["image"], files)
        return self.info

    def custom_validators(self) -> dict[str, CustomValidator]:
        def exists(kind: str, key: str) -> Any:
            def check(values: dict[str, Any]) -> bool | str:
                name = values.get(key)
                if isinstance(name, str) and self.dirs.annotated(name).is_file():
                    return True
                return f"Invalid {kind} file: {name}"

            return check

        image = (("image",), exists("image", "image"))
        return {
            "LoadImage": image,
            "LoadImageMask": image,
            "LoadVideo": (("file",), exists("video", "file")),
        }
