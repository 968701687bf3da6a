"""Every service call, for every role: refused with PermissionDenied exactly when the role lacks the
permission, whatever the UI shows. A new public service method fails ``test_every_call_is_listed``
until it is added to CALLS below."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hms_desktop.bootstrap import Services
from hms_desktop.models import Role
from hms_desktop.services.backups import BackupSettings
from hms_desktop.services.billing import LineInput
from hms_desktop.services.clinical import (
    AllergyInput,
    AttachmentInput,
    DiagnosisInput,
    MedicineInput,
    NotesInput,
    PrescriptionInput,
    VitalsInput,
)
from hms_desktop.services.doctors import DoctorInput
from hms_desktop.services.errors import HmsError, PermissionDenied
from hms_desktop.services.notifications import SmsSettings, SmtpSettings
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.permissions import ROLE_PERMISSIONS, Permission
from hms_desktop.services.scheduling.waiting_list import WaitingInput
from hms_desktop.services.settings import ClinicSettings
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.services.conftest import TODAY, at, fix_clock, make_doctor

BILL_LINE = LineInput("Dressing", 1, 1000)
NOTES = NotesInput("x")
VITALS = VitalsInput(pulse_bpm=70)
DIAGNOSIS = DiagnosisInput("x")
MEDICINE = PrescriptionInput("x")
PATIENT = PatientInput(given_name="Perm", family_name="Check", date_of_birth=date(1980, 1, 1))
DOCTOR = DoctorInput(full_name="Dr Perm", specialty_ids=())
P = Permission
# The appointment used below belongs to a doctor who is not linked to the caller's account, so
# "own patients" rights never apply and the visit calls need VISIT_MANAGE_ANY.
VISIT = (P.VISIT_MANAGE_ANY,)
AVAILABILITY = (P.AVAILABILITY_EDIT_ANY,)
REPORTS = (P.REPORTS_VIEW, P.REPORTS_VIEW_OWN)
FORMULARY_READERS = (P.FORMULARY_MANAGE, P.CLINICAL_WRITE, P.CLINICAL_READ)

# (service, method) -> (permissions, any one of which allows the call, and how to call it)
CALLS: dict[tuple[str, str], tuple[Permission | tuple[Permission, ...] | None, Callable[[Services, dict[str, Any]], Any]]] = {
    ("patients", "search"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.search("check")),
    ("patients", "count"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.count()),
    ("patients", "estimated_count"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.estimated_count()),
    ("patients", "get"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.get(ids["patient"])),
    ("patients", "summaries"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.summaries([ids["patient"]])),
    ("patients", "get_by_mrn"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.get_by_mrn(ids["mrn"])),
    ("patients", "primary_doctor"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.primary_doctor(ids["patient"])),
    ("patients", "find_duplicates"): (Permission.PATIENT_VIEW, lambda s, ids: s.patients.find_duplicates(PATIENT)),
    ("patients", "register"): (Permission.PATIENT_REGISTER, lambda s, ids: s.patients.register(PATIENT)),
    ("patients", "update"): (Permission.PATIENT_EDIT, lambda s, ids: s.patients.update(ids["patient"], 999, PATIENT)),
    ("patients", "archive"): (Permission.PATIENT_ARCHIVE, lambda s, ids: s.patients.archive(ids["patient"], 999)),
    ("patients", "restore"): (Permission.PATIENT_ARCHIVE, lambda s, ids: s.patients.restore(ids["patient"], 999)),
    ("staff", "list"): (Permission.STAFF_VIEW, lambda s, ids: s.staff.list()),
    ("staff", "get"): (Permission.STAFF_VIEW, lambda s, ids: s.staff.get(ids["staff"])),
    ("staff", "add"): (Permission.STAFF_MANAGE, lambda s, ids: s.staff.add("x", "", "nurse", "")),
    ("staff", "update"): (Permission.STAFF_MANAGE, lambda s, ids: s.staff.update(ids["staff"], 999, full_name="", role="x")),
    ("staff", "reset_password"): (Permission.STAFF_MANAGE, lambda s, ids: s.staff.reset_password(ids["staff"], "")),
    ("staff", "set_active"): (Permission.STAFF_MANAGE, lambda s, ids: s.staff.set_active(ids["staff"], 999, True)),
    ("audit", "recent"): (Permission.AUDIT_VIEW, lambda s, ids: s.audit.recent()),
    ("audit", "verify_chain"): (Permission.AUDIT_VIEW, lambda s, ids: s.audit.verify_chain()),
    ("backups", "settings"): (P.BACKUP_MANAGE, lambda s, ids: s.backups.settings()),
    ("backups", "save_settings"): (P.BACKUP_MANAGE, lambda s, ids: s.backups.save_settings(BackupSettings(daily=-1))),
    ("backups", "backup_now"): (P.BACKUP_MANAGE, lambda s, ids: s.backups.backup_now()),
    ("backups", "backup_if_due"): (None, lambda s, ids: s.backups.backup_if_due()),
    ("backups", "backup_at_sign_out"): (None, lambda s, ids: s.backups.backup_at_sign_out()),
    ("backups", "history"): (P.BACKUP_MANAGE, lambda s, ids: s.backups.history()),
    ("bell", "refresh"): (None, lambda s, ids: s.bell.refresh()),
    ("bell", "mark_read"): (None, lambda s, ids: s.bell.mark_read()),
    ("message_templates", "templates"): (P.SETTINGS_MANAGE, lambda s, ids: s.message_templates.templates()),
    ("message_templates", "save_template"): (
        P.SETTINGS_MANAGE, lambda s, ids: s.message_templates.save_template("x", "email", "", "")),
    ("message_templates", "reset_template"): (
        P.SETTINGS_MANAGE, lambda s, ids: s.message_templates.reset_template("x", "email")),
    ("message_templates", "preview"): (
        P.SETTINGS_MANAGE, lambda s, ids: s.message_templates.preview("x", "email", "", "")),
    ("notifications", "smtp_settings"): (P.SETTINGS_MANAGE, lambda s, ids: s.notifications.smtp_settings()),
    ("notifications", "save_smtp_settings"): (
        P.SETTINGS_MANAGE, lambda s, ids: s.notifications.save_smtp_settings(SmtpSettings(port=0))),
    ("notifications", "sms_settings"): (P.SETTINGS_MANAGE, lambda s, ids: s.notifications.sms_settings()),
    ("notifications", "save_sms_settings"): (
        P.SETTINGS_MANAGE, lambda s, ids: s.notifications.save_sms_settings(SmsSettings(mode="nonsense"))),
    ("notifications", "reminder_hours"): (P.SETTINGS_MANAGE, lambda s, ids: s.notifications.reminder_hours()),
    ("notifications", "set_reminder_hours"): (P.SETTINGS_MANAGE, lambda s, ids: s.notifications.set_reminder_hours(-1)),
    ("notifications", "outbox"): (P.SETTINGS_MANAGE, lambda s, ids: s.notifications.outbox()),
    ("notifications", "send_again"): (P.SETTINGS_MANAGE, lambda s, ids: s.notifications.send_again(999_999)),
    ("notifications", "send_test_sms"): (
        P.SETTINGS_MANAGE, lambda s, ids: s.notifications.send_test_sms("not a number")),
    ("notifications", "send_test_message"): (
        P.SETTINGS_MANAGE, lambda s, ids: s.notifications.send_test_message("not an address")),
    ("backups", "backups"): (P.BACKUP_MANAGE, lambda s, ids: s.backups.backups()),
    ("backups", "verify"): (P.BACKUP_MANAGE, lambda s, ids: s.backups.verify(Path("/nonexistent/x.sqlite3"))),
    ("backups", "restore_test"): (
        P.BACKUP_MANAGE, lambda s, ids: s.backups.restore_test(Path("/nonexistent/x.sqlite3"), Path("/nonexistent/y"))),
    ("backups", "restore"): (P.BACKUP_MANAGE, lambda s, ids: s.backups.restore(Path("/nonexistent/x.sqlite3"))),
    ("audit_log", "page"): (Permission.AUDIT_VIEW, lambda s, ids: s.audit_log.page(kind="Doctors")),
    ("settings", "update"): (Permission.SETTINGS_MANAGE, lambda s, ids: s.settings.update(ClinicSettings(clinic_name=""))),
    ("demo", "load_patients"): (Permission.DEMO_DATA, lambda s, ids: s.demo.load_patients(0)),
    ("demo_schedule", "load"): (P.DEMO_DATA, lambda s, ids: s.demo_schedule.load(doctors=0, appointments=0)),
    ("demo_billing", "load_invoices"): (P.DEMO_DATA, lambda s, ids: s.demo_billing.load_invoices(-1)),
    ("demo_schedule", "create_demo_accounts"): (P.DEMO_DATA, lambda s, ids: s.demo_schedule.create_demo_accounts()),
    ("doctors", "specialties"): (P.DOCTOR_VIEW, lambda s, ids: s.doctors.specialties()),
    ("doctors", "add_specialty"): (P.DOCTOR_MANAGE, lambda s, ids: s.doctors.add_specialty("")),
    ("doctors", "rename_specialty"): (P.DOCTOR_MANAGE, lambda s, ids: s.doctors.rename_specialty(ids["specialty"], "")),
    ("doctors", "set_specialty_active"): (P.DOCTOR_MANAGE, lambda s, ids: s.doctors.set_specialty_active(ids["specialty"], True)),
    ("doctors", "get"): (P.DOCTOR_VIEW, lambda s, ids: s.doctors.get(ids["doctor"])),
    ("doctors", "for_current_user"): (P.DOCTOR_VIEW, lambda s, ids: s.doctors.for_current_user()),
    ("doctors", "search"): (P.DOCTOR_VIEW, lambda s, ids: s.doctors.search("perm")),
    ("doctors", "add"): (P.DOCTOR_MANAGE, lambda s, ids: s.doctors.add(DOCTOR)),
    ("doctors", "update"): (P.DOCTOR_MANAGE, lambda s, ids: s.doctors.update(ids["doctor"], 999, DOCTOR)),
    ("doctors", "verify"): (P.DOCTOR_VERIFY, lambda s, ids: s.doctors.verify(ids["doctor"])),
    ("doctors", "set_active"): (P.DOCTOR_MANAGE, lambda s, ids: s.doctors.set_active(ids["doctor"], 999, True)),
    ("availability", "weekly_template"): (P.SCHEDULE_VIEW, lambda s, ids: s.availability.weekly_template(ids["doctor"])),
    ("availability", "set_weekly_template"): (AVAILABILITY, lambda s, ids: s.availability.set_weekly_template(ids["doctor"], [])),
    ("availability", "add_leave"): (AVAILABILITY, lambda s, ids: s.availability.add_leave(ids["doctor"], date(2030, 2, 1), reason="x")),
    ("availability", "add_block"): (AVAILABILITY, lambda s, ids: s.availability.add_block(ids["doctor"], at(13), at(14), "x")),
    ("availability", "add_clinic_holiday"): (AVAILABILITY, lambda s, ids: s.availability.add_clinic_holiday(date(2030, 2, 2), reason="x")),
    ("availability", "remove_exception"): (AVAILABILITY, lambda s, ids: s.availability.remove_exception(ids["exception"])),
    ("availability", "exceptions"): (P.SCHEDULE_VIEW, lambda s, ids: s.availability.exceptions(ids["doctor"], TODAY, TODAY)),
    ("availability", "displaced_appointments"): (P.SCHEDULE_VIEW, lambda s, ids: s.availability.displaced_appointments(ids["doctor"])),
    ("scheduling", "free_slots"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.free_slots(ids["doctor"], TODAY)),
    ("scheduling", "next_available"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.next_available(ids["doctor"])),
    ("scheduling", "next_available_for_specialty"): (
        P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.next_available_for_specialty(ids["specialty"])),
    ("scheduling", "book"): (P.SCHEDULE_BOOK, lambda s, ids: s.scheduling.book(ids["patient"], ids["doctor"], at(11), reason="x")),
    ("scheduling", "follow_up_offer"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.follow_up_offer(ids["visit"])),
    # A doctor (no SCHEDULE_BOOK) books the follow-up of their own visit only: test_follow_up_booking.py.
    ("scheduling", "book_follow_up"): (
        (P.SCHEDULE_BOOK, P.CLINICAL_WRITE), lambda s, ids: s.scheduling.book_follow_up(ids["visit"], at(12, 30))),
    ("scheduling", "reschedule"): (P.SCHEDULE_BOOK, lambda s, ids: s.scheduling.reschedule(ids["appointment"], at(11, 30), reason="x")),
    ("scheduling", "add_walk_in"): (P.SCHEDULE_BOOK, lambda s, ids: s.scheduling.add_walk_in(ids["patient"], ids["doctor"], reason="x")),
    ("visits", "confirm"): ((P.SCHEDULE_BOOK, P.VISIT_MANAGE_ANY), lambda s, ids: s.visits.confirm(ids["appointment"])),
    ("visits", "check_in"): (P.VISIT_CHECK_IN, lambda s, ids: s.visits.check_in(ids["appointment"])),
    ("visits", "start_visit"): (VISIT, lambda s, ids: s.visits.start_visit(ids["appointment"])),
    ("visits", "complete"): (VISIT, lambda s, ids: s.visits.complete(ids["appointment"])),
    ("visits", "cancel"): (P.SCHEDULE_BOOK, lambda s, ids: s.visits.cancel(ids["appointment"], "x")),
    ("visits", "reject"): (VISIT, lambda s, ids: s.visits.reject(ids["appointment"], "x")),
    ("visits", "mark_no_show"): (P.SCHEDULE_BOOK, lambda s, ids: s.visits.mark_no_show(ids["appointment"])),
    ("visits", "change_status"): (P.SCHEDULE_BOOK, lambda s, ids: s.visits.change_status(ids["appointment"], "no_show")),
    ("visits", "call_next"): (VISIT, lambda s, ids: s.visits.call_next(ids["doctor"])),
    ("scheduling", "get"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.get(ids["appointment"])),
    ("scheduling", "history"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.history(ids["appointment"])),
    ("scheduling", "doctor_day"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.doctor_day(ids["doctor"], TODAY)),
    ("scheduling", "day_loads"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.day_loads([ids["doctor"]], TODAY, TODAY)),
    ("visits", "queue"): (P.SCHEDULE_VIEW, lambda s, ids: s.visits.queue(ids["doctor"], TODAY)),
    ("waiting_list", "entries"): (P.WAITLIST_VIEW, lambda s, ids: s.waiting_list.entries(ids["doctor"])),
    ("waiting_list", "add"): (P.WAITLIST_MANAGE, lambda s, ids: s.waiting_list.add(
        WaitingInput(ids["patient"], TODAY, doctor_id=ids["doctor"]))),
    ("waiting_list", "remove"): (P.WAITLIST_MANAGE, lambda s, ids: s.waiting_list.remove(1)),
    ("scheduling", "day_view"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.day_view([ids["doctor"]], TODAY)),
    ("scheduling", "patient_appointments"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.patient_appointments(ids["patient"])),
    ("scheduling", "open_change_feed"): (P.SCHEDULE_VIEW, lambda s, ids: s.scheduling.open_change_feed().close()),
    ("slips", "appointment_slip"): (P.SCHEDULE_VIEW, lambda s, ids: s.slips.appointment_slip(ids["appointment"])),
    ("slips", "day_list"): (P.SCHEDULE_VIEW, lambda s, ids: s.slips.day_list(ids["doctor"], TODAY)),
    ("slips", "write_appointment_slip"): (
        P.SCHEDULE_VIEW, lambda s, ids: s.slips.write_appointment_slip(ids["appointment"], ids["slip_path"])),
    # Billing. ids["invoice"] is an issued invoice with one cash payment (receipt ids["receipt"]).
    ("invoices", "get"): (P.BILLING_VIEW, lambda s, ids: s.invoices.get(ids["invoice"])),
    ("invoices", "find"): (P.BILLING_VIEW, lambda s, ids: s.invoices.find(ids["invoice_number"])),
    ("invoices", "for_appointment"): (P.BILLING_VIEW, lambda s, ids: s.invoices.for_appointment(ids["appointment"])),
    ("invoices", "balance_for"): (P.BILLING_VIEW, lambda s, ids: s.invoices.balance_for(ids["patient"])),
    ("invoices", "balances_for"): (P.BILLING_VIEW, lambda s, ids: s.invoices.balances_for([ids["patient"]])),
    ("invoices", "page"): (P.BILLING_VIEW, lambda s, ids: s.invoices.page()),
    ("invoices", "totals"): (P.BILLING_VIEW, lambda s, ids: s.invoices.totals()),
    ("invoices", "start"): (P.INVOICE_CREATE, lambda s, ids: s.invoices.start(ids["patient"])),
    ("invoices", "save_draft"): (P.INVOICE_CREATE, lambda s, ids: s.invoices.save_draft(ids["invoice"], 999, [])),
    ("invoices", "add_line"): (P.INVOICE_CREATE, lambda s, ids: s.invoices.add_line(ids["invoice"], 999, BILL_LINE)),
    ("invoices", "delete_draft"): (P.INVOICE_CREATE, lambda s, ids: s.invoices.delete_draft(ids["invoice"], 999)),
    ("invoices", "issue"): (P.INVOICE_CREATE, lambda s, ids: s.invoices.issue(ids["invoice"], 999)),
    ("invoices", "issue_now"): (P.INVOICE_CREATE, lambda s, ids: s.invoices.issue_now(ids["patient"], [])),
    ("invoices", "void"): (P.INVOICE_VOID, lambda s, ids: s.invoices.void(ids["invoice"], 999, "test")),
    ("invoices", "credit_note"): (P.INVOICE_VOID, lambda s, ids: s.invoices.credit_note(ids["invoice"], 999, 1, "t")),
    ("payments", "pay"): (P.PAYMENT_TAKE, lambda s, ids: s.payments.pay(ids["invoice"], "cash", 1)),
    ("payments", "advance"): (P.PAYMENT_TAKE, lambda s, ids: s.payments.advance(ids["patient"], "cash", 1)),
    ("payments", "refund"): (P.PAYMENT_REFUND, lambda s, ids: s.payments.refund(ids["payment"], 1, "test")),
    ("payments", "get"): (P.BILLING_VIEW, lambda s, ids: s.payments.get(ids["receipt"])),
    ("payments", "advances"): (P.BILLING_VIEW, lambda s, ids: s.payments.advances(ids["patient"])),
    ("shifts", "current"): (P.SHIFT_CLOSE, lambda s, ids: s.shifts.current()),
    ("shifts", "get"): (P.SHIFT_CLOSE, lambda s, ids: s.shifts.get(999_999)),
    ("shifts", "list"): (P.SHIFT_CLOSE, lambda s, ids: s.shifts.list()),
    ("shifts", "open"): (P.SHIFT_CLOSE, lambda s, ids: s.shifts.open(-1)),
    ("shifts", "close"): (P.SHIFT_CLOSE, lambda s, ids: s.shifts.close(999_999, 1, {})),
    ("shifts", "reopen"): (P.SHIFT_VIEW_ALL, lambda s, ids: s.shifts.reopen(ids["shift"], 999, "test")),
    ("shifts", "closure_document"): (P.SHIFT_CLOSE, lambda s, ids: s.shifts.closure_document(999_999)),
    ("shifts", "closure_pdf"): (P.SHIFT_CLOSE, lambda s, ids: s.shifts.closure_pdf(999_999)),
    ("price_list", "items"): (P.BILLING_VIEW, lambda s, ids: s.price_list.items()),
    ("price_list", "add_item"): (P.PRICE_LIST_MANAGE, lambda s, ids: s.price_list.add_item("", "", "x", -1)),
    ("price_list", "update_item"): (P.PRICE_LIST_MANAGE, lambda s, ids: s.price_list.update_item(
        999_999, 1, name="", kind="x", price_minor=-1, tax_rate_bp=0)),
    ("price_list", "tax_rates"): (P.BILLING_VIEW, lambda s, ids: s.price_list.tax_rates()),
    ("price_list", "add_tax_rate"): (P.PRICE_LIST_MANAGE, lambda s, ids: s.price_list.add_tax_rate("", -1)),
    ("price_list", "set_tax_rate_active"): (P.PRICE_LIST_MANAGE, lambda s, ids: s.price_list.set_tax_rate_active(
        999_999, True)),
    ("price_list", "payers"): (P.BILLING_VIEW, lambda s, ids: s.price_list.payers()),
    ("price_list", "add_payer"): (P.PRICE_LIST_MANAGE, lambda s, ids: s.price_list.add_payer("", "x")),
    ("billing_documents", "invoice_pdf"): (P.BILLING_VIEW, lambda s, ids: s.billing_documents.invoice_pdf(
        ids["invoice_number"])),
    ("billing_documents", "receipt_pdf"): (P.BILLING_VIEW, lambda s, ids: s.billing_documents.receipt_pdf(
        ids["receipt"])),
    ("journal", "rows"): (P.BILLING_EXPORT, lambda s, ids: s.journal.rows(TODAY, TODAY)),
    ("journal", "export_csv"): (P.BILLING_EXPORT, lambda s, ids: s.journal.export_csv(TODAY, TODAY)),
    # Reports: the money ones need REPORTS_MONEY (tests/services/test_reports.py walks each by role).
    ("reports", "available"): (REPORTS, lambda s, ids: s.reports.available()),
    ("reports", "run"): (REPORTS, lambda s, ids: s.reports.run("appointments", TODAY, TODAY)),
    ("reports", "dashboard"): ((*REPORTS, P.REPORTS_MONEY), lambda s, ids: s.reports.dashboard()),
    ("reports", "filter_choices"): ((*REPORTS, P.REPORTS_MONEY), lambda s, ids: s.reports.filter_choices()),
    ("reports", "report_pdf"): (REPORTS, lambda s, ids: s.reports.report_pdf("appointments", TODAY, TODAY)),
    # Clinical records. ids["visit"] is a draft visit of ids["clinical_appointment"], whose doctor is
    # linked to the caller's account when the caller is a doctor (so "own visits" applies), else to
    # another doctor's account. The rule "a doctor writes only their own visits" is tested with a
    # second doctor in test_clinical_roles.py.
    ("clinical", "get_visit"): (P.CLINICAL_READ, lambda s, ids: s.clinical.get_visit(ids["visit"])),
    ("clinical", "patient_visits"): (P.CLINICAL_READ, lambda s, ids: s.clinical.patient_visits(ids["patient"])),
    ("clinical", "allergies"): (P.CLINICAL_READ, lambda s, ids: s.clinical.allergies(ids["patient"])),
    ("clinical", "patient_timeline"): (P.CLINICAL_READ, lambda s, ids: s.clinical.patient_timeline(ids["patient"])),
    ("clinical", "access_log"): (P.CLINICAL_ACCESS_LOG, lambda s, ids: s.clinical.access_log(ids["patient"])),
    ("clinical", "search_icd10"): ((P.CLINICAL_READ, P.CLINICAL_WRITE), lambda s, ids: s.clinical.search_icd10("J45")),
    ("clinical", "open_for_appointment"): (
        (P.CLINICAL_WRITE, P.VITALS_WRITE), lambda s, ids: s.clinical.open_for_appointment(ids["clinical_appointment"])),
    ("clinical", "start_without_appointment"): (
        P.CLINICAL_WRITE, lambda s, ids: s.clinical.start_without_appointment(ids["patient"])),
    ("clinical", "save_notes"): (P.CLINICAL_WRITE, lambda s, ids: s.clinical.save_notes(ids["visit"], 999, NOTES)),
    ("clinical", "record_vitals"): (P.VITALS_WRITE, lambda s, ids: s.clinical.record_vitals(ids["visit"], 999, VITALS)),
    ("clinical", "add_diagnosis"): (P.CLINICAL_WRITE, lambda s, ids: s.clinical.add_diagnosis(ids["visit"], 999, DIAGNOSIS)),
    ("clinical", "remove_diagnosis"): (P.CLINICAL_WRITE, lambda s, ids: s.clinical.remove_diagnosis(ids["visit"], 999, 1)),
    ("clinical", "add_prescription"): (
        P.CLINICAL_WRITE, lambda s, ids: s.clinical.add_prescription(ids["visit"], 999, MEDICINE)),
    ("clinical", "remove_prescription"): (
        P.CLINICAL_WRITE, lambda s, ids: s.clinical.remove_prescription(ids["visit"], 999, 1)),
    ("clinical", "sign"): (P.CLINICAL_WRITE, lambda s, ids: s.clinical.sign(ids["visit"], 999)),
    ("clinical", "add_addendum"): (P.CLINICAL_WRITE, lambda s, ids: s.clinical.add_addendum(ids["visit"], "x")),
    ("clinical", "record_allergy"): (
        (P.CLINICAL_WRITE, P.VITALS_WRITE), lambda s, ids: s.clinical.record_allergy(ids["patient"], AllergyInput(""))),
    ("clinical_documents", "prescription_pdf"): (
        P.CLINICAL_READ, lambda s, ids: s.clinical_documents.prescription_pdf(ids["visit"])),
    ("clinical_documents", "visit_summary_pdf"): (
        P.CLINICAL_READ, lambda s, ids: s.clinical_documents.visit_summary_pdf(ids["visit"])),
    ("fhir", "patient_bundle"): (P.CLINICAL_EXPORT, lambda s, ids: s.fhir.patient_bundle(ids["mrn"])),
    ("clinical", "remove_allergy"): (
        (P.CLINICAL_WRITE, P.VITALS_WRITE), lambda s, ids: s.clinical.remove_allergy(999_999)),
    ("formulary", "medicines"): (FORMULARY_READERS, lambda s, ids: s.formulary.medicines()),
    ("formulary", "search"): (FORMULARY_READERS, lambda s, ids: s.formulary.search("amox")),
    ("formulary", "add"): (P.FORMULARY_MANAGE, lambda s, ids: s.formulary.add(MedicineInput(""))),
    ("formulary", "update"): (P.FORMULARY_MANAGE, lambda s, ids: s.formulary.update(999_999, 1, MedicineInput("x"))),
    # Attachments: clinical content; the photo: demographic.
    ("attachments", "limit_bytes"): ((P.CLINICAL_WRITE, P.VITALS_WRITE), lambda s, ids: s.attachments.limit_bytes()),
    ("attachments", "add"): ((P.CLINICAL_WRITE, P.VITALS_WRITE), lambda s, ids: s.attachments.add(
        ids["patient"], AttachmentInput("Letter", "letter", "a.pdf", b"%PDF-1.4 x"))),
    ("attachments", "for_patient"): (P.CLINICAL_READ, lambda s, ids: s.attachments.for_patient(ids["patient"])),
    ("attachments", "for_visit"): (P.CLINICAL_READ, lambda s, ids: s.attachments.for_visit(ids["visit"])),
    ("attachments", "open"): (P.CLINICAL_READ, lambda s, ids: s.attachments.open(999_999)),
    ("attachments", "remove"): (
        (P.CLINICAL_WRITE, P.VITALS_WRITE, P.DOCUMENTS_REMOVE_ANY), lambda s, ids: s.attachments.remove(999_999, "x")),
    ("patient_photos", "get"): (P.PATIENT_VIEW, lambda s, ids: s.patient_photos.get(ids["patient"])),
    ("patient_photos", "set"): (P.PATIENT_EDIT, lambda s, ids: s.patient_photos.set(ids["patient"], b"not a photo")),
    ("patient_photos", "remove"): (P.PATIENT_EDIT, lambda s, ids: s.patient_photos.remove(999_999)),
}

# Calls that are open on purpose, and why.
OPEN = {
    ("auth", "sign_in"): "it is how one signs in",
    ("auth", "sign_out"): "signing out needs no permission",
    ("auth", "has_any_accounts"): "the first-run check happens before anyone can sign in",
    ("auth", "verify_current_password"): "unlocking is for the signed-in person; checked by identity",
    ("auth", "change_own_password"): "anyone signed in may change their own password",
    ("auth", "heartbeat"): "a signed-in desk says it is still there, whatever the role",
    ("auth", "other_desks_signed_in"): "a signed-in desk asks whether it is the last, whatever the role",
    ("staff", "create_first_admin"): "refused by the service unless there are no accounts at all",
    ("password_reset", "request_reset"): "asked for at the sign-in window; the same answer whoever is named",
    ("password_reset", "confirm_reset"): "done at the sign-in window; the e-mailed code is the proof",
    ("settings", "get"): "the login window shows the clinic's name before sign-in",
    ("scheduling", "time_zone"): "the clinic's time zone is not a secret; every screen needs it",
    ("scheduling", "today"): "the clinic's date, likewise",
}


def billed_visit(services: Services, patient_id: int) -> dict[str, Any]:
    """An issued invoice with one cash payment, taken in the admin's shift."""
    shift = services.shifts.open(0)
    draft = services.invoices.start(patient_id)
    draft = services.invoices.save_draft(draft.id, draft.version, [BILL_LINE])
    invoice = services.invoices.issue(draft.id, draft.version)
    payment = services.payments.pay(invoice.id, "cash", 100)
    return {"invoice": invoice.id, "invoice_number": invoice.number, "payment": payment.id,
            "receipt": payment.receipt_number, "shift": shift.id}


