"""The prescription (A5): clinic header, the doctor with qualifications and registration number,
the patient with age and sex, the date, each medicine with how to take it, and a signature line."""

from __future__ import annotations

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from .model import Medicine, Prescription
from .typesetting import INK, build_pdf, header_table, key_values, para

SIZE = 8.8


def _how(m: Medicine) -> str:
    """"1 tablet, twice a day, oral, for 5 days (qty 10)"."""
    parts = [p for p in (m.dose, m.frequency, m.route) if p]
    text = ", ".join(parts)
    if m.duration:
        text += f"{', ' if text else ''}for {m.duration}"
    if m.quantity:
        text += f" (qty {m.quantity})"
    return text


def medicines_table(items: tuple[Medicine, ...], width: float, size: float = SIZE) -> Table:
    """The numbered medicines with how to take each (also the visit summary's)."""
    rows = [[para("#", size, bold=True), para("Medicine", size, bold=True), para("How to take it", size, bold=True)]]
    for n, m in enumerate(items, start=1):
        name = " ".join(p for p in (m.name, m.strength, m.form) if p)
        how = _how(m)
        cell = [para(how or "-", size)]
        if m.instructions:
            cell.append(para(m.instructions, size * 0.95, muted=True))
        rows.append([para(str(n), size), para(name, size, bold=True), cell])
    table = Table(rows, colWidths=[width * 0.06, width * 0.40, width * 0.54], repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return table


def document_heading(rx: Prescription, title_text: str, rows: list[tuple[str, str]], width: float, size: float,
                     label_share: float) -> list[Flowable]:
    """The clinic with the document's title, number and date; the doctor with qualifications and
    registration number; then ``rows`` about the patient (the prescription's and the visit summary's)."""
    title = [para(title_text, size * 1.5, bold=True, align="right"),
             para(rx.reference, size, align="right", muted=True),
             para(f"{rx.issued_on:%d %b %Y}", size, align="right")]
    doctor = [rx.doctor_name, rx.doctor_qualifications,
              f"Reg. no. {rx.doctor_registration}" if rx.doctor_registration else ""]
    return [header_table(rx.clinic, title, width, size), Spacer(1, 3 * mm),
            para(" · ".join(d for d in doctor if d), size, bold=True), Spacer(1, 2 * mm),
            key_values(rows, width, size, label_share=label_share)]


def patient_rows(rx: Prescription) -> list[tuple[str, str]]:
    return [("Patient", rx.patient_name), ("MRN", rx.patient_mrn),
            ("Age / sex", " / ".join(p for p in (rx.patient_age, rx.patient_sex) if p))]


def render_prescription(rx: Prescription) -> bytes:
    """The prescription as PDF bytes (A5, more pages if the medicines need them)."""
    margin = 10 * mm
    width = A5[0] - 2 * margin
    rows = patient_rows(rx) + [("Date", f"{rx.issued_on:%d %B %Y}"), ("Diagnosis", "; ".join(rx.diagnoses)),
                               ("Allergies", ", ".join(rx.allergies))]
    story: list[Flowable] = [
        *document_heading(rx, "Prescription", rows, width, SIZE, 0.22),
        Spacer(1, 3 * mm),
        para("Rx", SIZE * 1.6, bold=True),
        medicines_table(rx.medicines, width) if rx.medicines else para("No medicines prescribed.", SIZE, muted=True),
    ]
    if rx.advice:
        story += [Spacer(1, 3 * mm), para("Advice", SIZE, bold=True), para(rx.advice, SIZE)]
    if rx.follow_up_on:
        story += [Spacer(1, 2 * mm), para(f"Follow-up on {rx.follow_up_on:%A %d %B %Y}", SIZE, bold=True)]
    signature = Table([[para("", SIZE), para("Signature", SIZE, align="center", muted=True)],
                       [para("", SIZE), para(rx.doctor_name, SIZE, align="center")]],
                      colWidths=[width * 0.55, width * 0.45])
    signature.setStyle(TableStyle([("LINEABOVE", (1, 0), (1, 0), 0.6, INK), ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    story += [Spacer(1, 16 * mm), KeepTogether([signature])]
    return build_pdf(story, pagesize=A5, margins=(margin, margin, margin, margin),
                     title=f"Prescription {rx.reference}", author=rx.clinic.name)
