"""Attachments on a patient's record: lab reports, scans, letters (PDF, PNG, JPEG), on one of
their visits or on the patient.

- Kept in the database (``clinical_attachments`` for what describes a file, ``clinical_attachment_blobs``
  for its bytes), so a backup carries them and no file on a disk can be reached by guessing its path.
  A list reads only the descriptions; the bytes are read when one file is opened.
- The type is told from the bytes (file_types.detect), never from the name alone; a name whose ending
  claims another type is refused. The clinic's size limit (``attachment_limit_mb``, 10 MB unless changed)
  is said in plain words when a file is over it.
- The SHA-256 of the bytes is kept and checked on every opening: a file whose bytes no longer match
  is refused as damaged (DamagedFile), and the opening is audited all the same.
- Who: attachments are clinical content, under the clinical records' rules (service.py). Reading
  (the list too) is CLINICAL_READ, and every read leaves a ``clinical.opened`` audit row on the patient.
  Adding is CLINICAL_WRITE or VITALS_WRITE (doctors, nurses); on a visit, a doctor adds only to their own
  visits, a signed one too (adding overwrites nothing). Receptionists and administrators read none.
- Never overwritten; removal is a soft delete with a reason, by the person who added it or an
  administrator (DOCUMENTS_REMOVE_ANY), audited. The row and the bytes stay.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ...models import Attachment, AttachmentBlob, Visit, utcnow
from ..errors import ConflictError, HmsError, NotFound, PermissionDenied, ValidationError
from ..file_types import EXTENSIONS, TYPE_WORDS, detect, size_words, type_named
from ..permissions import Permission
from ..settings import attachment_limit_bytes
from ..text import check_text
from ..unit_of_work import UnitOfWork, UnitsOfWork
from .service import _audit_read, _patient, _require_own

P = Permission
KINDS: dict[str, str] = {"lab_report": "Lab report", "imaging": "Scan or image", "letter": "Letter",
                         "other": "Other document"}
MOST_LISTED = 2000


class DamagedFile(HmsError):
    """The stored bytes no longer match the SHA-256 kept when the file was added."""

    title = "Damaged file"


@dataclass(frozen=True)
class AttachmentInput:
    title: str
    kind: str  # one of KINDS
    file_name: str  # as chosen; only its last part is kept
    data: bytes
    visit_id: int | None = None  # None: on the patient, not on a visit


@dataclass(frozen=True)
class AttachmentRecord:
    """What describes one attachment (never its bytes)."""

    id: int
    patient_id: int
    visit_id: int | None
    title: str
    kind: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    added_at: datetime
    added_by: str
    added_by_id: int | None
    removed_at: datetime | None = None
    removal_reason: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def size_label(self) -> str:
        return size_words(self.size_bytes)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class AttachmentContent:
    record: AttachmentRecord
    data: bytes  # checked against record.sha256


def _record(row: Attachment) -> AttachmentRecord:
    return AttachmentRecord(row.id, row.patient_id, row.visit_id, row.title, row.kind, row.file_name,
                            row.content_type, row.size_bytes, row.sha256, row.added_at, row.added_by_name,
                            row.added_by_id, row.removed_at, row.removal_reason)


# Every column but the blob's: the list's one query.
_COLUMNS = (Attachment.id, Attachment.patient_id, Attachment.visit_id, Attachment.title, Attachment.kind,
            Attachment.file_name, Attachment.content_type, Attachment.size_bytes, Attachment.sha256,
            Attachment.added_at, Attachment.added_by_name, Attachment.added_by_id, Attachment.removed_at,
            Attachment.removal_reason)


def check_file(file_name: str, data: bytes, limit: int) -> tuple[str, str]:
    """(the name kept, the content type) or a ValidationError in plain words."""
    name = os.path.basename(file_name.replace("\\", "/")).strip()
    name = check_text("file_name", name, 255, required="The file has no name.")
    if not data:
        raise ValidationError({"file": f"{name} is empty: there is nothing in it to keep."})
    if len(data) > limit:
        raise ValidationError({"file": (
            f"{name} is {size_words(len(data))}; the clinic keeps files of at most {size_words(limit)}. "
            "Scan it at a lower resolution, or ask an administrator to raise the limit.")})
    content_type = detect(data)
    if content_type is None:
        raise ValidationError({"file": f"{name} is not a PDF, PNG or JPEG file; only those can be attached."})
    claimed = type_named(name)
    if claimed is not None and claimed != content_type:
        raise ValidationError({"file": (
            f"{name} is named like {TYPE_WORDS[claimed]} but holds {TYPE_WORDS[content_type]}. "
            f"Rename it to end in {EXTENSIONS[content_type][0]} if that is what it is.")})
    return name, content_type


class AttachmentService:
    """See the module docstring for the rules; every method returns frozen records."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def limit_bytes(self) -> int:
        """The clinic's largest attachment, for the file dialog to say before a file is chosen."""
        with self._units.read(any_of=(P.CLINICAL_WRITE, P.VITALS_WRITE)) as uow:
            return attachment_limit_bytes(uow.session)

    def add(self, patient_id: int, item: AttachmentInput) -> AttachmentRecord:
        with self._units.write(any_of=(P.CLINICAL_WRITE, P.VITALS_WRITE)) as uow:
            _patient(uow, patient_id)
            if item.visit_id is not None:
                visit = uow.session.get(Visit, item.visit_id)
                if visit is None or visit.patient_id != patient_id:
                    raise NotFound("That visit is not one of this patient's.")
                if uow.actor.can(P.CLINICAL_WRITE):
                    _require_own(uow, visit.doctor_id)
            title = check_text("title", item.title, 200, required="Give the document a title, e.g. Blood count.")
            if item.kind not in KINDS:
                raise ValidationError({"kind": "Choose what the document is: " + ", ".join(KINDS.values()) + "."})
            name, content_type = check_file(item.file_name, item.data, attachment_limit_bytes(uow.session))
            row = Attachment(patient_id=patient_id, visit_id=item.visit_id, title=title, kind=item.kind,
                             file_name=name, content_type=content_type, size_bytes=len(item.data),
                             sha256=hashlib.sha256(item.data).hexdigest(), added_at=utcnow(),
                             added_by_id=uow.actor.id, added_by_name=uow.actor.full_name)
            uow.session.add(row)
            uow.session.flush()
            uow.session.add(AttachmentBlob(attachment_id=row.id, content=item.data))
            where = f" to visit {item.visit_id}" if item.visit_id is not None else ""
            uow.audit("clinical.document_added", entity_type="patient", entity_id=patient_id,
                      summary=f"Document {row.id} added{where} ({content_type}, {len(item.data)} bytes)")
            uow.announce("records", "changed", entity_id=patient_id)
            return _record(row)

    def for_patient(self, patient_id: int, *, limit: int = 200, include_removed: bool = False) -> list[AttachmentRecord]:
        """The patient's attachments (on visits and on the patient), newest first, at most ``limit``
        (capped at 2,000); descriptions only. Audited as an opening."""
        with self._units.read(P.CLINICAL_READ) as uow:
            _patient(uow, patient_id)
            query = select(*_COLUMNS).where(Attachment.patient_id == patient_id)
            if not include_removed:
                query = query.where(Attachment.removed_at.is_(None))
            rows = uow.session.execute(query.order_by(Attachment.added_at.desc(), Attachment.id.desc())
                                       .limit(max(1, min(limit, MOST_LISTED)))).all()
            _audit_read(uow, patient_id, "Listed the documents")
            return [AttachmentRecord(*r) for r in rows]

    def for_visit(self, visit_id: int, *, include_removed: bool = False) -> list[AttachmentRecord]:
        """One visit's attachments, oldest first; descriptions only. Audited as an opening."""
        with self._units.read(P.CLINICAL_READ) as uow:
            visit = uow.session.get(Visit, visit_id)
            if visit is None:
                raise NotFound("That visit does not exist.")
            query = select(*_COLUMNS).where(Attachment.visit_id == visit_id)
            if not include_removed:
                query = query.where(Attachment.removed_at.is_(None))
            rows = uow.session.execute(query.order_by(Attachment.id)).all()
            _audit_read(uow, visit.patient_id, f"Listed the documents of visit {visit_id}")
            return [AttachmentRecord(*r) for r in rows]

    def open(self, attachment_id: int) -> AttachmentContent:
        """The file's bytes, checked against the SHA-256 kept when it was added (DamagedFile if they
        differ). Audited as an opening, also when the file turns out damaged."""
        with self._units.read(P.CLINICAL_READ) as uow:
            row = uow.session.get(Attachment, attachment_id)
            if row is None:
                raise NotFound("That document does not exist.")
            record = _record(row)
            data = uow.session.scalar(select(AttachmentBlob.content)
                                      .where(AttachmentBlob.attachment_id == attachment_id))
            _audit_read(uow, row.patient_id, f"Opened document {attachment_id}")
        data = bytes(data) if data is not None else b""  # PostgreSQL's bytea arrives as a memoryview
        if len(data) != record.size_bytes or hashlib.sha256(data).hexdigest() != record.sha256:
            raise DamagedFile(
                f"The stored copy of {record.file_name} is damaged: its contents no longer match the "
                "checksum taken when it was added, so it is not shown. Restore it from a backup, or ask "
                "for the document again.")
        return AttachmentContent(record, data)

    def remove(self, attachment_id: int, reason: str) -> AttachmentRecord:
        """Take an attachment off the record (it stays in the database, marked removed, with who,
        when and why). By the person who added it, or an administrator."""
        with self._units.write(any_of=(P.CLINICAL_WRITE, P.VITALS_WRITE, P.DOCUMENTS_REMOVE_ANY)) as uow:
            row = uow.session.get(Attachment, attachment_id)
            if row is None:
                raise NotFound("That document does not exist.")
            if row.added_by_id != uow.actor.id and not uow.actor.can(P.DOCUMENTS_REMOVE_ANY):
                raise PermissionDenied(f"Only {row.added_by_name or 'the person who added it'} or an "
                                       "administrator can remove this document.")
            if row.removed_at is not None:
                raise ConflictError("This document was already removed.", current=_record(row))
            why = check_text("reason", reason, 300, required="Say why the document is removed.")
            if not why.strip():
                raise ValidationError({"reason": "Say why the document is removed."})
            row.removed_at = utcnow()
            row.removed_by_id = uow.actor.id
            row.removal_reason = why
            uow.session.flush()
            _removed(uow, row)
            return _record(row)


def _removed(uow: UnitOfWork, row: Attachment) -> None:
    uow.audit("clinical.document_removed", entity_type="patient", entity_id=row.patient_id,
              summary=f"Document {row.id} removed")
    uow.announce("records", "changed", entity_id=row.patient_id)
