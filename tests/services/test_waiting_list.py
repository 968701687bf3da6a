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


def rung_user(ward: Ward) -> int:
    return next(m.id for m in ward.admin.staff.list() if m.username == "rita")


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
    # Everyone who may book (the receptionist, the administrator), one item each; not the doctor or the nurse.
    (admins,) = freed(ward.admin)
    assert admins.title == item.title
    for other in (ward.doctor, ward.nurse):
        assert freed(other) == []

    # The evening slot suits Uma (any time), not Ravi (mornings only).
    desk.visits.cancel(evening.id, "Travelling", by="patient")
    newest = freed(desk)[0]
    assert newest.title.startswith("A slot freed up for Uma Rao on the waiting list: Dr Priya Nair, Mon 17:20")
    desk.waiting_list.remove(later.id)

    # The same slot booked: the item says so and is done; freed again: the same item rings again.
    desk.bell.mark_read()
    again = desk.scheduling.book(meera, ward.doctor_id, at(10, 30))
    booked = next(i for i in desk.bell.refresh().items if i.slot_at == at(10, 30))
    assert (booked.kind, booked.read, booked.appointment_id) == ("slot_booked", True, again.id)
    assert booked.detail == "Booked since: Meera Rao (by rita)"
    assert len(freed(desk)) == 1, "only the evening slot is still on offer"
    ward.doctor.visits.reject(again.id, "On leave")
    view = desk.bell.refresh()
    rung = next(i for i in view.items if i.slot_at == at(10, 30))
    assert (rung.id, rung.kind, rung.read, rung.appointment_id) == (booked.id, "slot_freed", False, None)
    assert rung.title.startswith("A slot freed up for Ravi Rao") and view.unread == 1
    assert len(freed(desk)) == 2
    with ward.admin.db.read() as session:
        keys = session.scalars(select(StaffNotification.source_key).where(
            StaffNotification.kind == "slot_freed", StaffNotification.user_id == rung_user(ward))).all()
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


def test_booking_a_waiting_patient_closes_their_entry_in_the_same_unit(ward: Ward):
    desk = ward.receptionist
    specialty = ward.admin.doctors.specialties()[0]
    ravi = register(desk, "Ravi")
    with_priya = desk.waiting_list.add(WaitingInput(ravi, TODAY, doctor_id=ward.doctor_id))
    any_gp = desk.waiting_list.add(WaitingInput(ravi, TODAY, specialty_id=specialty.id, note="Any GP"))
    uma = desk.waiting_list.add(WaitingInput(register(desk, "Uma"), TODAY, doctor_id=ward.doctor_id))
    other = ward.admin.doctors.add_specialty("Dermatology")
    skin = desk.waiting_list.add(WaitingInput(ravi, TODAY, specialty_id=other.id))

    # Refused bookings close nothing.
    with pytest.raises(ValidationError):
        desk.scheduling.book(ravi, ward.doctor_id, at(3))
    assert len(desk.waiting_list.entries()) == 4

    # Dr Omar is a General Medicine doctor: the specialty entry is satisfied, not the one for Dr Priya.
    appt = desk.scheduling.book(ravi, omar_id(ward), at(11))
    assert [e.id for e in desk.waiting_list.entries()] == [with_priya.id, uma.id, skin.id]
    everything = desk.waiting_list.entries(include_closed=True)
    assert [e.id for e in everything] == [with_priya.id, uma.id, skin.id, any_gp.id]
    closed = everything[-1]
    assert (closed.booked_appointment_id, closed.status) == (appt.id, "Booked 07 Jan")
    assert closed.closed_at is not None and closed.closed_at.utcoffset() == at(11).utcoffset()
    audit = ward.admin.audit.recent()
    assert audit[0].action == "waitlist.booked" and audit[1].action == "appointment.booked"
    assert audit[0].summary == f"Ravi Rao ({desk.patients.get(ravi).mrn}) booked with Dr Omar Said: off the waiting list"

    # A request with Dr Priya closes Ravi's entry for her; Uma's stays.
    desk.scheduling.book(ravi, ward.doctor_id, at(17), confirmed=False)
    assert [e.id for e in desk.waiting_list.entries()] == [uma.id, skin.id]
    assert [e.id for e in desk.waiting_list.entries(patient_id=ravi)] == [skin.id]
    assert [(e.id, e.status) for e in desk.waiting_list.entries(patient_id=ravi, include_closed=True)][1:] == [
        (with_priya.id, "Booked 07 Jan"), (any_gp.id, "Booked 07 Jan")]
    desk.waiting_list.remove(skin.id)
    statuses = {e.id: e.status for e in desk.waiting_list.entries(patient_id=ravi, include_closed=True)}
    assert statuses[skin.id] == "Taken off 07 Jan" and desk.waiting_list.entries(patient_id=ravi) == []
    with pytest.raises(ConflictError):
        desk.waiting_list.remove(with_priya.id)  # booked: it is closed already


@pytest.mark.parametrize(("new", "rings"), [
    ((11, 15), True),   # 11:00-11:30 to 11:15-11:45: 11:00-11:15 holds a 15-minute slot
    ((11, 5), False),   # 11:05-11:35: five minutes are no appointment
    ((10, 45), True),   # 10:45-11:15: 11:15-11:30 is free
])
def test_a_move_that_partly_overlaps_frees_the_part_left_when_it_holds_a_slot(ward: Ward, new, rings):
    desk = ward.receptionist
    desk.waiting_list.add(WaitingInput(register(desk, "Ravi"), TODAY, doctor_id=ward.doctor_id))
    meera = register(desk, "Meera")
    appt = desk.scheduling.book(meera, ward.doctor_id, at(11), at(11, 30))
    desk.scheduling.reschedule(appt.id, at(*new))
    items = freed(desk)
    if not rings:
        assert items == []
        return
    (item,) = items
    left = at(11) if new == (11, 15) else at(11, 15)
    assert item.slot_at == left and item.title.endswith(f"Dr Priya Nair, Mon {left:%H:%M}")
