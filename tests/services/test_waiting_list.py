"""The waiting list and "a slot freed up", on SQLite and PostgreSQL: the front desk puts patients on
it (checked in plain words), a cancellation, rejection or move that frees a matching slot rings the
receptionists in its own unit of work, once per freed slot, and only for the days, part of the day
and doctor (or specialty) the patient asked for."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import select

from hms_desktop.models import StaffNotification
from hms_desktop.services.errors import ConflictError, PermissionDenied, ValidationError
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling.waiting_list import WaitingInput
from tests.services.conftest import TODAY, Ward, at


def register(svc, given: str) -> int:  # noqa: ANN001
    return svc.patients.register(PatientInput(given_name=given, family_name="Rao", sex="female",
                                              date_of_birth=date(1985, 3, 1))).id


def omar_id(ward: Ward) -> int:
    return next(d.id for d in ward.admin.doctors.search("Omar") if d.full_name == "Dr Omar Said")


def freed(svc) -> list:  # noqa: ANN001 - Services; the signed-in person's freed-slot items
    return [i for i in svc.bell.refresh().items if i.kind == "slot_freed"]


def test_the_desk_keeps_the_waiting_list_and_bad_input_is_told_in_words(ward: Ward):
    desk = ward.receptionist
    ravi = register(desk, "Ravi")
    entry = desk.waiting_list.add(WaitingInput(ravi, TODAY, TODAY + timedelta(days=7), doctor_id=ward.doctor_id,
                                               part_of_day="morning", note="Prefers early"))
    assert (entry.patient_name, entry.who, entry.part_words, entry.added_by) == (
        "Ravi Rao", "Dr Priya Nair", "Morning (before 12:00)", "rita")
    assert entry.days == "07 Jan – 14 Jan 2030"
    specialty = ward.admin.doctors.specialties()[0]
    anyone = desk.waiting_list.add(WaitingInput(register(desk, "Meera"), TODAY, specialty_id=specialty.id))
    assert anyone.who == "Any General Medicine doctor" and anyone.days == "From Mon 07 Jan 2030"
    assert [e.id for e in desk.waiting_list.entries(ward.doctor_id)] == [entry.id, anyone.id]
    assert [e.id for e in desk.waiting_list.entries(omar_id(ward))] == [anyone.id]
    # A doctor sees the list but does not keep it.
    assert len(ward.doctor.waiting_list.entries()) == 2
    with pytest.raises(PermissionDenied):
        ward.doctor.waiting_list.add(WaitingInput(ravi, TODAY, doctor_id=ward.doctor_id))

    with pytest.raises(ValidationError) as bad:
        desk.waiting_list.add(WaitingInput(ravi, TODAY + timedelta(days=3), TODAY + timedelta(days=1),
                                           part_of_day="night", note="x\x00"))
    assert bad.value.fields["doctor"] == "Choose a doctor, or a specialty when any of its doctors will do."
    assert bad.value.fields["latest"] == "The last day is before the first day."
    assert bad.value.fields["part_of_day"] == "Choose any time, morning, afternoon or evening."
    assert "note" in bad.value.fields
    assert len(desk.waiting_list.entries()) == 2, "nothing was saved"

    desk.waiting_list.remove(entry.id)
    assert [e.id for e in desk.waiting_list.entries()] == [anyone.id]
    with pytest.raises(ConflictError):
        ward.admin.waiting_list.remove(entry.id)
    actions = [e.action for e in ward.admin.audit.recent()]
    assert actions[:2] == ["waitlist.removed", "waitlist.added"] and actions.count("waitlist.added") == 2


def test_a_cancelled_slot_a_waiting_patient_wants_rings_the_receptionists_once(ward: Ward):
    desk = ward.receptionist
    desk.waiting_list.add(WaitingInput(register(desk, "Ravi"), TODAY, TODAY + timedelta(days=2),
                                       doctor_id=ward.doctor_id, part_of_day="morning", note="Any morning"))
    later = desk.waiting_list.add(WaitingInput(register(desk, "Uma"), TODAY, doctor_id=ward.doctor_id))
    meera = register(desk, "Meera")
    morning = desk.scheduling.book(meera, ward.doctor_id, at(10, 30))
    evening = desk.scheduling.book(meera, ward.doctor_id, at(17, 20))

    with pytest.raises(ValidationError):
        desk.visits.cancel(morning.id, "")  # refused: nothing rings
    assert freed(desk) == []
    desk.visits.cancel(morning.id, "Feeling better", by="patient")

    (item,) = freed(desk)
    assert item.title == "A slot freed up for Ravi Rao on the waiting list: Dr Priya Nair, Mon 10:30"
    assert item.detail == "Dr Priya Nair, Mon 07 Jan 2030 10:30 · Any morning · 1 more waiting for it"
    assert (item.doctor_id, item.day, item.slot_at) == (ward.doctor_id, TODAY, at(10, 30))
    assert item.slot_at.utcoffset() == at(10, 30).utcoffset(), "shown in the clinic's zone"
    # Only the receptionists: not the doctor, the nurse or the administrator.
    for other in (ward.doctor, ward.nurse, ward.admin):
        assert freed(other) == []

    # The evening slot suits Uma (any time), not Ravi (mornings only).
    desk.visits.cancel(evening.id, "Travelling", by="patient")
    newest = freed(desk)[0]
    assert newest.title.startswith("A slot freed up for Uma Rao on the waiting list: Dr Priya Nair, Mon 17:20")
    desk.waiting_list.remove(later.id)

    # The same slot booked and freed again rings no second time.
    again = desk.scheduling.book(meera, ward.doctor_id, at(10, 30))
    ward.doctor.visits.reject(again.id, "On leave")
    assert len(freed(desk)) == 2
    with ward.admin.db.read() as session:
        keys = session.scalars(select(StaffNotification.source_key).where(StaffNotification.kind == "slot_freed")).all()
    assert len(keys) == 2 and f"slot_freed:{ward.doctor_id}:{at(10, 30).astimezone(UTC).isoformat()}" in keys


def test_a_move_frees_the_old_time_for_a_specialty_entry_and_a_past_or_unwanted_slot_rings_nobody(ward: Ward):
    desk = ward.receptionist
    specialty = ward.admin.doctors.specialties()[0]
    tomorrow = TODAY + timedelta(days=1)
    desk.waiting_list.add(WaitingInput(register(desk, "Ravi"), tomorrow, tomorrow, specialty_id=specialty.id,
                                       part_of_day="afternoon"))
    meera = register(desk, "Meera")
    omar = omar_id(ward)
    appt = desk.scheduling.book(meera, omar, at(16, 20, day=tomorrow))
    wrong_day = desk.scheduling.book(meera, omar, at(16, 20))
    desk.visits.cancel(wrong_day.id, "Travelling", by="patient")  # today: Ravi asked for tomorrow
    assert freed(desk) == []

    desk.scheduling.reschedule(appt.id, at(11, day=tomorrow))
    (item,) = freed(desk)
    assert item.title == "A slot freed up for Ravi Rao on the waiting list: Dr Omar Said, Tue 16:20"
    assert item.doctor_id == omar and item.day == tomorrow

    # Ravi's own appointment freeing a slot does not ring for Ravi.
    ravi_appt = desk.scheduling.book(item.patient_id, omar, at(17, day=tomorrow))
    desk.visits.cancel(ravi_appt.id, "Not needed", by="patient")
    assert len(freed(desk)) == 1
