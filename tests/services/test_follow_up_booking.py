"""Booking a visit's follow-up, on both databases: the offer names the doctor's first free slot on
the follow-up day (one the patient is free for), else the next day with one; the booking is the
scheduler's, with its clash check, audit row and change notice; and the narrow rule, role by role:
a doctor books the follow-up of their own visit only, a nurse none, the front desk any."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hms_desktop.services.clinical import NotesInput
from hms_desktop.services.errors import PermissionDenied, ValidationError
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling import SlotTaken
from tests.services.conftest import TODAY, Ward, at

LATER = TODAY + timedelta(days=7)


def _visit_with_follow_up(ward: Ward, day=LATER):  # type: ignore[no-untyped-def]
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    return ward.doctor.clinical.save_notes(visit.id, visit.version, NotesInput("Cough", follow_up_on=day))


def test_the_doctor_is_offered_the_first_free_slot_that_day_and_books_it(ward: Ward):
    visit = _visit_with_follow_up(ward)
    offer = ward.doctor.scheduling.follow_up_offer(visit.id)
    assert offer.same_day and offer.slot is not None and offer.booked_at is None
    assert offer.slot.local_start == at(9, 0, day=LATER)
    assert offer.question() == f"Book follow-up at 09:00 on {LATER:%a %d %b %Y} with Dr Priya Nair?"
    booked = ward.doctor.scheduling.book_follow_up(visit.id, offer.slot.starts_at)
    assert (booked.patient_id, booked.doctor_id, booked.kind, booked.local_start) == (
        ward.patient_id, ward.doctor_id, "follow_up", at(9, 0, day=LATER))
    entry = next(e for e in ward.admin.audit.recent() if e.action == "appointment.booked"
                 and e.entity_id == str(booked.id))
    assert entry.actor_name == "priya" and "Asha Rao" in entry.summary
    assert booked.id in [a.id for a in ward.receptionist.scheduling.doctor_day(ward.doctor_id, LATER)]
    # Asked again: the appointment already there is named, not a second one offered.
    again = ward.doctor.scheduling.follow_up_offer(visit.id)
    assert again.slot is None and again.booked_at == at(9, 0, day=LATER)
    assert "already has an appointment" in again.question()


def test_a_full_day_is_said_in_words_and_the_next_day_with_a_slot_is_offered(ward: Ward):
    visit = _visit_with_follow_up(ward)
    ward.admin.availability.add_leave(ward.doctor_id, LATER, reason="conference")
    offer = ward.doctor.scheduling.follow_up_offer(visit.id)
    assert not offer.same_day and offer.slot is not None
    assert offer.slot.local_start == at(9, 0, day=LATER + timedelta(days=1))
    assert offer.question().startswith(f"Dr Priya Nair has no free slot left on {LATER:%a %d %b %Y}. Book follow-up at "
                                       f"09:00 on {LATER + timedelta(days=1):%a %d %b %Y} instead")


def test_the_patients_own_appointments_are_skipped_and_a_clash_is_refused(ward: Ward):
    visit = _visit_with_follow_up(ward)
    (omar,) = ward.admin.doctors.search("Omar")
    ward.receptionist.scheduling.book(ward.patient_id, omar.id, at(9, 0, day=LATER), reason="skin")
    offer = ward.doctor.scheduling.follow_up_offer(visit.id)
    assert offer.same_day and offer.slot.local_start == at(9, 15, day=LATER)
    other = ward.admin.patients.register(PatientInput(given_name="Ravi", family_name="K", sex="male",
                                                      date_of_birth=ward.admin.patients.get(ward.patient_id).date_of_birth))
    ward.receptionist.scheduling.book(other.id, ward.doctor_id, at(9, 15, day=LATER), reason="x")
    with pytest.raises(SlotTaken) as taken:  # another desk took it meanwhile: the scheduler's own refusal
        ward.doctor.scheduling.book_follow_up(visit.id, offer.slot.starts_at)
    assert taken.value.suggestions


def test_who_may_book_a_follow_up(ward: Ward):
    visit = _visit_with_follow_up(ward)
    slots = ward.admin.scheduling.free_slots(ward.doctor_id, LATER)
    with pytest.raises(PermissionDenied) as other:
        ward.other_doctor.scheduling.book_follow_up(visit.id, slots[0].starts_at)
    assert "their own visit" in other.value.message
    with pytest.raises(PermissionDenied):
        ward.nurse.scheduling.book_follow_up(visit.id, slots[0].starts_at)
    with pytest.raises(PermissionDenied):  # a doctor still books nothing else
        ward.doctor.scheduling.book(ward.patient_id, ward.doctor_id, slots[0].starts_at)
    for n, desk in enumerate((ward.doctor, ward.receptionist, ward.admin)):
        booked = desk.scheduling.book_follow_up(visit.id, slots[n].starts_at)
        assert booked.kind == "follow_up"
        ward.admin.visits.cancel(booked.id, "test")
    # Every desk may see the offer (a schedule read); a visit without a follow-up date says so.
    blank = ward.doctor.clinical.start_without_appointment(ward.patient_id)
    with pytest.raises(ValidationError) as no_day:
        ward.receptionist.scheduling.follow_up_offer(blank.id)
    assert no_day.value.fields == {"follow_up_on": "Set the follow-up date first."}


def test_an_appointment_with_the_doctor_after_the_visit_counts_as_the_follow_up(ward: Ward):
    """The same rule as the patient's follow-up reminder: the desk booked one already (even on
    another day), so nothing more is offered."""
    visit = _visit_with_follow_up(ward)
    earlier = ward.receptionist.scheduling.book(ward.patient_id, ward.doctor_id, at(16, 0, day=LATER - timedelta(days=2)),
                                                reason="review")
    offer = ward.doctor.scheduling.follow_up_offer(visit.id)
    assert offer.slot is None and offer.booked_at == at(16, 0, day=LATER - timedelta(days=2))
    ward.receptionist.visits.cancel(earlier.id, "patient asked")
    assert ward.doctor.scheduling.follow_up_offer(visit.id).slot is not None  # cancelled: offered again