def clinical_visit(services: Services, tmp_path: Path, doctor_account: int | None) -> dict[str, Any]:
    """A draft visit with "Dr Own", linked to ``doctor_account`` (or to a doctor account made here)."""
    if doctor_account is None:
        add_staff(services, "perm_clinician", Role.DOCTOR)
        doctor_account = next(m.id for m in services.staff.list() if m.username == "perm_clinician")
    username = next(m.username for m in services.staff.list() if m.id == doctor_account)
    own = make_doctor(services, "Dr Own", staff_account_id=doctor_account)
    other_patient = services.patients.register(PatientInput(given_name="Clin", family_name="Ical",
                                                            date_of_birth=date(1990, 1, 1)))
    appointment = services.scheduling.book(other_patient.id, own.id, at(12), reason="visit")
    desk = second_desk(services, username, STAFF_PASSWORD)
    try:
        visit = desk.clinical.open_for_appointment(appointment.id)
    finally:
        desk.close()
    return {"visit": visit.id, "clinical_appointment": appointment.id}


PLUMBING = ("db", "identity", "units")


def public_calls(services: Services) -> set[tuple[str, str]]:
    calls = set()
    # Every service bootstrap builds (a new one is found without editing this list); not the plumbing.
    for name in (f.name for f in dataclasses.fields(Services) if f.name not in PLUMBING):
        service = getattr(services, name)
        for attr, _value in inspect.getmembers(type(service), inspect.isfunction):
            if not attr.startswith("_"):
                calls.add((name, attr))
    return calls


