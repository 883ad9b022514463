"""Storyboard canvas and export speed, offscreen (no Xvfb, no program launch).

1. Open: a 1,000-panel board (40 columns) is put on a fresh ``BoardScene`` and its
   ``BoardView`` (1280×800) is fitted and painted once (``viewport().repaint()``), with
   placeholders (how a board opens: images arrive later from worker threads) and again
   with every panel's image set.
2. Pan and zoom: frames of a scroll by 24 px, or a zoom step of 1.15× (in, then out),
   each followed by ``viewport().repaint()``; at zoom 1 (about a dozen panels in view)
   and at fit-all (all 1,000 in view).
3. Drag: 100 selected panels dragged by the header of one with real mouse events
   (QTest press, 200 moves, release); one frame = one move event + repaint.
4. PDF: 100 panels with 640×360 PNGs on disk and Markdown notes on every panel (a
   heading, bold and italic, a list; every third long enough to be cut with "…"), 2
   and 3 per row, A4 portrait, written in a worker thread as the export dialog does;
   pages 1–2 rendered with
   ``pdftoppm -png -r 50`` into ``--keep`` (if given) to look at.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/storyboard.py [--keep DIR] [--check]

Targets: open ≤ 0.5 s; pan/zoom and drag frames ≤ 16 ms (median and p95 reported; the
target applies to the median); PDF of 100 panels ≤ 3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from directors_console.core.storyboard.model import Board, HistoryEntry, Panel
from directors_console.core.storyboard.sheets import SheetOptions
from directors_console.ui.storyboard.canvas import RECACHE_MS, BoardView
from directors_console.ui.storyboard.export import ExportJob, write_pdf
from directors_console.ui.storyboard.scene import BoardScene

OPEN_TARGET_S = 0.5
FRAME_TARGET_MS = 16.0
PDF_TARGET_S = 3.0
COLUMNS = 40


def still(index: int, width: int = 320, height: int = 180) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor.fromHsv((index * 47) % 360, 160, 170))
    painter = QPainter(image)
    painter.fillRect(width // 4, height // 3, width // 2, height // 3, QColor(20, 20, 24))
    painter.setPen(QColor("white"))
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, f"shot {index + 1}")
    painter.end()
    return image


def board(count: int, folder: Path | None = None) -> Board:
    panels = []
    for i in range(count):
        row, col = divmod(i, COLUMNS)
        panel = Panel(name=f"Panel_{i + 1:04d}", x=col * 360.0, y=row * 270.0, rating=i % 6)
        panel.notes = f"**Shot {i + 1}** — wide, dusk.\n- push in\n- hold on the door"
        if folder is not None:
            rel = f"{panel.name}.png"
            still(i, 640, 360).save(str(folder / rel))
            panel.image = rel
            panel.history = [HistoryEntry(path=rel, version=1 + i % 3, seed=1000 + i)]
        panels.append(panel)
    return Board(panels=panels)


def stats(values_ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def frames(view: BoardView, step: Callable[[int], None], count: int) -> list[float]:
    times = []
    for i in range(count):
        start = time.perf_counter()
        step(i)
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    return times


def new_view() -> tuple[BoardScene, BoardView]:
    scene = BoardScene()
    view = BoardView(scene, QUndoStack())
    view.resize(1280, 800)
    view.show()
    QApplication.processEvents()
    return scene, view


def bench_open(count: int, images: list[QImage]) -> dict[str, float]:
    out = {}
    for label, with_images in (("placeholders", False), ("images", True)):
        scene, view = new_view()
        data = board(count)
        start = time.perf_counter()
        scene.set_board(data, None)
        if with_images:
            for panel, image in zip(data.panels, images, strict=True):
                scene.set_image(panel.id, image)
        built = time.perf_counter()
        view.fit_all()
        view.viewport().repaint()
        done = time.perf_counter()
        out[f"build {label}"] = built - start
        out[f"open {label}"] = done - start
        view.close()
    return out


def settle() -> None:
    """A pause after zooming, as between a user's zoom and pan: item caches come back."""
    QTest.qWait(RECACHE_MS + 50)


