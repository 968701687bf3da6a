"""Guards against known defects of the Qt binding itself, so an upgrade that brings one back fails here
rather than crashing a front desk in the middle of the day."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    value = Signal(object)
    flag = Signal(bool)


def test_emitting_signals_does_not_leak_or_lose_references_to_true_and_false():
    # PySide6 6.12.0 lost a reference to True on every emit(); the app emits thousands an hour and
    # the interpreter aborted once True's count reached zero.
    emitter = _Emitter()
    emitter.value.connect(lambda _v: None)
    emitter.flag.connect(lambda _v: None)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(200):
        emitter.value.emit(1)
        emitter.flag.emit(False)
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
