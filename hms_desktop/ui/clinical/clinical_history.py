"""The patient's clinical history inside the patient record (for users who may read it): the
photo and the allergies on top, a timeline of visits newest first (each opening to its vitals,
diagnoses, prescription, documents, notes and addenda) with the documents filed on the patient
between them by date, filterable by kind and doctor, and the weight and blood-pressure trend.
Loaded on the worker when the record opens (the newest 50 visits and 200 document descriptions,
never a document's bytes); the service audits the opening."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...services.clinical import AllergyRecord, AttachmentRecord, VisitRecord
from ...services.patient_photos import PhotoRecord
from ..common.worker import TaskRunner
from ..patients.patient_photo import PhotoLabel
from ..patients.primary_doctor_box import primary_doctor_line
from .documents_panel import document_line
from .prescription_form import medicine_line
from .visit_pages import diagnosis_line, vitals_line
from .vitals_chart import VitalsChart, trend_of

KINDS = (("Everything", ""), ("Diagnoses", "diagnosis"), ("Prescriptions", "medicine"), ("Vitals", "vitals"),
         ("Documents", "document"), ("Notes and addenda", "notes"))
KIND_ROLE = Qt.ItemDataRole.UserRole + 1


PAGE = 50  # visits loaded at first; "Show older visits" asks for as many again
MOST = 500  # the service's cap
DOCUMENTS_PER_PAGE = 4  # document descriptions loaded per visit asked for (200 with the first 50 visits)


@dataclass(frozen=True)
class ClinicalHistory:
    visits: list[VisitRecord]  # newest first
    allergies: list[AllergyRecord]
    zone: tzinfo
    limit: int = PAGE  # how many were asked for: as many came back means there may be more
    documents: list[AttachmentRecord] = field(default_factory=list)  # newest first, descriptions only
    photo: PhotoRecord | None = None
    primary_doctor: Any = None  # services.patients.PrimaryDoctor, or None when nobody is set


def load_clinical_history(services: Any, patient_id: int, limit: int = PAGE) -> ClinicalHistory:
    """Worker thread: the newest ``limit`` visits, the allergy list, the newest document descriptions,
    the photo and the clinic's zone."""
    return ClinicalHistory(services.clinical.patient_timeline(patient_id, limit=limit),
                           services.clinical.allergies(patient_id), services.scheduling.time_zone(), limit,
                           services.attachments.for_patient(patient_id, limit=limit * DOCUMENTS_PER_PAGE),
                           services.patient_photos.get(patient_id), services.patients.primary_doctor(patient_id))


VISIT_ROLE = Qt.ItemDataRole.UserRole + 2


