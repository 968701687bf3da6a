"""Runs service calls off the GUI thread and hands results back on it.

One worker thread is enough (SQLite allows one writer anyway) and keeps calls in order. Results for a
widget that has been closed are dropped, and a newer call with the same ``key`` replaces one still
waiting in the queue, so fast typing never builds a backlog of stale searches.

The worker thread sees only the service call and its arguments (plain data). The callbacks, which
hold widgets, stay in a table on the GUI thread and are dropped there: a Qt object must never be
freed on another thread. (A QRunnable per call would not do: PySide keeps every started runnable,
and everything its callbacks refer to, alive for good.)
"""

from __future__ import annotations

import atexit
import itertools
import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal

from ...services.errors import SessionEnded

log = logging.getLogger(__name__)


class Ticket:
    """A submitted call. ``cancel()`` makes the runner drop its result, whenever it comes."""

    __slots__ = ("cancelled", "key", "serial")

    def __init__(self, serial: int, key: str | None) -> None:
        self.serial = serial
        self.key = key
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class _Callbacks:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[Exception], None] | None
    context: QObject | None
    name: str


_STOP = object()


class _WorkerThread(QThread):
    # One Python tuple (serial, succeeded, result or exception). Not Signal(int, bool, object):
    # PySide 6.12 loses a reference to True/False on each queued cross-thread bool argument, and
    # the interpreter aborts at exit ("bool_dealloc").
    finished_call = Signal(object)

    def __init__(self, jobs: queue.Queue, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs

    def run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            ticket, fn, args, kwargs = job
            if ticket.cancelled:
                self.finished_call.emit((ticket.serial, True, None))
                continue
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure is delivered to the GUI thread
                self.finished_call.emit((ticket.serial, False, exc))
            else:
                self.finished_call.emit((ticket.serial, True, result))
            finally:
                del job, fn, args, kwargs


# Every worker thread still running; stopped at exit, since Qt aborts if a running QThread is destroyed.
_running: set[_WorkerThread] = set()


class TaskRunner(QObject):
    """``runner.submit(service.method, arg, on_done=..., on_error=..., context=widget)``."""

    idle_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.Queue = queue.Queue()
        self._serials = itertools.count(1)
        self._pending: dict[int, tuple[Ticket, _Callbacks]] = {}
        self._by_key: dict[str, Ticket] = {}
        self.default_error_handler: Callable[[Exception], None] | None = None
        # The signed-in account was deactivated or given another role (services.errors.SessionEnded):
        # whichever call found out, the app shell returns to the sign-in window with the reason; the
        # call's own error handler is not asked (one more error box on a screen that is going away).
        self.session_end_handler: Callable[[str], None] | None = None
        self._thread = _WorkerThread(self._jobs)
        self._thread.finished_call.connect(self._deliver)
        self._thread.start()
        _running.add(self._thread)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        context: QObject | None = None,
        key: str | None = None,
        **kwargs: Any,
    ) -> Ticket:
        ticket = Ticket(next(self._serials), key)
        if key is not None:
            older = self._by_key.get(key)
            if older is not None:
                older.cancel()  # if it has not started, the worker skips it
            self._by_key[key] = ticket
        callbacks = _Callbacks(on_done, on_error, context, getattr(fn, "__qualname__", repr(fn)))
        if not self._pending:
            self.idle_changed.emit(False)
        self._pending[ticket.serial] = (ticket, callbacks)
        self._jobs.put((ticket, fn, args, kwargs))
        return ticket

    def _deliver(self, outcome: tuple[int, bool, Any]) -> None:
        serial, succeeded, payload = outcome
        ticket, callbacks = self._pending.pop(serial, (None, None))
        if ticket is None or callbacks is None:
            return
        if ticket.key is not None and self._by_key.get(ticket.key) is ticket:
            del self._by_key[ticket.key]
        try:
            context = callbacks.context
            if ticket.cancelled or (context is not None and not shiboken6.isValid(context)):
                return
            if succeeded:
                if callbacks.on_done is not None:
                    callbacks.on_done(payload)
                return
            if isinstance(payload, SessionEnded) and self.session_end_handler is not None:
                self.session_end_handler(payload.message)
                return
            handler = callbacks.on_error or self.default_error_handler
            if handler is None:
                log.error("Unhandled error in background task %s", callbacks.name, exc_info=payload)
            else:
                handler(payload)
        finally:
            if not self._pending:
                self.idle_changed.emit(True)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait_for_idle(self, msecs: int = 30000) -> bool:
        """Block until the worker has run everything queued so far (results are not delivered)."""
        done = queue.Queue()
        self._jobs.put((Ticket(0, None), done.put, (True,), {}))
        try:
            return done.get(timeout=msecs / 1000)
        except queue.Empty:
            return False

    def shutdown(self, msecs: int = 10000) -> None:
        """Finish what is queued, then stop the thread."""
        _stop(self._thread, msecs)


def _stop(thread: _WorkerThread, msecs: int = 10000) -> None:
    if thread in _running:
        _running.discard(thread)
        thread._jobs.put(_STOP)
        thread.wait(msecs)


@atexit.register
def _stop_all() -> None:
    for thread in list(_running):
        _stop(thread, 5000)
