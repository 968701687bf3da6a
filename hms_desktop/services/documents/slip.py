"""The appointment slip (A6), drawn line by line on the canvas: the same content and layout as
services/slips.py prints today, with the bundled fonts and shaping for every script."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from .fonts import SANS, register_fonts
from .model import AppointmentSlip
from .typesetting import para

LABEL_SIZE = 7.5
LABEL_COLUMN = 22 * mm


def render_appointment_slip(slip: AppointmentSlip) -> bytes:
    """The slip as PDF bytes: clinic, patient and MRN, doctor, room, date, time, token."""
    register_fonts()
    buffer = io.BytesIO()
    width, height = A6
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    pdf.setTitle(f"Appointment slip {slip.appointment_id}")
    pdf.setAuthor(slip.clinic_name)
    margin = 8 * mm
    y = height - margin - 4 * mm

    def draw(paragraph: Paragraph, x: float, top: float, available: float) -> float:
        """Draw a paragraph whose first baseline sits at ``top``; returns its height."""
        _w, h = paragraph.wrap(available, height)
        # A paragraph's first baseline is one font size below its top (rl_config.paraFontSizeHeightOffset).
        paragraph.drawOn(pdf, x, top - h + paragraph.style.fontSize)
        return h

    def line(label: str, value: str, size: float = 9.5) -> None:
        nonlocal y
        if size > 12:
            y -= size - 10  # room above a large value (the token), so it clears the line before
        pdf.setFont(SANS, LABEL_SIZE)
        pdf.drawString(margin, y, label)
        value_height = draw(para(value or " ", size), margin + LABEL_COLUMN, y, width - 2 * margin - LABEL_COLUMN)
        leading = round(size * 1.25, 2)
        y -= max(value_height - leading, 0) + size + 6

    y -= draw(para(slip.clinic_name, 13), margin, y, width - 2 * margin)
    pdf.setFont(SANS, 9)
    pdf.drawString(margin, y, "Appointment slip")
    y -= 6
    pdf.line(margin, y, width - margin, y)
    y -= 14
    line("Patient", slip.patient_name, 11)
    line("MRN", slip.patient_mrn)
    line("Doctor", slip.doctor_name + (f" ({slip.specialties})" if slip.specialties else ""))
    line("Room", slip.location or "-")
    line("Date", f"{slip.starts_at:%A %d %B %Y}")
    line("Time", f"{slip.starts_at:%H:%M} - {slip.ends_at:%H:%M} ({slip.starts_at.tzname()})")
    line("Type", slip.kind_label)
    if slip.token is not None:
        line("Token", str(slip.token), 20)
    line("Status", slip.status_label)
    if slip.reason:
        line("Reason", slip.reason)
    pdf.setFont(SANS, 7)
    note = "" if slip.walk_in else " - please arrive 10 minutes early"
    pdf.drawString(margin, margin, f"Ref. {slip.appointment_id}{note}.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
