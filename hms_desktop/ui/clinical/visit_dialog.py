"""The doctor's visit record: notes, vitals, diagnoses (ICD-10 as you type), the prescription with
the patient's allergies beside it, signing, and addenda once signed; the prescription printed
through the one print path.

Every call runs on the worker at the visit version this screen last saw. A refusal because the
visit changed at another desk brings the visit as it is now: its lists are shown anew, the notes
are merged with the one conflict merge (theirs where only they changed a field), and the banner
says so; what was typed in the vitals, diagnosis and medicine boxes stays where it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ...services.clinical import AllergyWarning, DiagnosisInput, NotesInput, VisitRecord
from ...services.date_input import parse_date
from ...services.errors import ConflictError, ValidationError
from ...services.identity import CurrentUser
from ...services.permissions import Permission
from ..common.conflict_merge import ConflictMerge, FieldSpec
from ..common.discard_guard import DiscardGuard
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.messages import confirm
from ..common.printing import Printout
from ..common.window_fit import clamp_to_screen
from ..common.worker import TaskRunner
from .documents_panel import DocumentsPanel, document_desk
from .follow_up_offer import FollowUpBooking
from .medicine_picker import MedicinePicker
from .prescription_form import AllergyOverrideDialog
from .visit_opening import OpenedVisit
from .visit_pages import (
    AddendaPage,
    DiagnosesPage,
    NotesPage,
    PrescriptionPage,
    VitalsPage,
    diagnosis_line,
    fill_list,
    prescription_rows,
    vitals_line,
)

PRINT, SAVE = "print", "save"


def _follow_up_words(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


class VisitDialog(QDialog):
    changed = Signal(object)  # VisitRecord, after every change that went through
    printed = Signal(object)  # the Printout, once the prescription reached the print path

    def __init__(self, services: Any, runner: TaskRunner, user: CurrentUser, opened: OpenedVisit,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitDialog")
        self._services = services
        self._runner = runner
        self._zone = opened.zone
        self._registration_allergies = opened.registration_allergies
        self.visit: VisitRecord = opened.visit
        # The service's rule, asked before a click: a doctor writes (and takes vitals on) only their
        # own visits; a nurse takes vitals on any.
        own = opened.visit.doctor_id == opened.own_doctor_id
        self.can_write = user.can(Permission.CLINICAL_WRITE) and own
        self.can_vitals = user.can(Permission.VITALS_WRITE) and (own or not user.can(Permission.CLINICAL_WRITE))
        self.busy = False
        self.printout: Printout | None = None
        self.override_dialog: AllergyOverrideDialog | None = None
        self.question: Any = None

        self.heading = QLabel(objectName="heading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.subheading = QLabel(objectName="subtle")
        self.subheading.setTextFormat(Qt.TextFormat.PlainText)
        self.subheading.setWordWrap(True)
        self.allergy_banner = QLabel(objectName="bannerWarning")
        self.allergy_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.allergy_banner.setWordWrap(True)
        self.banner = banner_label()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)

        self.notes = NotesPage()
        self.vitals = VitalsPage()
        self.diagnoses = DiagnosesPage(runner, services.clinical.search_icd10)
        self.prescription = PrescriptionPage()
        self.medicine_picker = MedicinePicker(runner, services.formulary.search, self.prescription.form)
        self.addenda = AddendaPage()
        self.sections = QTabWidget(objectName="visitSections")
        for page, title in ((self.notes, "&Notes"), (self.vitals, "&Vitals"), (self.diagnoses, "&Diagnoses"),
                            (self.prescription, "&Prescription"), (self.addenda, "&Addenda")):
            self.sections.addTab(page, title)
        # Lab reports, scans and letters of this visit: added by its doctor or a nurse (as vitals are),
        # a signed visit too (adding overwrites nothing); listed when the page is first shown.
        desk = document_desk(services, user)
        self.documents: DocumentsPanel | None = None
        if desk is not None:
            self.documents = DocumentsPanel(runner, desk, opened.visit.patient_id, visit_id=opened.visit.id,
                                            can_add=self.can_write or self.can_vitals, zone=self._zone)
            self.sections.addTab(self.documents, "D&ocuments")

        self.merge: ConflictMerge[VisitRecord] = ConflictMerge(self._note_specs())
        for name, widget in (("complaint", self.notes.complaint), ("examination", self.notes.examination),
                             ("advice", self.notes.advice), ("follow_up_on", self.notes.follow_up)):
            layout = self.notes.layout()
            index = layout.indexOf(widget)  # type: ignore[union-attr]
            row, column, _, _ = layout.getItemPosition(index)  # type: ignore[union-attr]
            layout.addWidget(self.merge.label(name), row + 1, column + 1)  # type: ignore[union-attr]
        self.status = QLabel(objectName="subtle")
        self.status.setWordWrap(True)
        self.print_button = QPushButton("Prin&t prescription…", objectName="printPrescription")
        self.save_pdf_button = QPushButton("&Save prescription PDF…", objectName="savePrescription")
        self.summary_button = QPushButton("Summar&y PDF…", objectName="saveVisitSummary")
        self.summary_button.setToolTip("The whole visit on A4 (notes, vitals, diagnoses, medicines, addenda), saved as a PDF")
        self.sign_button = QPushButton("Si&gn visit…", objectName="signVisit")
        self.sign_button.setToolTip("Sign the visit: it can no longer be changed; corrections become addenda.")
        self.close_button = QPushButton("Close", objectName="closeVisit")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.print_button, self.save_pdf_button, self.summary_button, self.sign_button,
                       self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.allergy_banner)
        layout.addWidget(self.banner)
        layout.addWidget(self.sections, 1)
        layout.addLayout(buttons)

        self.notes.save.clicked.connect(lambda: self.save_notes())
        self.vitals.record.clicked.connect(self.record_vitals)
        self.diagnoses.add.clicked.connect(self.add_diagnosis)
        self.diagnoses.remove.clicked.connect(self.remove_diagnosis)
        self.prescription.add.clicked.connect(lambda: self.add_medicine())
        self.prescription.remove.clicked.connect(self.remove_medicine)
        self.addenda.add.clicked.connect(self.add_addendum)
        self.sign_button.clicked.connect(self.ask_to_sign)
        self.print_button.clicked.connect(lambda: self.print_prescription(PRINT))
        self.save_pdf_button.clicked.connect(lambda: self.print_prescription(SAVE))
        self.summary_button.clicked.connect(lambda: self.print_prescription(SAVE, summary=True))
        self.close_button.clicked.connect(self.reject)
        self._documents_listed = False
        self.sections.currentChanged.connect(self._page_changed)
        self._page = self.sections.currentWidget()

        self._show(self.visit, notes=True)
        self.follow_up_booking = FollowUpBooking(self, services, runner, user)
        self.discard_guard = DiscardGuard(self)
        self.resize(940, 660)
        clamp_to_screen(self)
        self.sections.setCurrentWidget(self.notes if self.can_write else self.vitals)
        self._page = self.sections.currentWidget()

    def _page_changed(self, _index: int) -> None:
        """Leaving the notes saves them, so a draft typed there survives a crash or a lock."""
        left, self._page = self._page, self.sections.currentWidget()
        if self._page is self.documents and self.documents is not None and not self._documents_listed:
            self._documents_listed = True
            self.documents.load()
        if left is self.notes and self.can_write and not self.visit.signed and not self.busy and self.notes_dirty():
            self.save_notes()

    # --- showing the visit ---------------------------------------------------------------------

    def _local(self, when: datetime) -> str:
        return f"{when.astimezone(self._zone):%d %b %Y %H:%M}"

    def _show(self, visit: VisitRecord, *, notes: bool) -> None:
        self.visit = visit
        self.setWindowTitle(f"Visit: {visit.patient_name} — MRN {visit.mrn}")
        state = f"Signed {self._local(visit.signed_at)} by {visit.signed_by}" if visit.signed and visit.signed_at \
            else "Draft (not signed)"
        self.heading.setText(f"{visit.patient_name} · MRN {visit.mrn}")
        self.subheading.setText(f"{visit.doctor_name} · started {self._local(visit.started_at)} · {state}")
        listed = [a.substance + (f" ({', '.join(x for x in (a.severity, a.reaction) if x)})"
                                 if a.severity or a.reaction else "") for a in visit.allergies]
        typed = self._registration_allergies.strip()
        words = "; ".join(listed + ([f"at registration: {typed}"] if typed else []))
        self.allergy_banner.setText(f"Allergies: {words}" if words else "No allergies recorded.")
        self.prescription.allergies.setText(self.allergy_banner.text())
        if notes:
            self.merge.fill(visit)
        fill_list(self.vitals.readings, [(vitals_line(v, self._local(v.taken_at)) + (
            "\n  " + " ".join(v.flags) if v.flags else ""), v.id) for v in visit.vitals], "No vitals yet.")
        fill_list(self.diagnoses.list, [(diagnosis_line(d.icd10_code, d.text, d.icd10_description), d.id)
                                        for d in visit.diagnoses], "No diagnosis yet.")
        fill_list(self.prescription.list, prescription_rows(visit), "No medicine prescribed.")
        fill_list(self.addenda.list, [(f"{self._local(a.at)} {a.author}: {a.text}", a.id) for a in visit.addenda],
                  "No addenda.")
        self._update_actions()

    def show_visit(self, visit: VisitRecord) -> None:
        """The visit as another desk left it (visit_live_refresh.py); the notes are merged there."""
        self._show(visit, notes=False)

    def _update_actions(self) -> None:
        draft, idle = not self.visit.signed, not self.busy
        write = self.can_write and draft
        for widget in (self.notes.complaint, self.notes.examination, self.notes.advice):
            widget.setReadOnly(not write)
        self.notes.follow_up.setReadOnly(not write)
        self.prescription.form.set_editable(write)
        self.vitals.form.set_editable(self.can_vitals and draft)
        self.diagnoses.text.setReadOnly(not write)
        self.diagnoses.picker.setEnabled(write)
        for button in (self.notes.save, self.diagnoses.add, self.diagnoses.remove, self.prescription.add,
                       self.prescription.remove, self.sign_button):
            button.setEnabled(write and idle)
        self.vitals.record.setEnabled(self.can_vitals and draft and idle)
        self.addenda.add.setEnabled(self.can_write and self.visit.signed and idle)
        self.addenda.text.setReadOnly(not (self.can_write and self.visit.signed))
        self.addenda.hint.setText(
            "Addenda correct or add to the signed visit, with your name and the time." if self.visit.signed
            else "Addenda are written once the visit is signed; until then change the visit itself.")
        has_rx = bool(self.visit.prescriptions)
        for button in (self.print_button, self.save_pdf_button):
            button.setEnabled(has_rx and idle)
            button.setToolTip("" if has_rx else "Add a medicine first: the prescription is empty.")
        self.summary_button.setEnabled(idle)
        if not self.can_write:
            self.sign_button.setToolTip(f"Only {self.visit.doctor_name}, the visit's doctor, writes and signs it.")

    # --- the calls -----------------------------------------------------------------------------

    def _call(self, fn: Callable[..., VisitRecord], *args: Any, errors: FieldErrors | None,
              done: Callable[[VisitRecord], None] | None = None, said: str = "",
              failed: Callable[[Exception], bool] | None = None, **kwargs: Any) -> None:
        """One change at the visit's version: the visit shown anew when it went through (``done``
        then runs), else the refusal shown under the fields of ``errors`` or in the banner."""
        if self.busy:
            return
        self.busy = True
        self._update_actions()
        self.status.setText("Saving…")

        def ok(visit: VisitRecord) -> None:
            self.busy = False
            self.banner.hide()
            self.merge.hide()
            if errors is not None:
                errors.clear()
            self._show(visit, notes=False)
            self.status.setText(said)
            if done is not None:
                done(visit)
            self.discard_guard.mark_clean()
            self.changed.emit(visit)

        def refused(exc: Exception) -> None:
            self.busy = False
            self.status.setText("")
            if failed is not None and failed(exc):
                self._update_actions()
                return
            self._refused(exc, errors)

        self._runner.submit(fn, *args, on_done=ok, on_error=refused, context=self, **kwargs)

    def _refused(self, exc: Exception, errors: FieldErrors | None) -> None:
        if isinstance(exc, ConflictError) and isinstance(exc.current, VisitRecord):
            base = self.visit
            self._show(exc.current, notes=False)
            outcome = self.merge.merge(base, exc.current)
            show_banner(self.banner, outcome.sentence(exc.message), "bannerWarning")
            return
        if isinstance(exc, ConflictError):  # signed meanwhile: read it as it is now
            show_banner(self.banner, exc.message, "bannerWarning")
            self._runner.submit(self._services.clinical.get_visit, self.visit.id,
                                on_done=lambda visit: self._show(visit, notes=False), context=self)
            return
        self._update_actions()
        report_in_form(self, exc, errors or FieldErrors(), self.banner)

    def _notes_input(self) -> NotesInput:
        typed = self.notes.follow_up.text().strip()
        follow_up = parse_date(typed) if typed else None
        if typed and follow_up is None:
            raise ValidationError({"follow_up_on": f"{typed} is not a date: type it as YYYY-MM-DD or DD/MM/YYYY."})
        return NotesInput(self.notes.complaint.toPlainText(), self.notes.examination.toPlainText(),
                          self.notes.advice.toPlainText(), follow_up)

    def notes_dirty(self) -> bool:
        return any(spec.read() != spec.of_record(self.visit) for spec in self.merge.specs)

    def save_notes(self, then: Callable[[VisitRecord], None] | None = None) -> None:
        try:
            notes = self._notes_input()
        except ValidationError as exc:
            self.sections.setCurrentWidget(self.notes)
            report_in_form(self, exc, self.notes.errors, self.banner)
            return
        def saved(visit: VisitRecord) -> None:
            self.merge.fill(visit)  # the follow-up date as stored (a typed 10/12/2026 reads 2026-12-10)
            if then is not None:
                then(visit)

        self._call(self._services.clinical.save_notes, self.visit.id, self.visit.version, notes,
                   errors=self.notes.errors, said="Notes saved.", done=saved)

    def _after_notes(self, then: Callable[[VisitRecord], None]) -> None:
        """Run ``then`` once the typed notes are saved (straight away if nothing changed)."""
        if self.can_write and not self.visit.signed and self.notes_dirty():
            self.save_notes(then)
        else:
            then(self.visit)

    def record_vitals(self) -> None:
        try:
            reading = self.vitals.form.reading()
        except ValidationError as exc:
            report_in_form(self, exc, self.vitals.form.errors, self.banner)
            return
        self._call(self._services.clinical.record_vitals, self.visit.id, self.visit.version, reading,
                   errors=self.vitals.form.errors, said="Vitals recorded.", done=lambda _v: self.vitals.form.clear())

    def add_diagnosis(self) -> None:
        chosen = self.diagnoses.picker.chosen
        diagnosis = DiagnosisInput(self.diagnoses.text.text().strip(), chosen.code if chosen is not None else "")

        def done(_visit: VisitRecord) -> None:
            self.diagnoses.text.clear()
            self.diagnoses.text.setPlaceholderText("In your words; empty: the code's description")
            self.diagnoses.picker.reset()

        self._call(self._services.clinical.add_diagnosis, self.visit.id, self.visit.version, diagnosis,
                   errors=self.diagnoses.errors, said="Diagnosis added.", done=done)

    def remove_diagnosis(self) -> None:
        item = self.diagnoses.list.currentItem()
        line = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if line is not None:
            self._call(self._services.clinical.remove_diagnosis, self.visit.id, self.visit.version, line,
                       errors=None, said="Diagnosis removed.")

    def add_medicine(self, reason: str = "") -> None:
        item = self.prescription.form.item()

        def warned(exc: Exception) -> bool:
            if not isinstance(exc, AllergyWarning):
                return False
            self.override_dialog = AllergyOverrideDialog(exc, self)
            self.override_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.override_dialog.confirmed.connect(self.add_medicine)
            self.override_dialog.open()
            return True

        self._call(self._services.clinical.add_prescription, self.visit.id, self.visit.version, item,
                   confirm_allergy=bool(reason), override_reason=reason, errors=self.prescription.form.errors,
                   said=f"{item.medicine} added to the prescription.", done=lambda _v: (self.prescription.form.clear(), self.medicine_picker.reset()),
                   failed=warned)

    def remove_medicine(self) -> None:
        item = self.prescription.list.currentItem()
        line = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if line is not None:
            self._call(self._services.clinical.remove_prescription, self.visit.id, self.visit.version, line,
                       errors=None, said="Medicine removed from the prescription.")

    def ask_to_sign(self) -> None:
        if self.busy or self.visit.signed:
            return
        missing = [] if self.visit.diagnoses else ["no diagnosis is recorded"]
        self.question = confirm(
            self, title="Sign the visit", name="signConfirm", action="Sign",
            text=f"Sign the visit of {self.visit.patient_name}?",
            informative=("Once signed it can no longer be changed; corrections are written as addenda. "
                         + (f"Note: {', '.join(missing)}. " if missing else "")
                         + ("Your unsaved notes are saved first." if self.notes_dirty() else "")),
            on_yes=lambda: self._after_notes(lambda _v: self._sign()),
        )

    def _sign(self) -> None:
        self._call(self._services.clinical.sign, self.visit.id, self.visit.version, errors=None,
                   said="Visit signed. Corrections from now on are addenda.",
                   done=lambda _v: self.sections.setCurrentWidget(self.addenda))

    def add_addendum(self) -> None:
        text = self.addenda.text.toPlainText()
        self._call(self._services.clinical.add_addendum, self.visit.id, text, errors=self.addenda.errors,
                   said="Addendum added.", done=lambda _v: self.addenda.text.clear())

    # --- printing ------------------------------------------------------------------------------

    def print_prescription(self, how: str, *, summary: bool = False) -> None:
        """The prescription (or the visit summary) as saved: typed notes are saved first, since the
        advice and follow-up are on it. Rendered and archived on the worker; the print path here."""
        if self.busy:
            return
        documents = self._services.clinical_documents
        render, noun = (documents.visit_summary_pdf, "Visit summary") if summary else \
            (documents.prescription_pdf, "Prescription")

        def fetch(_visit: VisitRecord) -> None:
            self.status.setText(f"Preparing the {noun.lower()}…")
            self._runner.submit(render, self.visit.id, on_done=lambda document: self._print(document, how, noun),
                                on_error=lambda exc: self._refused(exc, None), context=self)

        self._after_notes(fetch)

    def _print(self, document: Any, how: str, noun: str) -> None:
        copy = " (copy)" if document.copy else ""
        self.status.setText(f"{noun} {document.number}{copy} ready.")
        self.printout = Printout(document.pdf, f"{noun} {document.number}", document.suggested_name, self)
        if how == SAVE:
            self.printout.save_as_pdf()
        else:
            self.printout.print_dialog()
        self.printed.emit(self.printout)

    # --- closing -------------------------------------------------------------------------------

    def reject(self) -> None:  # Esc, Close and the window's close button
        if self.discard_guard.allow_close():
            super().reject()

    def _note_specs(self) -> list[FieldSpec[VisitRecord]]:
        n = self.notes
        return [
            FieldSpec("complaint", "the complaint", lambda r: r.complaint, n.complaint.toPlainText, n.complaint.setPlainText),
            FieldSpec("examination", "the examination", lambda r: r.examination, n.examination.toPlainText,
                      n.examination.setPlainText),
            FieldSpec("advice", "orders and advice", lambda r: r.advice, n.advice.toPlainText, n.advice.setPlainText),
            FieldSpec("follow_up_on", "the follow-up date", lambda r: _follow_up_words(r.follow_up_on),
                      lambda: n.follow_up.text().strip(), n.follow_up.setText),
        ]
