"""What a person waits for on screen: start-up to the sign-in window, and the Patients tab's first rows.

    .venv/bin/python -m bench.ui                    # 200,000 patients, SQLite and PostgreSQL
    .venv/bin/python -m bench.ui --patients 20000 --db sqlite --runs 10

* start to sign-in window: the bench launches a fresh Python process that runs the app's own
  start-up path (make_application, AppController.start) and notes, as wall-clock times from its
  launch by the parent (so interpreter start and every import count): when the sign-in window has
  been shown and drawn; when the worker has opened the database behind it (SQLAlchemy, the services,
  the schema check: "ready to sign in"); and the whole process until it exits. In the same run, and
  alternating with it, a bare PySide6 window (QApplication, one QWidget shown) is timed the same
  way: the floor the start-up is compared with.
* first rows: a signed-in main window is built (as after pressing Sign in) and timed until the
  Patients table holds its first rows; then a typed search ("tay", the debounce left out) until
  its rows arrive. Both go through the real widgets, the worker thread and the service layer.

Targets: first rows < 150 ms; sign-in window < 0.5 s and at most 2.5 times the bare window.
Clinics come from bench/patients.py (cached SQLite file, throw-away PostgreSQL database). Results
go to bench/results/ui-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from typing import Any

from bench import patients as patient_bench
from bench.common import logger, p95, scratch_environment

FIRST_ROWS_TARGET_MS = 150.0
START_TARGET_S = 0.5
START_TARGET_RATIO = 2.5
MARKER = "start-up-probe:"


def _drawn_at() -> list[float]:
    """The wall time once the event loop has run after the windows were shown (so drawn)."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    at: list[float] = []
    QTimer.singleShot(0, lambda: at.append(time.time()))
    while not at:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    return at