def test_every_call_is_listed(services):
    assert public_calls(services) == set(CALLS) | set(OPEN)


def _allowed(permission, granted) -> bool:
    if permission is None:
        return True
    needed = permission if isinstance(permission, tuple) else (permission,)
    return any(p in granted for p in needed)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_against_each_call(services, role, tmp_path):
    fix_clock(services)
    patient = services.patients.register(PATIENT)
    doctor = make_doctor(services)
    specialty = services.doctors.specialties()[0]
    appointment = services.scheduling.book(patient.id, doctor.id, at(10), reason="check-up")
    exception = services.availability.add_leave(doctor.id, date(2030, 3, 1), reason="conference").exception
    bill = billed_visit(services, patient.id)
    add_staff(services, f"perm_{role}", role)
    staff_id = next(m.id for m in services.staff.list() if m.username == f"perm_{role}")
    clinical = clinical_visit(services, tmp_path, staff_id if role == Role.DOCTOR else None)
    ids = {"patient": patient.id, "mrn": patient.mrn, "staff": staff_id, "doctor": doctor.id,
           "specialty": specialty.id, "appointment": appointment.id, "exception": exception.id,
           "slip_path": tmp_path / "slip.pdf", **bill, **clinical}
    desk = second_desk(services, f"perm_{role}", STAFF_PASSWORD)
    fix_clock(desk)
    allowed = ROLE_PERMISSIONS[Role(role)]
    try:
        for (service, method), (permission, call) in CALLS.items():
            try:
                call(desk, ids)
                outcome = "ok"
            except PermissionDenied:
                outcome = "denied"
            except (HmsError, ValueError):
                outcome = "ok"  # got past the permission check, refused for another reason
            expected = "ok" if _allowed(permission, allowed) else "denied"
            assert outcome == expected, f"{role} calling {service}.{method}: {outcome}, expected {expected}"
    finally:
        desk.close()


def test_signed_out_desk_is_refused_everything(services, tmp_path):
    services.auth.sign_out()
    ids = {"patient": 1, "mrn": "00000018", "staff": 1, "doctor": 1, "specialty": 1, "appointment": 1,
           "exception": 1, "slip_path": tmp_path / "slip.pdf", "invoice": 1, "invoice_number": "INV-2030-000001",
           "payment": 1, "receipt": "RCT-2030-000001", "shift": 1, "visit": 1, "clinical_appointment": 1}
    for (_service, _method), (_permission, call) in CALLS.items():
        with pytest.raises(PermissionDenied):
            call(services, ids)