def bench_pan_zoom(view: BoardView) -> dict[str, tuple[float, float, float]]:
    def scroll(i: int) -> None:
        bar = view.horizontalScrollBar()
        bar.setValue(bar.value() + (24 if (i // 50) % 2 == 0 else -24))

    def zoom(i: int) -> None:
        factor = 1.15 if (i // 10) % 2 == 0 else 1 / 1.15
        view.set_zoom(view.zoom() * factor)

    out = {}
    view.set_zoom(1.0)  # as the app zooms (resetTransform would bypass the view)
    settle()
    view.centerOn(1500, 800)
    view.viewport().repaint()
    out["pan, zoom 1"] = stats(frames(view, scroll, 200))
    out["zoom steps around 1"] = stats(frames(view, zoom, 200))
    view.fit_all()
    settle()
    view.viewport().repaint()
    out[f"pan, fit all (zoom {view.zoom():.2f})"] = stats(frames(view, scroll, 200))
    base = view.zoom()

    def zoom_out(i: int) -> None:
        factor = 1.15 if (i // 5) % 2 == 0 else 1 / 1.15
        view.set_zoom(max(base, view.zoom() * factor))

    out["zoom steps at fit all"] = stats(frames(view, zoom_out, 100))
    return out


def bench_drag(scene: BoardScene, view: BoardView, selected: int) -> tuple[float, float, float]:
    view.set_zoom(1.0)  # as the app zooms (resetTransform would bypass the view)
    settle()
    ids = [p.id for p in scene.board.panels[:selected]]  # rows 1-3 of the board
    scene.select_only(ids)
    anchor = scene.board.panels[0]
    view.centerOn(anchor.x + 500, anchor.y + 300)
    press_at = view.mapFromScene(QPointF(anchor.x + 40, anchor.y + 15))
    viewport = view.viewport()
    viewport.repaint()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press_at)

    def move(i: int) -> None:
        QTest.mouseMove(viewport, press_at + QPoint(2 + i % 60, 1 + (i % 40) // 2))

    times = frames(view, move, 200)
    end = press_at + QPoint(30, 20)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert len(scene.selected_ids()) == selected
    return stats(times)


def shot_notes(index: int) -> str:
    """Markdown notes as a director writes them: a slug heading, bold and italic words,
    a shot list; every third one runs long, so the printed sheet has to cut it with "…"."""
    notes = (
        f"## Shot {index + 1} — EXT. ROOFTOP – NIGHT\n"
        f"**Lena** at the *edge*, the city below.\n- push in, 35 mm\n- hold on her hands"
    )
    if index % 3 == 0:
        notes += "\n\n" + "Wind pulls at her coat while the sirens come closer. " * 6
    return notes


def bench_pdf(folder: Path, keep: Path | None) -> dict[int, tuple[float, int, int]]:
    data = board(100, folder)
    for i, panel in enumerate(data.panels):
        panel.notes = shot_notes(i)  # Markdown laid out and cut per panel: part of the cost
    out: dict[int, tuple[float, int, int]] = {}
    for per_row in (2, 3):
        job = ExportJob.of(data, folder, "Benchmark film", SheetOptions(per_row=per_row))
        path = folder / f"board-{per_row}.pdf"
        result: dict[str, float | int] = {}

        def run(path: Path = path, job: ExportJob = job, result: dict = result) -> None:  # type: ignore[type-arg]
            start = time.perf_counter()
            result["pages"] = write_pdf(path, job)
            result["s"] = time.perf_counter() - start

        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
        out[per_row] = (float(result["s"]), int(result["pages"]), path.stat().st_size)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, keep / path.name)
            if shutil.which("pdftoppm"):
                subprocess.run(
                    [
                        "pdftoppm",
                        "-png",
                        "-r",
                        "50",
                        "-f",
                        "1",
                        "-l",
                        "2",
                        str(path),
                        str(keep / f"board-{per_row}"),
                    ],
                    check=True,
                )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="copy the PDFs and page PNGs here")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    images = [still(i) for i in range(1000)]
    ok = True

    opened = bench_open(1000, images)
    print("| step | 1,000 panels | target |\n|---|---|---|")
    for label, seconds in opened.items():
        target = f"≤ {OPEN_TARGET_S} s" if label.startswith("open") else ""
        print(f"| {label} | {seconds * 1000:.0f} ms | {target} |")
        ok &= not label.startswith("open") or seconds <= OPEN_TARGET_S

    scene, view = new_view()
    scene.set_board(board(1000), None)
    for panel, image in zip(scene.board.panels, images, strict=True):
        scene.set_image(panel.id, image)
    print(
        "\n| frames (1280×800, images set) | median | p95 | max | target |\n|---|---|---|---|---|"
    )
    for label, (median, p95, worst) in bench_pan_zoom(view).items():
        print(
            f"| {label} | {median:.1f} ms | {p95:.1f} ms | {worst:.1f} ms "
            f"| ≤ {FRAME_TARGET_MS} ms |"
        )
        ok &= median <= FRAME_TARGET_MS
    median, p95, worst = bench_drag(scene, view, 100)
    print(
        f"| drag 100 selected, per move | {median:.1f} ms | {p95:.1f} ms | {worst:.1f} ms "
        f"| ≤ {FRAME_TARGET_MS} ms |"
    )
    ok &= median <= FRAME_TARGET_MS
    view.close()

    with tempfile.TemporaryDirectory(prefix="dc-bench-sb-") as tmp:
        pdfs = bench_pdf(Path(tmp), args.keep)
    print(
        "\n| PDF, 100 panels, A4 portrait | time | pages | size | target |\n|---|---|---|---|---|"
    )
    for per_row, (seconds, pages, size) in pdfs.items():
        print(
            f"| {per_row} per row | {seconds:.2f} s | {pages} | {size / 1e6:.1f} MB "
            f"| ≤ {PDF_TARGET_S} s |"
        )
        ok &= seconds <= PDF_TARGET_S
    del app
    print("\nall targets met" if ok else "\nTARGET MISSED")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
