"""The Patients table: rows arrive a page at a time from the service, through the tab.

The paging (``more_wanted(after)``, generations so the newest search always wins) is the shared one
of ui/common/paged_table_model.py; the tab runs the search on the worker and hands the page back
with ``append_page``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...services.patients import PatientPage, PatientSort, PatientSummary
from ..common.paged_table_model import PagedTableModel

MRN, NAME, SEX, DATE_OF_BIRTH, AGE, PHONE = range(6)
HEADERS = {MRN: "MRN", NAME: "Name", SEX: "Sex", DATE_OF_BIRTH: "Date of birth", AGE: "Age", PHONE: "Phone"}
#: Which service sort order each column header asks for; columns not listed cannot be sorted.
SORT_FOR_COLUMN = {
    MRN: PatientSort.MRN,
    NAME: PatientSort.NAME,
    DATE_OF_BIRTH: PatientSort.DATE_OF_BIRTH,
    AGE: PatientSort.DATE_OF_BIRTH,
}

#: Custom roles. PatientIdRole: the patient's database id (int). PatientRole: the PatientSummary.
PatientIdRole = Qt.ItemDataRole.UserRole + 1
PatientRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


class PatientTableModel(PagedTableModel):
    """Pages continue after the ``after`` cursor of the search (``PatientPage.next_after``)."""

    headers = HEADERS
    stop_after_failure = False  # a failed page is asked for again later (e.g. the connection is back)

    def __init__(self, parent=None, today: date | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._rows: list[PatientSummary] = []
        self._today = today or date.today()
        self._archived_brush = QBrush(QColor("#8a8f98"))
        self._italic = QFont()
        self._italic.setItalic(True)

    # --- Qt model interface ------------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        patient = self.row_item(index)
        if patient is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(patient, column)
        if role == PatientIdRole:
            return patient.id
        if role == PatientRole:
            return patient
        if role == Qt.ItemDataRole.ForegroundRole and patient.archived:
            return self._archived_brush
        if role == Qt.ItemDataRole.FontRole and patient.archived:
            return self._italic
        if role == Qt.ItemDataRole.ToolTipRole:
            if patient.archived:
                return "Archived record"
            if column in (DATE_OF_BIRTH, AGE) and patient.dob_estimated:
                return "Estimated from the age given at registration"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (AGE,):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, p: PatientSummary, column: int) -> str | None:
        if column == MRN:
            return p.mrn
        if column == NAME:
            name = p.full_name
            return f"{name} (archived)" if p.archived else name
        if column == SEX:
            return p.sex.capitalize()
        if column == DATE_OF_BIRTH:
            text = p.date_of_birth.isoformat()
            return f"~{p.date_of_birth.year}" if p.dob_estimated else text
        if column == AGE:
            age = p.age_on(self._today)
            return f"~{age}" if p.dob_estimated else str(age)
        if column == PHONE:
            return p.phone
        return None

    # --- fed by the tab ----------------------------------------------------------------------

    def append_page(self, generation: int, page: PatientPage) -> bool:
        """Add a page; returns False (and changes nothing) if it belongs to an older search."""
        return self.add_page(generation, page.rows, page.next_after)

    def loaded_ids(self) -> set[int]:
        return {p.id for p in self._rows}

    def replace_patient(self, patient_id: int, summary: PatientSummary) -> None:
        for row, existing in enumerate(self._rows):
            if existing.id == patient_id:
                # Keep the paging key of the row it replaces: the next page continues from there.
                self._rows[row] = replace(summary, sort_key=existing.sort_key)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
                return

    def patient_at(self, row: int) -> PatientSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
