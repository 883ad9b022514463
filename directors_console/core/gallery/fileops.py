"""Move, rename, batch rename, trash/restore and undo, crash-safe and inside the project.

Every operation is a batch of moves ``old -> new`` (project-relative POSIX paths):

1. each path is checked to stay inside the project (no ``..``, no absolute path, no
   symlinked folder leading out; both sides resolved and compared);
2. :mod:`.naming` checks the plan: nothing is ever overwritten;
3. ``.gallery/journal.json`` is written atomically before the first move, and rewritten
   with ``done`` marks as the batch goes;
4. each move is ``link(old, new)`` + ``unlink(old)`` (``link`` refuses an existing
   target), falling back to an exists-check + ``rename`` where hard links are refused;
5. ratings, tags and trash entries follow the moves in ``gallery.json``;
6. the batch is kept as ``.gallery/last_batch.json`` for one-step undo, and the journal
   removed.

After a crash (kill -9) :meth:`FileOps.recover` finishes the journal's batch: a move
whose target exists is done, one whose source still exists is redone; a file is never
lost and always has its old or its new name. Trash lives in ``.gallery/.trash/<id>/``.
All of this is blocking file I/O: run it in a worker thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from directors_console.core.events import FilesRenamed
from directors_console.core.storage import JsonSchema, read_json, write_json

from .naming import PlannedMove, check_plan, plan_move
from .store import GalleryStore

JOURNAL_SCHEMA = JsonSchema("gallery-journal", 1)
TRASH_DIR = ".gallery/.trash"
_MARK_EVERY = 64


class FileOpError(Exception):
    """A batch was refused before anything moved; ``str()`` is for the user."""


class PathEscapeError(FileOpError):
    """A path points outside the project."""


@dataclass
class BatchResult:
    moves: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def event(self, root: Path) -> FilesRenamed:
        return FilesRenamed(tuple((root / old, root / new) for old, new in self.moves))


def inside(root: Path, rel: str, *, follow_last: bool = False) -> Path:
    """``root / rel`` after checking that it cannot lead outside ``root``.

    The last component is resolved too with ``follow_last`` (a destination folder); a
    file that is itself a symlink may point anywhere: moving it moves the link.
    """
    norm = rel.replace("\\", "/")
    if not norm or norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise PathEscapeError(f"{rel!r} is not a path inside the project")
    if any(part in ("..", "") for part in norm.split("/")):
        raise PathEscapeError(f"{rel!r} is not a path inside the project")
    full = root / norm
    real_root = root.resolve()
    resolved = full.resolve() if follow_last else full.parent.resolve() / full.name
    if not resolved.is_relative_to(real_root):
        raise PathEscapeError(f"{rel!r} leads outside the project (through a link)")
    return full


def _move_no_overwrite(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        if not _same(src, dst):
            raise
        src.rename(dst)  # a case-only rename on a case-insensitive disk
        return
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK, errno.EACCES):
            raise
        if os.path.lexists(dst) and not _same(src, dst):
            raise FileExistsError(errno.EEXIST, "target exists", str(dst)) from None
        src.rename(dst)
        return
    src.unlink()


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


class FileOps:
    """File operations of one project; keeps ``store`` (ratings, tags, trash) in step."""

    def __init__(self, project: Path, store: GalleryStore | None = None) -> None:
        self.root = Path(project)
        self.store = store if store is not None else GalleryStore(self.root).load()
        self.journal = self.root / ".gallery" / "journal.json"
        self.last_batch = self.root / ".gallery" / "last_batch.json"

    # --- planning --------------------------------------------------------------------

    def preview(self, plan: Sequence[PlannedMove]) -> list[PlannedMove]:
        """The plan with every unsafe move marked (see :func:`.naming.check_plan`)."""
        checked = []
        for p in check_plan(self.root, plan):
            problem = p.problem
            try:
                inside(self.root, p.old)
                inside(self.root, p.new)
            except PathEscapeError as exc:
                problem = str(exc)
            if problem is None and not os.path.lexists(self.root / p.old):
                problem = "the file is gone"
            checked.append(PlannedMove(p.old, p.new, problem))
        return checked

    def apply(self, plan: Sequence[PlannedMove], kind: str = "rename") -> BatchResult:
        """Carry out a plan; refused as a whole if any move has a problem."""
        checked = self.preview(plan)
        bad = [p for p in checked if p.problem]
        if bad:
            raise FileOpError(f"{bad[0].old}: {bad[0].problem}" + (
                f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))  # fmt: skip
        return self._run([(p.old, p.new) for p in checked], kind)

    def rename(self, rel: str, new_name: str) -> BatchResult:
        folder = rel.rpartition("/")[0]
        return self.apply([PlannedMove(rel, f"{folder}/{new_name}" if folder else new_name)])

    def move(self, rels: Sequence[str], folder: str) -> BatchResult:
        if folder.strip("/"):
            inside(self.root, folder.strip("/"), follow_last=True)
        return self.apply(plan_move(rels, folder), kind="move")

    # --- trash -----------------------------------------------------------------------

    def trash(self, rels: Sequence[str]) -> BatchResult:
        stamp = f"{time.time_ns():x}"
        plan = [
            PlannedMove(rel, f"{TRASH_DIR}/{stamp}-{i}/{rel.rpartition('/')[2]}")
            for i, rel in enumerate(rels)
        ]
        return self.apply(plan, kind="trash")

    def restore(self, trash_ids: Sequence[str]) -> BatchResult:
        entries = self.store.trash_entries()
        plan = [PlannedMove(entries[t][1], entries[t][0]) for t in trash_ids if t in entries]
        return self.apply(plan, kind="restore")

    def empty_trash(self) -> int:
        """Delete everything in the trash for good; returns the number of files."""
        count = 0
        for trash_id, (_original, stored) in self.store.trash_entries().items():
            with contextlib.suppress(FileNotFoundError):
                (self.root / stored).unlink()
                count += 1
            self.store.remove_trash(trash_id)
        shutil.rmtree(self.root / TRASH_DIR, ignore_errors=True)
        self.store.save()
        with contextlib.suppress(FileNotFoundError):
            batch = read_json(self.last_batch, JOURNAL_SCHEMA)
            if batch.get("kind") == "trash":
                self.last_batch.unlink()
        return count

    # --- undo ------------------------------------------------------------------------

    def can_undo(self) -> bool:
        return self.last_batch.exists()

    def undo(self) -> BatchResult:
        """Reverse the last batch (once)."""
        try:
            batch = read_json(self.last_batch, JOURNAL_SCHEMA)
        except FileNotFoundError:
            raise FileOpError("there is nothing to undo") from None
        moves = [(str(m[1]), str(m[0])) for m in batch.get("moves", [])]
        result = self.apply([PlannedMove(a, b) for a, b in reversed(moves)], kind="undo")
        self.last_batch.unlink(missing_ok=True)
        return result

    # --- the journaled batch ---------------------------------------------------------

    def _write_journal(self, kind: str, ops: list[dict[str, Any]]) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        write_json(self.journal, JOURNAL_SCHEMA, {"kind": kind, "ops": ops})

    def _run(self, moves: list[tuple[str, str]], kind: str) -> BatchResult:
        if not moves:
            return BatchResult()
        if self.journal.exists():
            self.recover()
        inodes = {old: _inode(self.root / old) for old, _ in moves}
        ops: list[dict[str, Any]] = [
            {"old": a, "new": b, "ino": inodes.get(origin, 0), "done": False}
            for a, b, origin in two_phase(moves, f"{time.time_ns():x}")
        ]
        self._write_journal(kind, ops)
        done: list[tuple[str, str]] = []
        problems: list[str] = []
        for i, op in enumerate(ops):
            try:
                _move_no_overwrite(self.root / op["old"], self.root / op["new"])
            except OSError as exc:
                problems.append(f"{op['old']}: {exc.strerror or exc}")
                op["failed"] = True
            else:
                done.append((op["old"], op["new"]))
            op["done"] = True
            if i % _MARK_EVERY == _MARK_EVERY - 1:
                self._write_journal(kind, ops)
        result = BatchResult(net_moves(done), problems)
        self._finish(kind, result.moves)
        return result

    def _finish(self, kind: str, moves: list[tuple[str, str]]) -> None:
        self._follow_in_store(moves)
        if kind == "undo":
            self.last_batch.unlink(missing_ok=True)
        elif moves:
            write_json(self.last_batch, JOURNAL_SCHEMA, {"kind": kind, "moves": moves})
        self.journal.unlink(missing_ok=True)

    def _follow_in_store(self, moves: list[tuple[str, str]]) -> None:
        self.store.reload()
        self.store.move_paths(moves)
        prefix = TRASH_DIR + "/"
        for old, new in moves:
            if new.startswith(prefix):
                self.store.add_trash(new[len(prefix) :].split("/")[0], old, new)
            if old.startswith(prefix):
                self.store.remove_trash(old[len(prefix) :].split("/")[0])
        self.store.save()

    def _state(self, op: dict[str, Any], later: list[dict[str, Any]]) -> str:
        """ "done", "todo" or "missing": where the step's file (by inode) is now.

        Names are reused within a batch (two phases), so existence alone cannot tell;
        the file's inode, recorded in the journal, can: moves keep it.
        """
        old, new = self.root / str(op["old"]), self.root / str(op["new"])
        ino = op.get("ino")
        if not isinstance(ino, int) or ino == 0:  # no inodes (some network shares)
            has_old, has_new = os.path.lexists(old), os.path.lexists(new)
            return "done" if has_new and not has_old else "todo" if has_old else "missing"

        def holds(path: Path) -> os.stat_result | None:
            try:
                st = os.lstat(path)
            except OSError:
                return None
            return st if st.st_ino == ino else None

        if holds(new) is not None:
            st = holds(old)
            if st is not None and st.st_nlink > 1:
                old.unlink()  # crashed between link and unlink
            return "done"
        if any(holds(self.root / str(o["new"])) for o in later if o.get("ino") == ino):
            return "done"  # and moved on by a later step
        return "todo" if holds(old) is not None else "missing"

    def recover(self) -> BatchResult | None:
        """Finish a batch a crash interrupted; None if there was none."""
        try:
            journal = read_json(self.journal, JOURNAL_SCHEMA)
        except FileNotFoundError:
            return None
        kind = str(journal.get("kind", "rename"))
        ops = [op for op in journal.get("ops", []) if isinstance(op, dict)]
        done: list[tuple[str, str]] = []
        problems: list[str] = []
        for n, op in enumerate(ops):
            if op.get("failed"):
                continue
            pair = (str(op["old"]), str(op["new"]))
            state = self._state(op, ops[n + 1 :])
            if state == "todo":
                try:
                    _move_no_overwrite(self.root / pair[0], self.root / pair[1])
                except OSError as exc:
                    problems.append(f"{pair[0]}: kept its name ({exc.strerror or exc})")
                    continue
            elif state == "missing":
                problems.append(f"{pair[0]}: missing before and after the move")
                continue
            done.append(pair)
        result = BatchResult(net_moves(done), problems)
        self._finish(kind, result.moves)
        return result


def _inode(path: Path) -> int:
    try:
        return os.lstat(path).st_ino
    except OSError:
        return 0


def two_phase(moves: list[tuple[str, str]], batch: str) -> list[tuple[str, str, str]]:
    """The steps ``(old, new, original name)`` of a batch: a file whose name another
    file takes moves aside first.

    ``a -> b, b -> a`` becomes ``b -> .b.dc-…, a -> b, .b.dc-… -> a``; temporary names
    are hidden files in the same folder, so browsing and indexing skip them.
    """
    sources = {old for old, _ in moves}
    taken = {new for _, new in moves if new in sources}
    aside: list[tuple[str, str, str]] = []
    final: list[tuple[str, str, str]] = []
    for i, (old, new) in enumerate(moves):
        if old in taken:
            folder, _, name = old.rpartition("/")
            tmp = f"{folder}/.{name}.dc-{batch}-{i}" if folder else f".{name}.dc-{batch}-{i}"
            aside.append((old, tmp, old))
            final.append((tmp, new, old))
        else:
            final.append((old, new, old))
    return aside + final


def net_moves(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Where each file started and where it ended, in order, without temporary names."""
    origin: dict[str, str] = {}
    for old, new in steps:
        origin[new] = origin.pop(old, old)
    return [(first, last) for last, first in origin.items() if first != last]
