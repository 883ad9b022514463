"""Auto-rename: make every planned name in a batch unique by adding ``_2``, ``_3``…

A batch rename often gives two files the same name (``{date}`` for renders of one
day) or a name a file outside the batch already has. :func:`resolve_clashes` keeps
the first taker of a name and numbers the others, before the extension, skipping
names that exist on disk unless this batch frees them. Invalid names are left for
:func:`.naming.check_plan` to report; nothing is renamed here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from .naming import PlannedMove

#: Give up numbering one name after this many tries (the preview then shows the clash).
MAX_SUFFIX = 10_000


def _numbered(rel: str, n: int) -> str:
    folder, slash, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not stem:  # no extension (or a dot-file)
        stem, dot, ext = name, "", ""
    return f"{folder}{slash}{stem}_{n}{dot}{ext}"


def resolve_clashes(
    plan: Sequence[PlannedMove], exists: Callable[[str], bool]
) -> list[PlannedMove]:
    """The plan with clashing new names numbered; ``exists(rel)`` looks at the disk."""
    moving = [p for p in plan if p.new != p.old]
    freed = {p.old.casefold() for p in moving}
    taken = {p.old.casefold() for p in plan if p.new == p.old}

    def free(rel: str) -> bool:
        key = rel.casefold()
        if key in taken:
            return False
        return key in freed or not exists(rel)

    out = []
    for p in plan:
        if p.new == p.old:
            out.append(p)
            continue
        new = p.new
        n = 2
        while not free(new) and n < MAX_SUFFIX:
            new = _numbered(p.new, n)
            n += 1
        taken.add(new.casefold())
        out.append(replace(p, new=new) if new != p.new else p)
    return out