class ClinicalHistoryPanel(QWidget):
    loaded = Signal()
    open_requested = Signal(int)  # a visit id: Enter or a double click on a visit, or "Open visit record"

    def __init__(self, runner: TaskRunner, load: Callable[..., ClinicalHistory], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._load = load
        self.history: ClinicalHistory | None = None
        self.allergies = QLabel("Loading…", objectName="bannerWarning")
        self.allergies.setTextFormat(Qt.TextFormat.PlainText)
        self.allergies.setWordWrap(True)
        self.photo = PhotoLabel(64)
        self.photo.hide()  # until there is one
        self.primary_doctor = QLabel(objectName="historyPrimaryDoctor")
        self.primary_doctor.setTextFormat(Qt.TextFormat.PlainText)
        self.kind = QComboBox(objectName="timelineKind")
        for label, value in KINDS:
            self.kind.addItem(label, value)
        self.doctor = QComboBox(objectName="timelineDoctor")
        self.doctor.addItem("Every doctor", "")
        self.timeline = QTreeWidget(objectName="clinicalTimeline")
        self.timeline.setHeaderHidden(True)
        self.timeline.setWordWrap(True)
        self.timeline.setAlternatingRowColors(True)
        self.chart = VitalsChart()
        self.state = QLabel(objectName="subtle")
        self.open_button = QPushButton("Open visit &record…", objectName="openVisitFromHistory")
        self.open_button.setToolTip("The whole visit: its doctor can add to a draft, or an addendum once signed")
        self.open_button.hide()  # until offered: users who may open visit records
        self.more_button = QPushButton("Show older visits", objectName="olderVisits")
        self.more_button.hide()
        self._patient_id: int | None = None
        filters = QHBoxLayout()
        filters.addWidget(QLabel("S&how", buddy=self.kind))
        filters.addWidget(self.kind)
        filters.addWidget(QLabel("Doct&or", buddy=self.doctor))
        filters.addWidget(self.doctor)
        filters.addStretch(1)
        filters.addWidget(self.open_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.timeline)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([320, 200])
        self.timeline.setMinimumHeight(190)  # the visits first; the chart is the smaller part
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.allergies, 1)
        layout.addLayout(top)
        layout.addWidget(self.primary_doctor)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.state, 1)
        bottom.addWidget(self.more_button)
        layout.addLayout(bottom)
        self.timeline.itemActivated.connect(lambda item, _column: self._open(item))
        self.open_button.clicked.connect(lambda: self._open(self.timeline.currentItem()))
        self.more_button.clicked.connect(self._older)
        self.kind.currentIndexChanged.connect(lambda _i: self._filter())
        self.doctor.currentIndexChanged.connect(lambda _i: self._filter())

    def offer_opening(self, open_visit: Callable[[int], object] | None) -> None:
        if open_visit is not None:
            self.open_requested.connect(open_visit)
        self.open_button.setVisible(open_visit is not None)

    def _open(self, item: QTreeWidgetItem | None) -> None:
        while item is not None and item.parent() is not None:
            item = item.parent()  # a line of a visit opens its visit
        visit_id = item.data(0, VISIT_ROLE) if item is not None else None
        if visit_id is not None and self.open_button.isVisible():
            self.open_requested.emit(visit_id)

    def load(self, patient_id: int, limit: int = PAGE) -> None:
        self._patient_id = patient_id
        self.state.setText("Loading…")
        self.more_button.setEnabled(False)
        self._runner.submit(self._load, patient_id, limit, on_done=self._show, on_error=self._failed, context=self)

    def _older(self) -> None:
        if self._patient_id is not None and self.history is not None:
            self.load(self._patient_id, min(MOST, self.history.limit + PAGE))

    def _local(self, when: datetime) -> str:
        assert self.history is not None
        return f"{when.astimezone(self.history.zone):%d %b %Y %H:%M}"

    def show_photo(self, photo: PhotoRecord | None) -> None:
        self.photo.show_photo(photo)
        self.photo.setVisible(photo is not None)

    def _show(self, history: ClinicalHistory) -> None:
        self.history = history
        self.show_photo(history.photo)
        words = [a.substance + (f" ({a.severity})" if a.severity else "") + (f": {a.reaction}" if a.reaction else "")
                 for a in history.allergies]
        self.allergies.setText("Allergies: " + "; ".join(words) if words else "No allergies on the allergy list.")
        self.primary_doctor.setText(primary_doctor_line(history.primary_doctor))
        self.doctor.blockSignals(True)
        self.doctor.clear()
        self.doctor.addItem("Every doctor", "")
        for name in sorted({v.doctor_name for v in history.visits}):
            self.doctor.addItem(name, name)
        self.doctor.blockSignals(False)
        self.timeline.clear()
        on_visits: dict[int, list[AttachmentRecord]] = {}
        on_patient: list[AttachmentRecord] = []
        shown = {v.id for v in history.visits}
        for document in history.documents:
            if document.visit_id in shown:
                on_visits.setdefault(document.visit_id, []).append(document)
            else:  # on the patient (or on a visit older than those loaded): by its own date
                on_patient.append(document)
        # Newest first: the visits and the patient's documents, merged by date.
        entries: list[tuple[datetime, QTreeWidgetItem]] = [
            (v.started_at, self._visit_item(v, on_visits.get(v.id, []))) for v in history.visits]
        entries += [(d.added_at, self._document_item(d)) for d in on_patient]
        entries.sort(key=lambda pair: pair[0], reverse=True)
        for _when, entry in entries:
            self.timeline.addTopLevelItem(entry)
        if not entries:
            placeholder = QTreeWidgetItem(["No visits recorded."])
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.timeline.addTopLevelItem(placeholder)
        self.timeline.expandToDepth(0)
        self.chart.show_trend(trend_of(history.visits))
        count = len(history.visits)
        maybe_more = count >= history.limit
        self.more_button.setVisible(maybe_more and history.limit < MOST)
        self.more_button.setEnabled(True)
        documents = len(history.documents)
        self.state.setText((f"The newest {count} visits" if maybe_more
                            else f"{count} visit{'s' if count != 1 else ''}, newest first")
                           + (f" · {documents} document{'s' if documents != 1 else ''}" if documents else ""))
        self._filter()
        self.loaded.emit()

    def _document_item(self, document: AttachmentRecord) -> QTreeWidgetItem:
        text = f"{self._local(document.added_at)} · {document_line(document)} · added by {document.added_by}"
        item = QTreeWidgetItem([text])
        item.setData(0, KIND_ROLE, "document")
        item.setToolTip(0, text + " (see it on the Documents tab)")
        return item

    def _visit_item(self, visit: VisitRecord, documents: list[AttachmentRecord] | None = None) -> QTreeWidgetItem:
        status = "signed" if visit.signed else "draft"
        head = f"{self._local(visit.started_at)} · {visit.doctor_name} · {status}"
        item = QTreeWidgetItem([head + (f" · {visit.complaint.splitlines()[0]}" if visit.complaint.strip() else "")])
        item.setData(0, Qt.ItemDataRole.UserRole, visit.doctor_name)
        item.setData(0, VISIT_ROLE, visit.id)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        lines: list[tuple[str, str]] = []
        zone = self.history.zone if self.history is not None else None
        lines += [("vitals", "Vitals: " + vitals_line(v, f"{v.taken_at.astimezone(zone):%H:%M}")) for v in visit.vitals]
        lines += [("diagnosis", "Diagnosis: " + diagnosis_line(d.icd10_code, d.text, d.icd10_description))
                  for d in visit.diagnoses]
        lines += [("medicine", "Medicine: " + medicine_line(p)) for p in visit.prescriptions]
        lines += [("document", "Document: " + document_line(d)) for d in reversed(documents or [])]
        for label, text in (("Examination", visit.examination), ("Orders and advice", visit.advice)):
            if text.strip():
                lines.append(("notes", f"{label}: {text.strip()}"))
        if visit.follow_up_on is not None:
            lines.append(("notes", f"Follow-up: {visit.follow_up_on:%d %b %Y}"))
        lines += [("notes", f"Addendum {self._local(a.at)} by {a.author}: {a.text}") for a in visit.addenda]
        for kind, text in lines:
            child = QTreeWidgetItem([text])
            child.setData(0, KIND_ROLE, kind)
            child.setToolTip(0, text)
            item.addChild(child)
        return item

    def _filter(self) -> None:
        kind, doctor = self.kind.currentData(), self.doctor.currentData()
        for n in range(self.timeline.topLevelItemCount()):
            item = self.timeline.topLevelItem(n)
            if item.data(0, KIND_ROLE) == "document":  # a document on the patient, not on a visit
                item.setHidden(bool(doctor) or (bool(kind) and kind != "document"))
                continue
            shown = 0
            for c in range(item.childCount()):
                child = item.child(c)
                hide = bool(kind) and child.data(0, KIND_ROLE) != kind
                child.setHidden(hide)
                shown += not hide
            by_doctor = not doctor or item.data(0, Qt.ItemDataRole.UserRole) == doctor
            item.setHidden(not by_doctor or (bool(kind) and not shown))

    def _failed(self, exc: Exception) -> None:
        self.allergies.setText("")
        self.state.setText(getattr(exc, "message", None) or "Could not load the clinical history.")

    def texts(self) -> list[str]:
        """Every line the timeline holds, visits and their lines (for tests and screen readers)."""
        out = []
        for n in range(self.timeline.topLevelItemCount()):
            item = self.timeline.topLevelItem(n)
            out.append(item.text(0))
            out += [item.child(c).text(0) for c in range(item.childCount())]
        return out
