"""The patient's photo: demographic, like the name, so whoever may see the patient sees it
(PATIENT_VIEW, receptionists too) and whoever may edit the patient sets or removes it (PATIENT_EDIT).

The screen scales a chosen picture down to at most ``MOST_PIXELS`` a side before it sends it (Qt
does the imaging; the services only check): the service refuses anything that is not a PNG or JPEG
of at most that size and ``MOST_BYTES``, told from the bytes and the image's own header. Kept in
``patient_photos`` with its SHA-256, checked when read back. Setting and removing are audited on
the patient; looking is not (a receptionist looks at every patient they greet).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..models import Patient, PatientPhoto, utcnow
from .errors import NotFound, ValidationError
from .file_types import JPEG, PNG, detect, image_size, size_words
from .permissions import Permission
from .unit_of_work import UnitsOfWork

MOST_PIXELS = 512
MOST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PhotoRecord:
    patient_id: int
    content_type: str
    data: bytes
    width: int
    height: int
    updated_at: datetime


class PatientPhotos:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def get(self, patient_id: int) -> PhotoRecord | None:
        """The photo, or None when there is none (or its stored bytes no longer match their hash:
        a damaged photo is not shown rather than shown wrong)."""
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            row = uow.session.scalar(select(PatientPhoto).where(PatientPhoto.patient_id == patient_id))
            if row is None:
                return None
            data = bytes(row.content)
            if hashlib.sha256(data).hexdigest() != row.sha256:
                return None
            return PhotoRecord(row.patient_id, row.content_type, data, row.width, row.height, row.updated_at)

    def set(self, patient_id: int, data: bytes) -> PhotoRecord:
        """Keep ``data`` (a PNG or JPEG of at most 512 px a side) as the patient's photo, replacing
        any earlier one (audited as replaced)."""
        with self._units.write(Permission.PATIENT_EDIT) as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("That patient record does not exist.")
            content_type = detect(data)
            if content_type not in (PNG, JPEG):
                raise ValidationError({"photo": "A photo must be a PNG or JPEG picture."})
            if len(data) > MOST_BYTES:
                raise ValidationError({"photo": f"The photo is {size_words(len(data))}; at most "
                                                f"{size_words(MOST_BYTES)} is kept. Choose a smaller picture."})
            size = image_size(data)
            if size is None:
                raise ValidationError({"photo": "The picture cannot be read; it may be damaged."})
            width, height = size
            if max(width, height) > MOST_PIXELS:
                raise ValidationError({"photo": f"The photo is {width} x {height} pixels; at most "
                                                f"{MOST_PIXELS} pixels a side is kept."})
            row = uow.session.get(PatientPhoto, patient_id)
            replaced = row is not None
            if row is None:
                row = PatientPhoto(patient_id=patient_id)
                uow.session.add(row)
            row.content, row.content_type, row.width, row.height = data, content_type, width, height
            row.sha256 = hashlib.sha256(data).hexdigest()
            row.updated_at = utcnow()
            row.updated_by_id = uow.actor.id
            uow.session.flush()
            uow.audit("patient.photo_replaced" if replaced else "patient.photo_added", entity_type="patient",
                      entity_id=patient_id, summary=f"Photo {'replaced' if replaced else 'added'} "
                                                    f"({width} x {height}, {len(data)} bytes)")
            uow.announce("patients", "changed", entity_id=patient_id)
            return PhotoRecord(patient_id, content_type, data, width, height, row.updated_at)

    def remove(self, patient_id: int) -> None:
        with self._units.write(Permission.PATIENT_EDIT) as uow:
            row = uow.session.get(PatientPhoto, patient_id)
            if row is None:
                raise NotFound("This patient has no photo.")
            uow.session.delete(row)
            uow.audit("patient.photo_removed", entity_type="patient", entity_id=patient_id, summary="Photo removed")
            uow.announce("patients", "changed", entity_id=patient_id)
