"""Attachments and the patient photo on both databases: the size limit said in words, the type told
from the bytes, the SHA-256 kept and checked (a damaged copy is refused, and the look is still on
record), the round trip, soft removal with a reason, the role matrix, and an audit row for every read."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from sqlalchemy import text

from hms_desktop.services.clinical import AttachmentInput, DamagedFile
from hms_desktop.services.errors import ConflictError, HmsError, NotFound, PermissionDenied, ValidationError
from hms_desktop.services.file_types import image_size
from tests.services.conftest import Ward
from tests.support.sample_files import jpeg_header, pdf_bytes, png_bytes

PDF = pdf_bytes("Haemoglobin 13.2 g/dL")


def opened(ward: Ward) -> list[str]:
    return [e.summary for e in ward.admin.clinical.access_log(ward.patient_id) if e.action == "clinical.opened"]


def lab_report(data: bytes = PDF, name: str = "cbc.pdf", visit_id: int | None = None) -> AttachmentInput:
    return AttachmentInput("Blood count", "lab_report", name, data, visit_id=visit_id)


def test_round_trip_with_hash_size_type_and_an_audit_row_for_every_read(ward: Ward):
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    added = ward.doctor.attachments.add(ward.patient_id, lab_report(visit_id=visit.id, name="C:\\scans\\cbc.pdf"))
    assert (added.file_name, added.content_type, added.size_bytes) == ("cbc.pdf", "application/pdf", len(PDF))
    assert added.sha256 == hashlib.sha256(PDF).hexdigest() and added.added_by == "Priya"
    scan = ward.nurse.attachments.add(ward.patient_id, AttachmentInput("Chest X-ray", "imaging", "xray.PNG",
                                                                       png_bytes()))
    assert scan.content_type == "image/png" and scan.visit_id is None and scan.is_image
    before = len(opened(ward))
    listed = ward.nurse.attachments.for_patient(ward.patient_id)
    assert [a.id for a in listed] == [scan.id, added.id]  # newest first
    assert [a.id for a in ward.other_doctor.attachments.for_visit(visit.id)] == [added.id]
    content = ward.other_doctor.attachments.open(added.id)
    assert content.data == PDF and content.record == added
    assert len(opened(ward)) == before + 3
    assert opened(ward)[:3] == [f"Opened document {added.id}", f"Listed the documents of visit {visit.id}",
                                "Listed the documents"]  # newest first
    actions = {e.action for e in ward.admin.clinical.access_log(ward.patient_id)}
    assert "clinical.document_added" in actions
    # Audit summaries hold no clinical text: not the title.
    assert not any("Blood count" in e.summary for e in ward.admin.clinical.access_log(ward.patient_id))


def test_the_size_limit_is_the_clinics_setting_said_in_words(ward: Ward):
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationError) as refused:
        ward.doctor.attachments.add(ward.patient_id, lab_report(big, "big.pdf"))
    assert "big.pdf is 10 MB; the clinic keeps files of at most 10 MB" in str(refused.value)
    assert ward.doctor.attachments.limit_bytes() == 10 * 1024 * 1024
    settings = ward.admin.settings.get()
    ward.admin.settings.update(replace(settings, attachment_limit_mb=1))
    with pytest.raises(ValidationError) as refused:
        ward.doctor.attachments.add(ward.patient_id, lab_report(PDF + b"0" * (1024 * 1024), "scan.pdf"))
    assert "at most 1 MB" in str(refused.value)
    ward.doctor.attachments.add(ward.patient_id, lab_report())  # under the limit
    with pytest.raises(ValidationError) as refused:
        ward.admin.settings.update(replace(settings, attachment_limit_mb=0))
    assert "between 1 and 50 MB" in str(refused.value)
    assert ward.doctor.attachments.for_patient(ward.patient_id)[0].title == "Blood count"


def test_the_type_comes_from_the_bytes_not_the_name(ward: Ward):
    add = ward.doctor.attachments.add
    with pytest.raises(ValidationError, match="is named like a PDF document but holds a PNG image"):
        add(ward.patient_id, lab_report(png_bytes(), "report.pdf"))
    with pytest.raises(ValidationError, match="not a PDF, PNG or JPEG"):
        add(ward.patient_id, lab_report(b"MZ\x90\x00 an executable", "report.pdf"))
    with pytest.raises(ValidationError, match="empty"):
        add(ward.patient_id, lab_report(b"", "report.pdf"))
    with pytest.raises(ValidationError, match="title"):
        add(ward.patient_id, AttachmentInput("  ", "letter", "a.pdf", PDF))
    with pytest.raises(ValidationError, match="Choose what the document is"):
        add(ward.patient_id, AttachmentInput("Letter", "poem", "a.pdf", PDF))
    jpeg = add(ward.patient_id, AttachmentInput("Wound photo", "imaging", "wound", jpeg_header(800, 600)))
    assert jpeg.content_type == "image/jpeg"  # no ending: the bytes decide
    assert [a.id for a in ward.doctor.attachments.for_patient(ward.patient_id)] == [jpeg.id]


def test_a_damaged_copy_is_refused_and_the_look_is_on_record(ward: Ward):
    added = ward.doctor.attachments.add(ward.patient_id, lab_report())
    with ward.admin.db.engine.begin() as conn:  # a disk error, or someone editing the database by hand
        conn.execute(text("UPDATE clinical_attachment_blobs SET content = :c WHERE attachment_id = :i"),
                     {"c": PDF[:-10] + b"0123456789", "i": added.id})
    with pytest.raises(DamagedFile, match="cbc.pdf is damaged"):
        ward.doctor.attachments.open(added.id)
    assert opened(ward)[0] == f"Opened document {added.id}"
    with pytest.raises(NotFound):
        ward.doctor.attachments.open(999_999)


def test_removal_is_a_soft_delete_with_a_reason_by_the_adder_or_an_admin(ward: Ward):
    by_nurse = ward.nurse.attachments.add(ward.patient_id, lab_report())
    by_doctor = ward.doctor.attachments.add(ward.patient_id, lab_report(png_bytes(), "scan.png"))
    with pytest.raises(PermissionDenied, match="Only Nina"):
        ward.doctor.attachments.remove(by_nurse.id, "wrong patient")
    with pytest.raises(ValidationError, match="Say why"):
        ward.nurse.attachments.remove(by_nurse.id, "  ")
    removed = ward.nurse.attachments.remove(by_nurse.id, "Filed on the wrong patient")
    assert removed.removed_at is not None and removed.removal_reason == "Filed on the wrong patient"
    with pytest.raises(ConflictError, match="already removed"):
        ward.nurse.attachments.remove(by_nurse.id, "again")
    ward.admin.attachments.remove(by_doctor.id, "Duplicate scan")
    assert ward.doctor.attachments.for_patient(ward.patient_id) == []
    kept = ward.doctor.attachments.for_patient(ward.patient_id, include_removed=True)
    assert {a.id: a.removal_reason for a in kept} == {by_nurse.id: "Filed on the wrong patient",
                                                      by_doctor.id: "Duplicate scan"}
    assert ward.doctor.attachments.open(by_nurse.id).data == PDF  # the bytes stay
    removals = [e for e in ward.admin.clinical.access_log(ward.patient_id) if e.action == "clinical.document_removed"]
    assert {(e.who, e.summary) for e in removals} == {("nina", f"Document {by_nurse.id} removed"),
                                                      ("admin", f"Document {by_doctor.id} removed")}


def test_role_matrix(ward: Ward):
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    own = ward.doctor.attachments.add(ward.patient_id, lab_report(visit_id=visit.id))
    calls = {
        "add to the patient": lambda s: s.attachments.add(ward.patient_id, lab_report()),
        "add to Priya's visit": lambda s: s.attachments.add(ward.patient_id, lab_report(visit_id=visit.id)),
        "list": lambda s: s.attachments.for_patient(ward.patient_id),
        "list the visit's": lambda s: s.attachments.for_visit(visit.id),
        "open": lambda s: s.attachments.open(own.id),
        "limit": lambda s: s.attachments.limit_bytes(),
    }
    expected = {
        "admin": set(),
        "receptionist": set(),
        "doctor": set(calls),
        "other_doctor": set(calls) - {"add to Priya's visit"},  # a doctor adds to their own visits only
        "nurse": set(calls),
    }
    for name, desk in ward.desks.items():
        allowed = set()
        for call_name, call in calls.items():
            try:
                call(desk)
                allowed.add(call_name)
            except PermissionDenied:
                pass
            except HmsError:
                allowed.add(call_name)
        assert allowed == expected[name], name
    with pytest.raises(PermissionDenied):
        ward.receptionist.attachments.remove(own.id, "x")
    with pytest.raises(NotFound, match="patient record does not exist"):
        ward.doctor.attachments.add(ward.patient_id + 999, lab_report(visit_id=visit.id))


def test_the_photo_is_demographic_scaled_size_checked_and_audited(ward: Ward):
    assert ward.receptionist.patient_photos.get(ward.patient_id) is None
    photo = ward.receptionist.patient_photos.set(ward.patient_id, png_bytes(320, 400))
    assert (photo.width, photo.height, photo.content_type) == (320, 400, "image/png")
    assert ward.nurse.patient_photos.get(ward.patient_id).data == png_bytes(320, 400)
    ward.doctor.patient_photos.set(ward.patient_id, jpeg_header(512, 384))
    assert ward.admin.patient_photos.get(ward.patient_id).content_type == "image/jpeg"
    with pytest.raises(ValidationError, match="600 x 500 pixels; at most 512"):
        ward.receptionist.patient_photos.set(ward.patient_id, png_bytes(600, 500))
    with pytest.raises(ValidationError, match="PNG or JPEG"):
        ward.receptionist.patient_photos.set(ward.patient_id, PDF)
    with ward.admin.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT action, summary FROM audit_log WHERE entity_type = 'patient' "
                                 "AND entity_id = :p AND action LIKE 'patient.photo%' ORDER BY id"),
                            {"p": str(ward.patient_id)}).all()
    assert [r[0] for r in rows] == ["patient.photo_added", "patient.photo_replaced"]
    ward.receptionist.patient_photos.remove(ward.patient_id)
    assert ward.receptionist.patient_photos.get(ward.patient_id) is None
    with pytest.raises(NotFound):
        ward.receptionist.patient_photos.remove(ward.patient_id)


def test_image_sizes_from_headers():
    assert image_size(png_bytes(7, 9)) == (7, 9)
    assert image_size(jpeg_header(1024, 768)) == (1024, 768)
    assert image_size(b"\xff\xd8\xff\xe0") is None


def test_a_backup_carries_the_documents_and_a_restore_mends_a_damaged_one(tmp_path, sqlite_template):
    """SQLite's backup is the database file, so the documents' bytes are in it; PostgreSQL's is a
    pg_dump of every table (tests/services/test_backups.py), blobs included."""
    import shutil
    from pathlib import Path

    from hms_desktop.bootstrap import build_services
    from hms_desktop.services.backups import BackupSettings
    from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, add_staff, second_desk
    from tests.services.conftest import make_patients

    path = tmp_path / "clinic.sqlite3"
    shutil.copy(sqlite_template, path)
    admin = build_services(f"sqlite:///{path}")
    admin.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    admin.auth.sign_in("admin", ADMIN_PASSWORD)
    admin.backups.save_settings(BackupSettings(folder=str(tmp_path / "backups")))
    add_staff(admin, "nina", "nurse")
    (patient_id,) = make_patients(admin, 1)
    nurse = second_desk(admin, "nina", STAFF_PASSWORD)
    try:
        added = nurse.attachments.add(patient_id, lab_report())
        entry = admin.backups.backup_now()
        assert entry.verified
        with admin.db.engine.begin() as conn:
            conn.execute(text("UPDATE clinical_attachment_blobs SET content = :c"), {"c": b"%PDF-1.4 scrambled"})
        with pytest.raises(DamagedFile):
            nurse.attachments.open(added.id)
        nurse.auth.sign_out()  # a restore waits until the other desks have signed out
        admin.backups.restore(Path(entry.path))
        nurse.auth.sign_in("nina", STAFF_PASSWORD)
        assert nurse.attachments.open(added.id).data == PDF
    finally:
        nurse.close()
        admin.close()
