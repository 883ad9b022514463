"""Test doubles for the outside world; ``FakeComfyServer`` stands in for a real ComfyUI."""

from tests.fakes.comfy_exec import ExecutionRecord
from tests.fakes.comfy_server import FakeComfyConfig, FakeComfyServer, RequestRecord, UploadRecord

__all__ = [
    "ExecutionRecord",
    "FakeComfyConfig",
    "FakeComfyServer",
    "RequestRecord",
    "UploadRecord",
]
