"""API prompts the fake (and a real ComfyUI with the test node pack) can run.

EmptyImage → [SlowCounter | ImageInvert | FailAlways] → SaveImage. ``color`` makes two
prompts differ, so the server's cache does not answer the second one.
"""

from __future__ import annotations

from typing import Any


def _chain(middle: dict[str, Any], color: int, prefix: str, size: int) -> dict[str, Any]:
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": size, "height": size, "batch_size": 1, "color": color},
        },
        "2": middle,
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": prefix}},
    }


def slow_prompt(
    steps: int = 6,
    color: int = 7,
    prefix: str = "test/slow",
    size: int = 32,
    seconds_per_step: float = 0,
) -> dict[str, Any]:
    """SlowCounter reports one progress step per ``step_delay`` of the fake."""
    counter = {
        "class_type": "SlowCounter",
        "inputs": {"image": ["1", 0], "steps": steps, "seconds_per_step": seconds_per_step},
    }
    return _chain(counter, color, prefix, size)


def plain_prompt(color: int = 3, prefix: str = "test/plain", size: int = 32) -> dict[str, Any]:
    invert = {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}}
    return _chain(invert, color, prefix, size)


def failing_prompt(color: int = 0, prefix: str = "test/fail", size: int = 8) -> dict[str, Any]:
    """FailAlways raises ``RuntimeError("boom from FailAlways")`` when it runs."""
    fail = {"class_type": "FailAlways", "inputs": {"image": ["1", 0]}}
    return _chain(fail, color, prefix, size)
