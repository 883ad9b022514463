"""A local SQLite index of a project's media, with FTS5 full-text search on prompts.

The database lives in the user's cache folder, one file per project (named by a hash
of the project's resolved path), so it never travels with the project and can always
be rebuilt. :meth:`GalleryIndex.update` is incremental: files are matched by
``(size, mtime)``, so a file changed in place is re-read and a removed file dropped.
Metadata is read in batches by a process pool (spawn context) for large updates, in
the calling thread for small ones; progress goes to a callback and a
:class:`~.scanner.CancelToken` stops it between batches (what is done stays done).

Paths are stored as bytes (``os.fsencode`` of the project-relative POSIX path), so
names that are not valid UTF-8 are indexed too. Row ids sort like mtimes
(:func:`time_key`), so "newest first" needs no sort. Queries are in :mod:`.search`.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import sqlite3
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .metadata import read_metadata
from .scanner import Cancelled, CancelToken, FileEntry, walk_files

INDEX_VERSION = 4
BATCH = 256
#: Rows written per transaction (and per progress report).
COMMIT_ROWS = 2048
#: Below this many files to read, a pool costs more than it saves.
POOL_THRESHOLD = 2000

Progress = Callable[[int, int], None]  # done, total

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY, path BLOB UNIQUE NOT NULL, folder BLOB NOT NULL,
    name TEXT NOT NULL, ext TEXT NOT NULL, kind TEXT NOT NULL, format TEXT,
    size INTEGER NOT NULL, mtime REAL NOT NULL,
    seed, model TEXT, loras TEXT, sampler TEXT, scheduler TEXT,
    steps INTEGER, cfg REAL, width INTEGER, height INTEGER,
    positive TEXT, negative TEXT, shot TEXT, problems TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    positive, negative, model, loras, name, content='files', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
"""
_COLUMNS = (
    "path, folder, name, ext, kind, format, size, mtime, seed, model, loras, sampler, "
    "scheduler, steps, cfg, width, height, positive, negative, shot, problems"
)

Row = tuple[Any, ...]
Job = tuple[str, str, str, int, float]


def index_file_for(project: Path, cache_dir: Path) -> Path:
    digest = hashlib.sha256(os.fsencode(str(Path(project).resolve()))).hexdigest()[:24]
    return Path(cache_dir) / "gallery-index" / f"{digest}.sqlite"


def time_key(mtime: float, path: bytes) -> int:
    """A row id that sorts like the file's mtime, so "newest first" streams from FTS.

    Milliseconds in the high bits, 20 bits of a path hash below; a clash moves up by one.
    """
    ms = min(max(0, int(mtime * 1000)), (1 << 42) - 1)
    return (ms << 20) | (zlib.crc32(path) & 0xFFFFF)


