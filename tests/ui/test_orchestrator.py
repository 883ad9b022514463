"""The Orchestrator tab and the Render Farm dock against real fake ComfyUI servers.

A real JobQueue in tmp_path and a real FarmEngine polling fake servers over sockets:
node cards follow health (and a killed server goes offline), progress bars move,
the context menu cancels, pause/move/pin reach the queue, the node dialog writes
settings. Before the farm runs, the tab and the dock say so.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QMenu, QMessageBox

from directors_console.app.services import Services
from directors_console.core.farm.engine import FarmEngine
from directors_console.core.farm.jobs import JobState
from directors_console.core.settings import RenderNodeConfig
from directors_console.ui.common.node_view import NodeView
from directors_console.ui.farm_dock import FarmDock
from directors_console.ui.orchestrator import OrchestratorTab
from directors_console.ui.orchestrator.job_model import COL_PROGRESS, PROGRESS_ROLE
from tests.ui.conftest import wait_until
from tests.ui.farm_helpers import (
    GB,
    Servers,
    add_nodes,
    card_status,
    engine,
    gpu,
    job,
    quiet_teardown,
    servers,
    slow,
    tab,
)

__all__ = ["engine", "servers", "tab"]  # fixtures


# -- before the farm runs --------------------------------------------------------------------


def test_starting_then_unavailable(qtbot, services: Services, engine: FarmEngine) -> None:  # type: ignore[no-untyped-def]
    page = OrchestratorTab(
        services.projects, services.settings, services.tasks, services.workers, lambda: None
    )
    qtbot.addWidget(page)
    assert page.stack.currentWidget() is page.empty
    assert "Starting the render farm…" in page.empty.text_label.text()
    page.farm_unavailable("the render farm is already run by process 42")
    assert "already run by process 42" in page.empty.text_label.text()
    assert page.stack.currentWidget() is page.empty
    page.attach_farm(engine)
    assert page.stack.currentWidget() is page.farm_page
    assert page.nodes.stack.currentWidget() is page.nodes.empty
    assert "farm add-node NAME URL" in page.nodes.empty_text.text()


def test_dock_lists_settings_nodes_before_the_farm(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    dock = FarmDock(services.settings)
    qtbot.addWidget(dock)
    assert dock.stack.currentWidget() is dock.empty
    assert "farm add-node" in dock.empty.text()
    services.settings.update(render_nodes=[RenderNodeConfig(name="a", url="http://127.0.0.1:9")])
    dock.refresh()
    assert [c.view.status for c in dock.cards.values()] == ["starting"]
    assert "starting…" in dock.cards["a"].view.status_text
    dock.farm_unavailable("the job queue is damaged")
    assert dock.problem.isVisibleTo(dock)
    assert "damaged" in dock.problem.text()
    assert dock.cards["a"].view.status == "stopped"


def test_node_view_from_config() -> None:
    view = NodeView.from_config(RenderNodeConfig(name="x", url="http://h:1", enabled=False))
    assert view.status == "disabled"
    assert view.status_text == "disabled"
    assert NodeView.from_config(RenderNodeConfig(name="y", url="http://h:1")).status == "starting"


# -- live nodes ------------------------------------------------------------------------------


@quiet_teardown
async def test_nodes_show_live_status_and_a_killed_server_goes_offline(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers
) -> None:
    a = await servers(devices=gpu("cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", 24, 20))
    b = await servers()
    tab.attach_farm(engine)
    add_nodes(services, engine, a=a.url, b=b.url)
    await wait_until(lambda: card_status(tab, "a") == card_status(tab, "b") == "online")
    view = tab.nodes.cards["a"].view
    assert view.device == "NVIDIA GeForce RTX 4090"
    assert view.vram_total == 24 * GB and view.vram_used == 4 * GB
    assert view.latency_ms is not None
    assert "2 nodes · 2 up" in tab.nodes.summary.text()
    await wait_until(lambda: len(tab.nodes.cards["a"].view.history) >= 2)

    await b.kill()
    await wait_until(lambda: card_status(tab, "b") == "offline", timeout=8)
    assert tab.nodes.cards["b"].view.error
    assert card_status(tab, "a") == "online"

    tab.nodes.select("a")
    tab.nodes.act_drain.trigger()
    assert engine.nodes["a"].state.draining
    assert tab.nodes.cards["a"].view.status_text == "online · draining"
    assert tab.nodes.act_drain.text() == "Undrain"
    tab.nodes.act_enable.trigger()  # disable: written to settings, applied to the farm
    assert services.settings.settings.render_nodes[0].enabled is False
    await wait_until(lambda: card_status(tab, "a") == "disabled")


@quiet_teardown
async def test_test_connection_reports_both_ways(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers
) -> None:
    a = await servers()
    tab.attach_farm(engine)
    add_nodes(services, engine, a=a.url, gone="http://127.0.0.1:9")
    await wait_until(lambda: "a" in tab.nodes.cards and "gone" in tab.nodes.cards)
    tab.nodes.test_connection("a")
    await wait_until(lambda: "Connected" in tab.nodes.probe_label.text())
    assert "ComfyUI 0.3.64" in tab.nodes.probe_label.text()
    tab.nodes.test_connection("gone")
    await wait_until(lambda: "unreachable" in tab.nodes.probe_label.text(), timeout=8)


# -- jobs ------------------------------------------------------------------------------------


@quiet_teardown
async def test_progress_bar_moves_and_finishes(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers, tmp_path: Path
) -> None:
    a = await servers(step_delay=0.05)
    tab.attach_farm(engine)
    add_nodes(services, engine, a=a.url)
    (queued,) = engine.submit([job(slow(3, steps=24), tmp_path / "out", "shot_01")], "Scene 1")
    model = tab.jobs.model
    seen: list[float] = []

    def fraction() -> float | None:
        row = model.row_of(queued.id)
        value = model.index(row, COL_PROGRESS).data(PROGRESS_ROLE) if row is not None else None
        if value and value[0] is not None and value[2] == "running":
            seen.append(value[0])
        return value[0] if value else None

    await wait_until(lambda: (fraction() or 0) > 0.3, timeout=10)
    await wait_until(lambda: engine.queue.get(queued.id).state is JobState.SUCCEEDED, timeout=10)  # type: ignore[union-attr]
    await wait_until(lambda: model.job_at(model.row_of(queued.id) or 0).state is JobState.SUCCEEDED)
    row = model.row_of(queued.id)
    assert row is not None
    assert model.index(row, COL_PROGRESS).data(PROGRESS_ROLE) == (1.0, "Done", "succeeded")
    assert model.index(row, 1).data() == "Scene 1"
    assert seen and seen == sorted(seen), "progress only moves forward"
    assert (tmp_path / "out" / "shot_01.png").exists()
    # 24 steps and a handful of queue changes, coalesced: far fewer repaints than events.
    assert model.flushes < 24 + 8
    assert not model.flush_timer.isActive(), "no timer runs while nothing changes"
    assert "1 done" in tab.jobs.counts.text()


@quiet_teardown
async def test_cancel_from_the_context_menu(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers, tmp_path: Path
) -> None:
    a = await servers(step_delay=0.1)
    tab.attach_farm(engine)
    add_nodes(services, engine, a=a.url)
    (running,) = engine.submit([job(slow(5, steps=200), tmp_path / "out", "long")])
    await wait_until(lambda: engine.queue.get(running.id).state is JobState.RUNNING, timeout=10)  # type: ignore[union-attr]
    await wait_until(lambda: tab.jobs.model.row_of(running.id) is not None)
    tab.jobs.model.flush()
    row = tab.jobs.proxy.mapFromSource(tab.jobs.model.index(tab.jobs.model.row_of(running.id), 0))
    pos = tab.jobs.table.visualRect(row).center()
    tab.jobs.table.customContextMenuRequested.emit(pos)
    menu = tab.jobs.findChild(QMenu, "JobMenu")
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["Retry"].isEnabled()
    assert not actions["Move up"].isEnabled()
    actions["Cancel"].trigger()
    menu.close()
    await wait_until(lambda: engine.queue.get(running.id).state is JobState.CANCELLED, timeout=10)  # type: ignore[union-attr]
    await wait_until(lambda: engine.nodes["a"].state.running == 0)
    # and back: Retry queues it again
    cancelled = engine.queue.get(running.id)
    assert cancelled is not None
    tab.jobs.retry([cancelled])
    again = engine.queue.get(running.id)
    assert again is not None and not again.is_final
    await engine.cancel(running.id)


@quiet_teardown
async def test_pause_move_and_pin(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers, tmp_path: Path
) -> None:
    a = await servers(step_delay=0.01)
    b = await servers(step_delay=0.01)
    tab.attach_farm(engine)
    add_nodes(services, engine, a=a.url, b=b.url)
    await wait_until(lambda: all(n.capabilities_loaded for n in engine.nodes.values()), timeout=10)
    tab.jobs.pause_button.click()
    assert engine.queue.paused
    assert tab.jobs.pause_button.text() == "Resume queue"
    jobs = engine.submit([job(slow(10 + i, 3), tmp_path / "o", f"j{i}") for i in range(3)])
    tab.jobs.model.flush()
    assert "Queue paused" in tab.jobs.counts.text()
    tab.jobs.move_jobs([jobs[2]], "top")
    assert [j.label for j in engine.queue.queued()] == ["j2", "j0", "j1"]
    tab.jobs.model.flush()
    assert [tab.jobs.model.job_at(r).label for r in range(3)] == ["j2", "j0", "j1"]
    menu = tab.jobs.build_menu([engine.queue.get(jobs[0].id)])  # type: ignore[list-item]
    assert menu is not None
    pin = next(a.menu() for a in menu.actions() if a.text() == "Pin to node")
    next(a for a in pin.actions() if a.text() == "b").trigger()
    assert engine.queue.get(jobs[0].id).pinned_node == "b"  # type: ignore[union-attr]
    tab.jobs.pause_button.click()
    assert not engine.queue.paused
    await wait_until(lambda: engine.queue.counts()[JobState.SUCCEEDED] == 3, timeout=15)
    assert engine.queue.get(jobs[0].id).node == "b"  # type: ignore[union-attr]


# -- the node dialog -------------------------------------------------------------------------


@quiet_teardown
async def test_adding_a_node_in_the_dialog_saves_settings(
    tab: OrchestratorTab, services: Services, engine: FarmEngine, servers: Servers
) -> None:
    a = await servers()
    tab.attach_farm(engine)
    assert tab.nodes.stack.currentWidget() is tab.nodes.empty
    add_nodes(services, engine, first=a.url)
    dialog = tab.nodes.open_add_dialog()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    dialog.name.setText("first")
    dialog.url.setText("ftp://example")
    save.click()
    assert dialog.isVisible()
    assert "exists already" in dialog.errors["name"].text() or "http" in dialog.errors["url"].text()
    assert "http:// or https://" in dialog.errors["url"].text()
    dialog.url.setText(a.url)
    save.click()
    assert "exists already" in dialog.errors["name"].text()
    dialog.name.setText("second")
    dialog.headers.setPlainText("not a header")
    save.click()
    assert "Name: value" in dialog.errors["headers"].text()
    dialog.headers.setPlainText("Authorization: Bearer s3cret")
    dialog.tags.setText("sdxl, fast ,")
    dialog.max_concurrent.setValue(2)
    dialog.test_button.click()
    await wait_until(lambda: "Connected" in dialog.probe_label.text())
    save.click()
    assert not dialog.isVisible()
    saved = services.settings.settings.render_nodes[-1]
    assert saved.name == "second"
    assert saved.headers == {"Authorization": "Bearer s3cret"}
    assert saved.tags == ["sdxl", "fast"] and saved.max_concurrent == 2
    assert "second" in services.settings.path.read_text()
    await wait_until(lambda: card_status(tab, "second") == "online")
    assert tab.nodes.selected == "second"

    edit = tab.nodes.open_edit_dialog("second")
    assert edit.headers.toPlainText() == "Authorization: Bearer s3cret"
    edit.name.setText("renamed")
    edit.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert [n.name for n in services.settings.settings.render_nodes] == ["first", "renamed"]
    await wait_until(lambda: "renamed" in tab.nodes.cards and "second" not in tab.nodes.cards)

    box = tab.nodes.confirm_remove("renamed")
    box.button(QMessageBox.StandardButton.Yes).click()
    assert [n.name for n in services.settings.settings.render_nodes] == ["first"]
    assert "renamed" not in engine.nodes
    # A removed node's client closes in the background; let it, before the farm stops.
    await wait_until(lambda: not engine._background)
