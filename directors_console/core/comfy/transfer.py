"""HTTP and file plumbing for uploads and downloads, kept off the event loop.

:class:`AtomicDownload` receives a streamed body chunk by chunk into a temp file beside
the destination and, on success, fsyncs and renames it over the destination — a reader
sees the old file or the complete new one, never half, and memory holds one chunk at a
time. :class:`MappedStream` wraps an ``httpx`` stream so that transport failures surface
as our typed errors, like every other call of the client. :func:`prepare_upload` reads
and hashes the bytes to upload (in a worker thread) and picks a content-addressed name,
so the same image always maps to the same name.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from directors_console.core.storage import fsync_dir

from .errors import ConnectionLost, HttpError, ServerTimeout
from .messages import image_format_of

_HASH_INLINE_LIMIT = 256 * 1024


@dataclass(frozen=True)
class UploadPayload:
    data: bytes
    digest: str  # sha256 hex
    filename: str
    content_type: str


def _mime(data: bytes, suffix: str) -> tuple[str, str]:
    fmt = image_format_of(data)
    if fmt is not None:
        return f"image/{fmt}", "." + ("jpg" if fmt == "jpeg" else fmt)
    return "application/octet-stream", suffix or ".bin"


async def prepare_upload(source: Path | bytes, filename: str | None) -> UploadPayload:
    """Read (if a path) and hash the bytes in a worker thread; choose the upload name."""
    if isinstance(source, Path):
        data = await asyncio.to_thread(source.read_bytes)
        suffix = source.suffix.lower()
    else:
        data, suffix = bytes(source), ""
    if len(data) > _HASH_INLINE_LIMIT:
        digest = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
    else:
        digest = hashlib.sha256(data).hexdigest()
    mime, ext = _mime(data, suffix)
    name = filename or f"dc_{digest[:24]}{suffix or ext}"
    return UploadPayload(data, digest, name, mime)


class AtomicDownload:
    """A temp file that becomes ``dest`` on :meth:`commit` and vanishes on :meth:`abort`."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.size = 0
        self._fh: BinaryIO | None = None
        self._tmp: Path | None = None

    def _open(self) -> None:
        folder = self.dest.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.dest.name}.", suffix=".part", dir=folder)
        self._tmp = Path(name)
        self._fh = os.fdopen(fd, "wb")

    async def open(self) -> None:
        await asyncio.to_thread(self._open)

    async def write(self, chunk: bytes) -> None:
        assert self._fh is not None, "open() first"
        await asyncio.to_thread(self._fh.write, chunk)
        self.size += len(chunk)

    def _commit(self) -> None:
        assert self._fh is not None and self._tmp is not None
        fh, tmp = self._fh, self._tmp
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        self._fh = None
        tmp.chmod(0o644)
        tmp.replace(self.dest)
        self._tmp = None
        fsync_dir(self.dest.parent)

    async def commit(self) -> None:
        await asyncio.to_thread(self._commit)

    def abort(self) -> None:
        """Close and delete the temp file (sync and quick: safe in ``finally``/cancel)."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()
            self._tmp = None


def ssl_context(verify: bool | str | ssl.SSLContext) -> ssl.SSLContext:
    """``True``: system CAs; ``False``: no checks (self-signed); a path: that CA bundle."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class MappedStream:
    """``httpx`` stream context whose transport errors surface as our typed errors."""

    def __init__(self, base_url: str, inner: Any, what: str) -> None:
        self._base_url, self._inner, self._what = base_url, inner, what

    async def __aenter__(self) -> httpx.Response:
        try:
            resp: httpx.Response = await self._inner.__aenter__()
        except httpx.TimeoutException as exc:
            raise ServerTimeout(f"{self._base_url}: {self._what} timed out") from exc
        except httpx.RequestError as exc:
            raise ConnectionLost(f"{self._base_url}: {self._what}: {describe_error(exc)}") from exc
        return resp

    async def __aexit__(self, et: Any, exc: BaseException | None, tb: Any) -> None:
        await self._inner.__aexit__(et, exc, tb)
        if isinstance(exc, httpx.TimeoutException):
            raise ServerTimeout(f"{self._base_url}: {self._what} stalled") from exc
        if isinstance(exc, httpx.RequestError):
            raise ConnectionLost(f"{self._base_url}: {self._what}: {describe_error(exc)}") from exc


async def raise_for_status(resp: httpx.Response, path: str) -> None:
    if resp.is_success:
        return
    head = b""
    async for chunk in resp.aiter_bytes():
        head += chunk
        if len(head) > 4000:
            break
    raise HttpError(resp.status_code, head.decode("utf-8", "replace"), method="GET", path=path)


def content_length(resp: httpx.Response) -> int | None:
    value = resp.headers.get("content-length")
    if value is None or resp.headers.get("content-encoding"):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def describe_error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
