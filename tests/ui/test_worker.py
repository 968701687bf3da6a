"""The background worker: results on the GUI thread, newest keyed call wins, nothing left hanging."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QLabel


def test_result_arrives_on_the_gui_thread(qtbot, runner):
    seen = {}

    def work():
        seen["worker"] = QThread.currentThread()
        return 42

    def done(value):
        seen["value"] = value
        seen["gui"] = QThread.currentThread()

    runner.submit(work, on_done=done)
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["gui"] is not seen["worker"]


def test_errors_go_to_the_error_callback(qtbot, runner):
    errors = []
    runner.submit(lambda: 1 / 0, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ZeroDivisionError)


def test_newer_call_with_the_same_key_replaces_an_older_one_and_busy_clears(qtbot, runner):
    gate = threading.Event()
    results = []
    runner.submit(gate.wait, 5)  # occupy the only thread
    for i in range(20):
        runner.submit(lambda i=i: i, on_done=results.append, key="search")
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert results == [19]


def test_cancel_race_with_a_task_already_started_does_not_leave_the_runner_busy(qtbot, runner):
    for _ in range(50):
        runner.submit(time.sleep, 0.001, key="k")
        runner.submit(time.sleep, 0.001, key="k")
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)


def test_results_for_a_closed_widget_are_dropped(qtbot, runner):
    label = QLabel()
    gate = threading.Event()
    delivered = []
    runner.submit(gate.wait, 5, on_done=delivered.append, context=label)
    label.deleteLater()
    qtbot.waitUntil(lambda: not _alive(label))
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert delivered == []


def _alive(widget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def test_finished_tasks_are_released_on_the_gui_thread(qtbot, runner):
    import gc
    import weakref

    from PySide6.QtCore import QObject

    freed_on = []

    class Probe(QObject):
        pass

    probe = Probe()
    ref = weakref.ref(probe)
    weakref.finalize(probe, lambda: freed_on.append(QThread.currentThread()))
    runner.submit(time.sleep, 0.01, on_done=lambda _r, p=probe: None)
    del probe
    qtbot.waitUntil(lambda: not runner.busy)
    qtbot.waitUntil(lambda: ref() is None or (gc.collect() and ref() is None), timeout=5000)
    assert freed_on == [QThread.currentThread()]  # the GUI thread, where the test runs


def test_no_task_is_kept_once_everything_is_done(qtbot, runner):
    gate = threading.Event()
    runner.submit(gate.wait, 5)
    for i in range(30):
        runner.submit(lambda i=i: i, key="search")  # 29 of these are replaced before they run
    runner.submit(lambda: 1 / 0, on_error=lambda e: None)
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert runner._pending == {} and runner._by_key == {}
