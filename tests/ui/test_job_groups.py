"""The jobs table shows how far each job group has come."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from directors_console.core.farm.jobs import Job, JobState
from directors_console.core.farm.queue import JobQueue
from directors_console.ui.orchestrator.job_model import JobTableModel


def test_group_column_counts_finished_jobs(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    queue = JobQueue(tmp_path / "jobs.sqlite")
    try:
        jobs = queue.submit_many(
            [Job(prompt={}, destination="/o", label=f"s{i}") for i in range(3)], "Scene 12"
        )
        model = JobTableModel()
        model.attach(SimpleNamespace(queue=queue, waiting_reason={}))  # type: ignore[arg-type]
        queue.subscribe(model.job_changed)
        assert model.group_label(model.job_at(0)) == "Scene 12 · 0/3"
        queue.update(jobs[0].id, JobState.CANCELLED)
        queue.update(jobs[1].id, JobState.DISPATCHED)
        model.flush()
        assert {model.group_label(model.job_at(r)) for r in range(3)} == {"Scene 12 · 1/3"}
    finally:
        queue.close()
