"""Auto-rename numbers clashing names in a batch plan."""

from __future__ import annotations

from pathlib import Path

from directors_console.core.gallery.autoname import resolve_clashes
from directors_console.core.gallery.naming import PlannedMove, check_plan


def test_clashes_in_the_batch_and_on_disk_get_numbers(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    for name in ("a.png", "b.png", "c.png", "day.png", "keep.png"):
        (tmp_path / "s" / name).write_bytes(b"x")
    plan = [
        PlannedMove("s/a.png", "s/day.png"),  # day.png exists and is not renamed
        PlannedMove("s/b.png", "s/day.png"),
        PlannedMove("s/c.png", "s/day.png"),
        PlannedMove("s/keep.png", "s/NEW.png"),
        PlannedMove("s/new.png", "s/new.png"),  # gone: not a rename, dropped
    ]
    assert all(p.problem for p in check_plan(tmp_path, plan[:3]))
    fixed = resolve_clashes(plan, lambda rel: (tmp_path / rel).exists())
    assert [p.new for p in fixed][:3] == ["s/day_2.png", "s/day_3.png", "s/day_4.png"]
    assert not any(p.problem for p in check_plan(tmp_path, fixed))


def test_names_freed_by_the_batch_are_used_and_kept_names_are_not(tmp_path: Path) -> None:
    for name in ("v1.png", "v2.png", "x"):
        (tmp_path / name).write_bytes(b"x")
    plan = [
        PlannedMove("v1.png", "v2.png"),  # v2 is renamed away: free
        PlannedMove("v2.png", "v3.png"),
        PlannedMove("x", "x"),  # unchanged: its name stays taken
        PlannedMove("v3.png", "x"),
    ]
    fixed = resolve_clashes(plan, lambda rel: (tmp_path / rel).exists())
    assert [p.new for p in fixed] == ["v2.png", "v3.png", "x", "x_2"]


def test_names_differing_only_in_case_clash() -> None:
    plan = [PlannedMove("a.png", "Hero.png"), PlannedMove("b.png", "HERO.png")]
    fixed = resolve_clashes(plan, lambda _rel: False)
    assert [p.new for p in fixed] == ["Hero.png", "HERO_2.png"]
