"""An open visit record follows changes made at other desks, through the change feed: a nurse's
vitals, the same doctor's edit on another computer, a signature, an allergy recorded. Each
"records" notice for the visit's patient from another desk reads the visit again on the worker;
the lists are shown anew, the notes go through the one conflict merge (a field this desk has not
touched takes theirs; one it has keeps what is typed, theirs shown beneath), and the banner says
what changed. Nothing typed here is lost, and no call of this desk is overtaken: while one is on
its way the read waits for it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ...services.clinical import VisitRecord
from ..common.form_helpers import show_banner

RETRY_MS = 250
PLURALS = {"diagnosis": "diagnoses", "medicine": "medicines", "addendum": "addenda"}


def what_changed(before: VisitRecord, after: VisitRecord, notes: tuple[str, ...]) -> str:
    """"Changed at another desk: vitals recorded by Nina; a diagnosis added." in plain words."""
    parts: list[str] = []
    seen = {v.id for v in before.vitals}
    for reading in after.vitals:
        if reading.id not in seen:
            parts.append(f"vitals recorded by {reading.taken_by}" if reading.taken_by else "vitals recorded")

    def lines(noun: str, old: tuple[Any, ...], new: tuple[Any, ...]) -> None:
        added = len({x.id for x in new} - {x.id for x in old})
        removed = len({x.id for x in old} - {x.id for x in new})
        for count, verb in ((added, "added"), (removed, "removed")):
            if count:
                parts.append(f"{count} {noun if count == 1 else PLURALS[noun]} {verb}")

    lines("diagnosis", before.diagnoses, after.diagnoses)
    lines("medicine", before.prescriptions, after.prescriptions)
    lines("addendum", before.addenda, after.addenda)
    if {a.id for a in before.allergies} != {a.id for a in after.allergies}:
        parts.append("the allergy list changed")
    if notes:
        parts.append(f"{', '.join(notes)} changed")
    if after.signed and not before.signed:
        parts.append(f"signed by {after.signed_by}" if after.signed_by else "signed")
    text = "; ".join(parts) if parts else "saved"
    return f"Changed at another desk just now: {text}."


class VisitLiveRefresh(QObject):
    refreshed = Signal(object)  # the VisitRecord now shown

    def __init__(self, dialog: Any, services: Any, runner: Any, watcher: Any) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self._clinical = services.clinical
        self._runner = runner
        self._desk = services.identity.desk_id  # notices of this desk's own changes need no read
        self._key = f"visit-live-{id(self)}"
        self._waiting = False
        watcher.changed.connect(self.changes)

    def changes(self, changes: list[Any]) -> None:
        patient = self._dialog.visit.patient_id
        if any(c.topic == "" or (c.topic == "records" and c.entity_id == patient and c.origin != self._desk)
               for c in changes):
            self.refresh()

    def refresh(self) -> None:
        if self._dialog.busy:  # this desk's own call first; read once it is back
            if not self._waiting:
                self._waiting = True
                QTimer.singleShot(RETRY_MS, self._again)
            return
        self._runner.submit(self._clinical.get_visit, self._dialog.visit.id, on_done=self._arrived,
                            on_error=lambda _exc: None, context=self._dialog, key=self._key)

    def _again(self) -> None:
        self._waiting = False
        self.refresh()

    def _arrived(self, visit: VisitRecord) -> None:
        dialog = self._dialog
        if dialog.busy:
            self.refresh()  # a call went out meanwhile: its answer (or this read, again) shows the visit
            return
        before = dialog.visit
        if visit.version == before.version and visit.allergies == before.allergies:
            return
        dialog.show_visit(visit)
        outcome = dialog.merge.merge(before, visit)
        words = what_changed(before, visit, outcome.changed)
        if outcome.kept:
            words += (f" You both changed {', '.join(outcome.kept)}: your entries are kept and theirs are shown "
                      "beneath; saving keeps yours.")
        show_banner(dialog.banner, words, "bannerInfo")
        self.refreshed.emit(visit)