def display(text: str) -> str:
    """Text safe for SQLite/JSON: undecodable bytes of a file name shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def extract(job: Job) -> Row:
    """One ``files`` row for ``(absolute path, relative path, kind, size, mtime)``."""
    path, rel, kind, size, mtime = job
    folder, _, name = rel.rpartition("/")
    ext = name.rpartition(".")[2].lower() if "." in name.lstrip(".") else ""
    if kind == "other":
        return (os.fsencode(rel), os.fsencode(folder), display(name), ext, kind, None,
                size, mtime) + (None,) * 13  # fmt: skip
    meta = read_metadata(path)
    info = meta.info
    # ComfyUI seeds go up to 2**64 - 1, beyond SQLite's integers: those are kept as text
    # (the column has no type affinity, so SQLite does not turn them into floats).
    seed = info.seed if info.seed is None or _INT64 >= info.seed >= -_INT64 else str(info.seed)
    return (
        os.fsencode(rel), os.fsencode(folder), display(name), ext, kind, meta.format,
        size, mtime, seed, _text(info.model), _text(" ".join(info.loras)),
        _text(info.sampler), _text(info.scheduler), _small(info.steps), info.cfg,
        _small(info.width), _small(info.height), _text(info.positive), _text(info.negative),
        _text(json.dumps(meta.shot, default=str)) if meta.shot else None,
        _text("\n".join(meta.problems)),
    )  # fmt: skip


_INT64 = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def _small(value: int | None) -> int | None:
    return value if value is None or abs(value) < 2**31 else None


def _text(value: str | None) -> str | None:
    """Text SQLite accepts: lone surrogates (possible in JSON) become U+FFFD."""
    if not value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    return value


def extract_batch(jobs: list[Job]) -> list[Row]:
    return [extract(job) for job in jobs]


@dataclass
class IndexReport:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    problems: list[str] = field(default_factory=list)


class GalleryIndex:
    """The search index of one project; not thread-safe (one owner thread)."""

    def __init__(
        self,
        project: Path,
        cache_dir: Path,
        *,
        workers: int | None = None,
        executor: Executor | None = None,
    ) -> None:
        """``executor``: a process pool owned by the caller (the app shares one); else the
        index starts its own ``spawn`` pool of ``workers`` processes when first needed."""
        self.project = Path(project)
        self.file = index_file_for(self.project, cache_dir)
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: Executor | None = executor
        self._owns_pool = executor is None
        self.db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            db = self._open()
        except sqlite3.DatabaseError:
            # A damaged cache is rebuilt, never repaired: it holds nothing the user made.
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.file) + suffix).unlink(missing_ok=True)
            db = self._open()
        return db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.file, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA cache_size=-65536")
        if db.execute("PRAGMA user_version").fetchone()[0] != INDEX_VERSION:
            db.executescript("DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS fts;")
            db.execute(f"PRAGMA user_version={INDEX_VERSION}")
        if db.execute("SELECT name FROM sqlite_master WHERE name = 'fts'").fetchone() is None:
            db.executescript(_SCHEMA)
            # Fewer, larger segment merges: bulk loads are a third faster.
            db.execute("INSERT INTO fts(fts, rank) VALUES ('automerge', 16)")
        db.commit()
        return db

    def close(self) -> None:
        if self._pool is not None and self._owns_pool:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self.db.close()

    def __enter__(self) -> GalleryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pool(self) -> Executor:
        """The worker pool, started once and kept warm for the next update."""
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool

    def drop_pool(self) -> None:
        """Forget a broken pool; the next large update starts a new one of our own."""
        if self._pool is not None and self._owns_pool:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        self._owns_pool = True

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM files").fetchone()[0])

    def update(
        self, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> IndexReport:
        """Bring the index in line with the files on disk."""
        started = time.perf_counter()
        report = IndexReport()
        known = {
            bytes(p): (s, m) for p, s, m in self.db.execute("SELECT path, size, mtime FROM files")
        }
        feeder = _Feeder(self)
        root = str(self.project)
        cut = len(root) + 1
        try:
            for entry in walk_files(self.project, cancel):
                rel = entry.path[cut:] if os.sep == "/" else _rel(entry, root)
                self._note(feeder, report, entry, rel, known.pop(os.fsencode(rel), None))
            self._finish(feeder, report, list(known), progress, cancel)
        except Cancelled:
            feeder.cancel()
            report.cancelled = True
        report.seconds = time.perf_counter() - started
        return report

    def update_files(
        self,
        changed: Sequence[FileEntry],
        removed: Sequence[str],
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> IndexReport:
        """Read ``changed`` (new or rewritten files) and drop ``removed`` (absolute
        paths), without walking the project: new renders in a watched folder. Files
        whose size and mtime the index already has are skipped."""
        started = time.perf_counter()
        report = IndexReport()
        jobs = [(e, self.rel(e.path)) for e in changed]
        known = self._known_rows(os.fsencode(rel) for _e, rel in jobs)
        feeder = _Feeder(self)
        try:
            for entry, rel in jobs:
                self._note(feeder, report, entry, rel, known.get(os.fsencode(rel)))
            gone = [os.fsencode(self.rel(p)) for p in removed]
            self._finish(feeder, report, gone, progress, cancel)
        except Cancelled:
            feeder.cancel()
            report.cancelled = True
        report.seconds = time.perf_counter() - started
        return report

    def rel(self, path: str) -> str:
        """The project-relative POSIX path of an absolute path inside the project."""
        prefix = str(self.project) + os.sep
        if path.startswith(prefix):
            return path[len(prefix) :].replace(os.sep, "/")
        return Path(os.path.relpath(path, self.project)).as_posix()

    def _known_rows(self, rels: Iterable[bytes]) -> dict[bytes, tuple[int, float]]:
        keys = list(rels)
        out: dict[bytes, tuple[int, float]] = {}
        for start in range(0, len(keys), 900):  # below SQLite's limit of bound parameters
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT path, size, mtime FROM files WHERE path IN ({marks})"
            for path, size, mtime in self.db.execute(query, chunk):
                out[bytes(path)] = (size, mtime)
        return out

    @staticmethod
    def _note(
        feeder: _Feeder,
        report: IndexReport,
        entry: FileEntry,
        rel: str,
        old: tuple[int, float] | None,
    ) -> None:
        """Count ``entry`` against its row (``old``) and queue it to be read if new."""
        if old == (entry.size, entry.mtime):
            report.unchanged += 1
            return
        if old is None:
            report.added += 1
        else:
            report.changed += 1
        feeder.add((entry.path, rel, entry.kind, entry.size, entry.mtime))

    def _finish(
        self,
        feeder: _Feeder,
        report: IndexReport,
        gone: list[bytes],
        progress: Progress | None,
        cancel: CancelToken | None,
    ) -> None:
        """Drop the rows of ``gone`` and write what ``feeder`` read."""
        if gone:
            with self.db:
                self._delete(gone)
        report.removed = len(gone)
        self._store(feeder, report, progress, cancel)

    def _store(
        self,
        feeder: _Feeder,
        report: IndexReport,
        progress: Progress | None,
        cancel: CancelToken | None,
    ) -> None:
        done, total = 0, feeder.total
        if progress is not None:
            progress(0, total)
        pending: list[Row] = []
        for rows in feeder.results():
            if cancel is not None:
                cancel.check()
            pending.extend(rows)
            if len(pending) < COMMIT_ROWS and len(pending) + done < total:
                continue
            # Few large transactions: FTS5 writes one segment per transaction.
            with self.db:
                self._delete([r[0] for r in pending])
                self._insert(pending)
            done += len(pending)
            report.problems.extend(f"{os.fsdecode(bytes(r[0]))}: {r[20]}" for r in pending if r[20])
            pending = []
            if progress is not None:
                progress(done, total)

    def _insert(self, rows: list[Row]) -> None:
        ids = [time_key(row[7], row[0]) for row in rows]
        marks = ",".join("?" * len(ids))
        taken = {i for (i,) in self.db.execute(f"SELECT id FROM files WHERE id IN ({marks})", ids)}
        used: set[int] = set()
        for n, rowid in enumerate(ids):
            while rowid in taken or rowid in used:  # two files in the same millisecond
                rowid += 1
            used.add(rowid)
            ids[n] = rowid
        values = ", ".join("?" * 22)
        self.db.executemany(
            f"INSERT INTO files(id, {_COLUMNS}) VALUES ({values})",
            [(rowid, *row) for rowid, row in zip(ids, rows, strict=True)],
        )
        self.db.executemany(
            "INSERT INTO fts(rowid, positive, negative, model, loras, name) VALUES (?,?,?,?,?,?)",
            [(i, r[17], r[18], r[9], r[10], r[2]) for i, r in zip(ids, rows, strict=True)],
        )

    def _delete(self, paths: list[bytes]) -> None:
        # External-content FTS: a row is removed from the index with its old values.
        for path in paths:
            found = self.db.execute(
                "SELECT id, positive, negative, model, loras, name FROM files WHERE path = ?",
                (path,),
            ).fetchone()
            if found is not None:
                self.db.execute(
                    "INSERT INTO fts(fts, rowid, positive, negative, model, loras, name) "
                    "VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                    found,
                )
                self.db.execute("DELETE FROM files WHERE id = ?", found[:1])

    def rename_paths(self, moves: list[tuple[str, str]]) -> None:
        """Follow renames made by :mod:`.fileops` without re-reading the files."""
        with self.db:
            for old, new in moves:
                folder, _, name = new.rpartition("/")
                self._delete([os.fsencode(new)])
                cur = self.db.execute(
                    f"SELECT id, {_COLUMNS} FROM files WHERE path = ?", (os.fsencode(old),)
                )
                found = cur.fetchone()
                if found is None:
                    continue
                self._delete([os.fsencode(old)])
                row = list(found[1:])
                row[0:3] = [os.fsencode(new), os.fsencode(folder), display(name)]
                self._insert([tuple(row)])

    def row(self, rel: str) -> dict[str, Any] | None:
        cur = self.db.execute("SELECT * FROM files WHERE path = ?", (os.fsencode(rel),))
        found = cur.fetchone()
        if found is None:
            return None
        return {d[0]: v for d, v in zip(cur.description, found, strict=True)}


class _Feeder:
    """Collects files to read while the walk goes on; past :data:`POOL_THRESHOLD` files
    the batches go to the process pool at once, so reading overlaps the walk."""

    def __init__(self, index: GalleryIndex) -> None:
        self.index = index
        self.total = 0
        self._pending: list[Job] = []
        self._inline: list[list[Job]] = []
        self._futures: deque[tuple[Future[list[Row]], list[Job]]] = deque()
        self._use_pool = False

    def add(self, job: Job) -> None:
        self._pending.append(job)
        self.total += 1
        if not self._use_pool and self.total >= POOL_THRESHOLD and self.index.workers > 1:
            self._use_pool = True
            for chunk in self._inline:
                self._submit(chunk)
            self._inline = []
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        chunk, self._pending = self._pending, []
        if not chunk:
            return
        if self._use_pool:
            self._submit(chunk)
        else:
            self._inline.append(chunk)

    def _submit(self, chunk: list[Job]) -> None:
        try:
            self._futures.append((self.index.pool().submit(extract_batch, chunk), chunk))
        except (BrokenProcessPool, RuntimeError, OSError):
            self.index.drop_pool()
            self._inline.append(chunk)

    def results(self) -> Iterator[list[Row]]:
        self._flush()
        while self._inline:
            yield extract_batch(self._inline.pop(0))
        while self._futures:
            future, chunk = self._futures.popleft()
            try:
                yield future.result()
            except (BrokenProcessPool, OSError):
                # A worker died (out of memory, killed): read this batch here instead.
                self.index.drop_pool()
                yield extract_batch(chunk)

    def cancel(self) -> None:
        for future, _chunk in self._futures:
            future.cancel()
        self._futures.clear()


def _rel(entry: FileEntry, root: str) -> str:
    return Path(os.path.relpath(entry.path, root)).as_posix()
