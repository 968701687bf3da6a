"""Printed once, archived, reprinted as COPY: the one way a document the clinic hands out is printed.

The first print renders the document, keeps its bytes and SHA-256 in ``archived_documents`` and
audits it; every later print of the same (kind, number) is those archived bytes stamped COPY (with
when and by whom), never a fresh render, and is audited as a reprint. Used by billing (invoices,
receipts) and clinical records (prescriptions), inside the caller's unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..models import ArchivedDocument, StaffAccount
from . import documents as docs
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PrintedDocument:
    kind: str
    number: str
    pdf: bytes
    copy: bool  # a reprint, stamped COPY
    sha256: str  # of the archived original

    @property
    def suggested_name(self) -> str:
        return f"{self.number.replace('/', '-')}{'-copy' if self.copy else ''}.pdf"


def print_once(uow: UnitOfWork, kind: str, number: str, render: Callable[[], bytes], *, now: datetime,
               zone: ZoneInfo, words: str, entity_type: str = "document", entity_id: object = None) -> PrintedDocument:
    """The original at first print (``render()`` called, archived), a stamped COPY after that.
    ``words`` names the document in the audit summary ("invoice", "prescription"); the audit row is
    filed under ``entity_type``/``entity_id`` (the document number by default)."""
    s = uow.session
    target = number if entity_id is None else entity_id
    archived = s.scalar(select(ArchivedDocument).where(ArchivedDocument.kind == kind,
                                                      ArchivedDocument.number == number).with_for_update())
    if archived is None:
        pdf = render()
        digest = hashlib.sha256(pdf).hexdigest()
        s.add(ArchivedDocument(kind=kind, number=number, sha256=digest, content=pdf, first_printed_at=now,
                               printed_by_id=uow.actor.id))
        uow.audit("document.printed", entity_type=entity_type, entity_id=target,
                  summary=f"Printed {words} {number} (original)", changes={"sha256": [None, digest]})
        return PrintedDocument(kind, number, pdf, False, digest)
    archived.reprints += 1
    when = now.astimezone(zone).strftime("%d %b %Y %H:%M")
    by = (s.scalar(select(StaffAccount.full_name).where(StaffAccount.id == uow.actor.id))
          if uow.actor.id is not None else None) or uow.actor.full_name
    pdf = docs.stamp_copy(archived.content, f"{when} by {by}")
    uow.audit("document.reprinted", entity_type=entity_type, entity_id=target,
              summary=f"Reprinted {words} {number} (copy {archived.reprints})",
              changes={"reprints": [archived.reprints - 1, archived.reprints]})
    return PrintedDocument(kind, number, pdf, True, archived.sha256)
