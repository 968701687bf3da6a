"""The audit log in plain words: what each stored action and field code means to a person.

Codes stay in the log as they are written (they are the record); these words are only how they are
shown. An action or field not listed here still reads as words ("demo.schedule_loaded" ->
"Demo schedule loaded"), never as a program code.
"""

from __future__ import annotations

ACTIONS = {
    "signin.ok": "Signed in",
    "signin.failed": "Sign-in failed",
    "signin.refused": "Sign-in refused",
    "signout": "Signed out",
    "staff.created": "Staff account added",
    "staff.changed": "Staff account changed",
    "staff.password_reset": "Password reset",
    "staff.password_changed": "Password changed",
    "staff.activated": "Staff account reactivated",
    "staff.deactivated": "Staff account deactivated",
    "patient.created": "Patient registered",
    "patient.changed": "Patient details changed",
    "patient.archived": "Patient archived",
    "patient.restored": "Patient restored",
    "patient.photo_added": "Patient photo added",
    "patient.photo_replaced": "Patient photo replaced",
    "patient.photo_removed": "Patient photo removed",
    "clinical.opened": "Clinical record opened",
    "clinical.visit_started": "Visit record started",
    "clinical.notes_saved": "Visit notes saved",
    "clinical.vitals_recorded": "Vitals recorded",
    "clinical.diagnosis_added": "Diagnosis added",
    "clinical.diagnosis_removed": "Diagnosis removed",
    "clinical.prescription_added": "Medicine prescribed",
    "clinical.prescription_removed": "Prescribed medicine removed",
    "clinical.visit_signed": "Visit signed",
    "clinical.addendum_added": "Addendum added to a signed visit",
    "clinical.allergy_recorded": "Allergy recorded",
    "clinical.allergy_removed": "Allergy removed",
    "clinical.exported": "Clinical record exported (FHIR)",
    "clinical.document_added": "Document attached (lab report, scan or letter)",
    "clinical.document_removed": "Attached document removed",
    "doctor.created": "Doctor added",
    "doctor.changed": "Doctor details changed",
    "doctor.verified": "Doctor verified",
    "doctor.activated": "Doctor reactivated",
    "doctor.deactivated": "Doctor deactivated",
    "specialty.created": "Specialty added",
    "specialty.changed": "Specialty changed",
    "appointment.booked": "Appointment booked",
    "appointment.rescheduled": "Appointment moved",
    "appointment.walk_in": "Walk-in added to the queue",
    "appointment.requested": "Appointment requested",
    "appointment.confirmed": "Appointment confirmed",
    "appointment.checked_in": "Patient checked in",
    "appointment.with_doctor": "Visit started",
    "appointment.completed": "Visit completed",
    "appointment.cancelled": "Appointment cancelled",
    "appointment.rejected": "Appointment declined by the doctor",
    "appointment.no_show": "Marked as no-show",
    "availability.template_changed": "Weekly hours changed",
    "availability.leave_added": "Leave added",
    "availability.blocked_added": "Time blocked",
    "availability.holiday_added": "Clinic holiday added",
    "availability.exception_removed": "Leave, block or holiday removed",
    "demo.patients_loaded": "Demo patients loaded",
    "demo.schedule_loaded": "Demo schedule loaded",
    "settings.changed": "Clinic settings changed",
    "formulary.added": "Medicine added to the formulary",
    "formulary.changed": "Formulary medicine changed",
}

FIELDS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "full_name": "Full name",
    "username": "User name",
    "role": "Role",
    "sex": "Sex",
    "date_of_birth": "Date of birth",
    "dob_estimated": "Date of birth estimated",
    "phone": "Phone",
    "email": "E-mail",
    "address": "Address",
    "blood_group": "Blood group",
    "allergies": "Allergies",
    "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency phone",
    "notes": "Notes",
    "archived": "Archived",
    "active": "Active",
    "verified": "Verified",
    "qualifications": "Qualifications",
    "registration_number": "Registration number",
    "years_experience": "Years of experience",
    "location": "Location / room",
    "consultation_fee_minor": "Consultation fee",
    "staff_account_id": "Linked staff account",
    "specialty_ids": "Specialties",
    "specialties": "Specialties",
    "name": "Name",
    "status": "Status",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "doctor_id": "Doctor",
    "patient_id": "Patient",
    "reason": "Reason",
    "sessions": "Weekly hours",
    "clinic_name": "Clinic name",
    "idle_lock_minutes": "Lock after idle minutes",
    "time_zone": "Time zone",
    "country": "Country",
    "currency": "Currency",
    "locale": "Number and money format",
    "primary_doctor_id": "Primary doctor",
    "strength": "Strength",
    "form": "Form",
    "route": "Route",
    "dose": "Dose",
    "frequency": "Frequency",
}

ENTITIES = {
    "patient": "Patient",
    "doctor": "Doctor",
    "staff": "Staff account",
    "appointment": "Appointment",
    "specialty": "Specialty",
    "settings": "Clinic settings",
    "clinic": "Clinic",
    "formulary": "Formulary medicine",
}

#: The audit tab's "Show" filter: label -> (entity types, action prefixes); empty means any.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "All": ((), ()),
    "Appointments": (("appointment",), ()),
    "Patients": (("patient",), ("demo.patients",)),
    "Doctors": (("doctor", "specialty"), ()),
    "Hours and leave": ((), ("availability.",)),
    "Staff": ((), ("staff.",)),  # sign-ins are about a staff account too, but have their own
    "Sign-ins": ((), ("signin.", "signout")),
    "Settings": (("settings", "formulary"), ()),
}


def _humanise(code: str) -> str:
    text = code.replace(".", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "(no action)"


def action_words(action: str) -> str:
    return ACTIONS.get(action) or _humanise(action)


def field_words(name: str) -> str:
    return FIELDS.get(name) or _humanise(name)


def entity_words(entity_type: str) -> str:
    return ENTITIES.get(entity_type) or _humanise(entity_type)