def probe_startup(database: str, launched: float) -> int:
    """Child process: the app's start-up path, until the worker has opened the database."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from hms_desktop.ui.app import AppController, make_application
    from hms_desktop.ui.common.messages import install_crash_handler

    app = make_application()
    install_crash_handler()
    controller = AppController(app, database)
    controller.start()
    (shown,) = _drawn_at()
    visible = controller.login is not None and controller.login.isVisible()
    deadline = time.monotonic() + 60
    while not controller.ready and time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    ready = time.time()
    ok = visible and controller.ready and controller.login is not None and controller.login.isVisible()
    print(MARKER + json.dumps({"ok": ok, "window_s": shown - launched, "ready_s": ready - launched}), flush=True)
    controller.runner.shutdown(10_000)
    if controller.services is not None:
        controller.services.close()
    return 0 if ok else 1


def probe_bare(launched: float) -> int:
    """Child process: a bare PySide6 window, the floor for the start-up figure."""
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv[:1])
    window = QWidget()
    window.setWindowTitle("bare")
    window.show()
    (shown,) = _drawn_at()
    print(MARKER + json.dumps({"ok": window.isVisible(), "window_s": shown - launched}), flush=True)
    del app
    return 0


def _probe(args: list[str], env: dict[str, str]) -> dict[str, float]:
    launched = time.time()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.ui", *args, repr(launched)],
                          capture_output=True, text=True, env=env, cwd=patient_bench.REPO, timeout=120)
    process_s = time.perf_counter() - started
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)), None)
    result = json.loads(line[len(MARKER):]) if line else {"ok": False}
    if not result.pop("ok"):
        raise RuntimeError(f"start-up probe failed: {proc.stdout}\n{proc.stderr}")
    return {**result, "process_s": process_s}


def time_startup(database: str, runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """The app's start-up and a bare window, alternating, so that the machine's load hits both."""
    samples: dict[str, list[float]] = {"window_s": [], "ready_s": [], "process_s": [], "bare_window_s": []}
    for run in range(runs + 1):  # the first run warms the disk cache and is not counted
        app = _probe(["--probe-startup", database], env)
        bare = _probe(["--probe-bare"], env)
        if run:
            for key in ("window_s", "ready_s", "process_s"):
                samples[key].append(app[key])
            samples["bare_window_s"].append(bare["window_s"])
    return samples


def time_first_rows(services: Any, runs: int) -> tuple[list[float], list[float]]:
    from PySide6.QtCore import QEventLoop

    from hms_desktop.ui.app import make_application
    from hms_desktop.ui.common.worker import TaskRunner
    from hms_desktop.ui.main_window import MainWindow

    make_application()
    runner = TaskRunner()
    loop = QEventLoop()
    user = services.auth.current

    def wait_rows(model: Any, generation: int) -> None:
        deadline = time.perf_counter() + 30
        while not (model.generation == generation and model.rowCount() > 0 and not model.loading):
            if time.perf_counter() > deadline:
                raise RuntimeError("no rows within 30 s")
            loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)

    open_ms, search_ms = [], []
    for _ in range(runs + 1):
        started = time.perf_counter()
        window = MainWindow(services, runner, user, idle_lock_minutes=0)
        window.show()
        tab = window.patients_tab
        wait_rows(tab.model, tab.model.generation)
        opened = time.perf_counter() - started
        runner.wait_for_idle(30_000)
        loop.processEvents()
        tab.search.blockSignals(True)
        tab.search.setText("tay")
        tab.search.blockSignals(False)
        started = time.perf_counter()
        tab.reload()
        wait_rows(tab.model, tab.model.generation)
        searched = time.perf_counter() - started
        runner.wait_for_idle(30_000)
        window.close()
        window.deleteLater()
        loop.processEvents()
        open_ms.append(opened * 1000)
        search_ms.append(searched * 1000)
    return open_ms[1:], search_ms[1:]


def stats(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "median": round(statistics.median(samples), 3),
        "p95": round(p95(samples), 3),
        "max": round(max(samples), 3),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--probe-startup"]:
        return probe_startup(argv[1], float(argv[2]))
    if argv[:1] == ["--probe-bare"]:
        return probe_bare(float(argv[1]))
    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each figure (default 20)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    # What bench.patients needs to build or reuse its clinics.
    clinic_args = patient_bench.parse_args(["--patients", str(args.patients), "--seed", str(args.seed)])

    scratch = scratch_environment("hms-bench-ui-")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    log = logger("bench.ui")

    report: dict[str, Any] = {"bench": "ui", "patients": args.patients, "runs": args.runs,
                              "environment": patient_bench.environment(),
                              "load_average": os.getloadavg(),
                              "targets": {"first_rows_ms": FIRST_ROWS_TARGET_MS, "start_s": START_TARGET_S,
                                          "start_ratio_to_bare": START_TARGET_RATIO},
                              "databases": {}}
    try:
        for dialect in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
            log(f"--- {dialect}")
            if dialect == "sqlite":
                clinic = patient_bench.sqlite_clinic(clinic_args, scratch, log)
            else:
                clinic = patient_bench.postgresql_clinic(clinic_args, log)
            try:
                url = clinic.services.db.url.render_as_string(hide_password=False)
                log("timing start-up to the sign-in window, and a bare PySide6 window")
                start = time_startup(url, args.runs, dict(os.environ))
                log("timing the Patients tab's first rows")
                open_ms, search_ms = time_first_rows(clinic.services, args.runs)
            finally:
                clinic.close()
            ratio = statistics.median(start["window_s"]) / statistics.median(start["bare_window_s"])
            results = {
                "start_to_sign_in_window_s": stats(start["window_s"]),
                "bare_pyside6_window_s": stats(start["bare_window_s"]),
                "window_to_bare_ratio": round(ratio, 2),
                "start_to_ready_s": stats(start["ready_s"]),
                "start_to_exit_s": stats(start["process_s"]),
                "patients_tab_first_rows_ms": stats(open_ms),
                "typed_search_rows_ms": stats(search_ms),
            }
            report["databases"][dialect] = results
            print(f"\n{dialect}: {args.patients:,} patients, {args.runs} runs each")
            for label, key in (("start to sign-in window", "start_to_sign_in_window_s"),
                               ("bare PySide6 window", "bare_pyside6_window_s"),
                               ("start to ready (db open)", "start_to_ready_s"),
                               ("start to process exit", "start_to_exit_s")):
                print(f"  {label:<26}median {results[key]['median']:.3f} s   p95 {results[key]['p95']:.3f} s")
            print(f"  sign-in window / bare      {ratio:.2f}x   (targets < {START_TARGET_S:g} s and "
                  f"<= {START_TARGET_RATIO:g}x)")
            print(f"  Patients tab, first rows  median {results['patients_tab_first_rows_ms']['median']:.1f} ms  "
                  f"p95 {results['patients_tab_first_rows_ms']['p95']:.1f} ms  (target < {FIRST_ROWS_TARGET_MS:g} ms)")
            print(f"  typed search 'tay', rows  median {results['typed_search_rows_ms']['median']:.1f} ms  "
                  f"p95 {results['typed_search_rows_ms']['p95']:.1f} ms")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    output = patient_bench.RESULTS_DIR / f"ui-{datetime.now():%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"Results: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
