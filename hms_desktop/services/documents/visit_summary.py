"""The visit summary (A4): the prescription's header (clinic, doctor, patient), whether and by whom
the visit was signed, the complaint and examination, the vitals, the diagnoses, the medicines (the
prescription's own table), advice and follow-up, and the addenda with author and time."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from .model import VisitSummaryDocument
from .prescription import document_heading, medicines_table, patient_rows
from .typesetting import build_pdf, key_values, para

SIZE = 9.5


def _section(title: str, body: list[Flowable]) -> list[Flowable]:
    return [Spacer(1, 3 * mm), para(title, SIZE * 1.15, bold=True), Spacer(1, 1 * mm), *body]


def render_visit_summary(doc: VisitSummaryDocument) -> bytes:
    rx = doc.header
    margin = 15 * mm
    width = A4[0] - 2 * margin
    rows = patient_rows(rx) + [("Visit", f"{rx.issued_on:%d %B %Y}"), ("Record", doc.status),
                               ("Allergies", ", ".join(rx.allergies) or "None recorded")]
    story: list[Flowable] = document_heading(rx, "Visit summary", rows, width, SIZE, 0.18)
    if doc.complaint.strip():
        story += _section("Presenting complaint", [para(doc.complaint, SIZE)])
    if doc.examination.strip():
        story += _section("Examination", [para(doc.examination, SIZE)])
    if doc.vitals:
        story += _section("Vitals", [key_values(list(doc.vitals), width, SIZE, label_share=0.18)])
    story += _section("Diagnoses", [para("; ".join(rx.diagnoses) or "None recorded.", SIZE)])
    story += _section("Medicines", [medicines_table(rx.medicines, width, SIZE) if rx.medicines
                                    else para("No medicines prescribed.", SIZE, muted=True)])
    if rx.advice.strip():
        story += _section("Orders and advice", [para(rx.advice, SIZE)])
    if rx.follow_up_on:
        story += [Spacer(1, 2 * mm), para(f"Follow-up on {rx.follow_up_on:%A %d %B %Y}", SIZE, bold=True)]
    if doc.addenda:
        story += _section("Addenda", [key_values(list(doc.addenda), width, SIZE, label_share=0.3)])
    return build_pdf(story, pagesize=A4, margins=(margin, margin, margin, margin),
                     title=f"Visit summary {rx.reference}", author=rx.clinic.name)
