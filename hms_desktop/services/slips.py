"""Printable appointment slips (PDF, made with ReportLab).

DejaVu Sans is registered when installed (Debian/Ubuntu: fonts-dejavu-core), so Greek, Cyrillic,
accented and many other names print; without it ReportLab's built-in Helvetica covers Latin-1 only.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from ..models import AppointmentKind, AppointmentStatus
from .doctors import specialties_of
from .permissions import Permission
from .scheduling import AppointmentRecord, SchedulingService
from .settings import SettingsService
from .unit_of_work import UnitsOfWork

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),  # Fedora
    Path("C:/Windows/Fonts/DejaVuSans.ttf"),
)
CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian fonts-wqy-microhei
    Path("C:/Windows/Fonts/msyh.ttc"),
)
_font_lock = threading.Lock()
_font_name: str | None = None
_cjk_font_name: str | None = None


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF  # Han
        or 0xAC00 <= code <= 0xD7AF  # Hangul
        or 0x20000 <= code <= 0x2FA1F
    )


def font_for(text: str, default: str) -> str:
    """DejaVu Sans covers Latin, Greek, Cyrillic, Arabic and more, but not Chinese, Japanese or
    Korean: a value with such letters is printed in a CJK font when one is installed."""
    global _cjk_font_name
    if not any(_is_cjk(ch) for ch in text):
        return default
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if _cjk_font_name is None:
            _cjk_font_name = default
            for path in CJK_FONT_CANDIDATES:
                if path.is_file():
                    pdfmetrics.registerFont(TTFont("HmsCJK", str(path), subfontIndex=0))
                    _cjk_font_name = "HmsCJK"
                    break
        return _cjk_font_name


def slip_font() -> str:
    """The name of the font slips are printed in: DejaVu Sans when present, else Helvetica."""
    global _font_name
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if _font_name is None:
            _font_name = "Helvetica"
            for path in FONT_CANDIDATES:
                if path.is_file():
                    pdfmetrics.registerFont(TTFont("DejaVuSans", str(path)))
                    _font_name = "DejaVuSans"
                    break
        return _font_name


def render_slip(appt: AppointmentRecord, *, clinic_name: str, specialties: str = "") -> bytes:
    """The slip as PDF bytes: clinic, patient and MRN, doctor, room, date, time, token."""
    # ReportLab is imported when a slip is printed, not when the app starts.
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = slip_font()
    buffer = io.BytesIO()
    width, height = A6
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    pdf.setTitle(f"Appointment slip {appt.id}")
    pdf.setAuthor(clinic_name)
    margin = 8 * mm
    y = height - margin - 4 * mm

    def line(label: str, value: str, size: float = 9.5) -> None:
        nonlocal y
        if size > 12:
            y -= size - 10  # room above a large value (the token), so it clears the line before
        pdf.setFont(font, 7.5)
        pdf.drawString(margin, y, label)
        value_font = font_for(value, font)
        pdf.setFont(value_font, size)
        for i, chunk in enumerate(_wrap(value, value_font, size, width - 2 * margin - 22 * mm) or [""]):
            pdf.drawString(margin + 22 * mm, y - i * (size + 2), chunk)
            if i:
                y -= size + 2
        y -= size + 6

    pdf.setFont(font, 13)
    for chunk in _wrap(clinic_name, font, 13, width - 2 * margin):
        pdf.drawString(margin, y, chunk)
        y -= 16
    pdf.setFont(font, 9)
    pdf.drawString(margin, y, "Appointment slip")
    y -= 6
    pdf.line(margin, y, width - margin, y)
    y -= 14
    line("Patient", appt.patient_name, 11)
    line("MRN", appt.patient_mrn)
    doctor = appt.doctor_name + (f" ({specialties})" if specialties else "")
    line("Doctor", doctor)
    line("Room", appt.location or "-")
    line("Date", f"{appt.local_start:%A %d %B %Y}")
    line("Time", f"{appt.local_start:%H:%M} - {appt.local_end:%H:%M} ({appt.local_start.tzname()})")
    line("Type", AppointmentKind(appt.kind).label)
    if appt.token is not None:
        line("Token", str(appt.token), 20)
    line("Status", AppointmentStatus(appt.status).label)
    if appt.reason:
        line("Reason", appt.reason)
    pdf.setFont(font, 7)
    pdf.drawString(margin, margin, f"Ref. {appt.id} - please arrive 10 minutes early.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase import pdfmetrics

    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and pdfmetrics.stringWidth(trial, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


class SlipService:
    def __init__(self, units: UnitsOfWork, scheduling: SchedulingService, settings: SettingsService) -> None:
        self._units = units
        self._scheduling = scheduling
        self._settings = settings

    def appointment_slip(self, appointment_id: int) -> bytes:
        self._units.authorise(Permission.SCHEDULE_VIEW)
        appt = self._scheduling.get(appointment_id)
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            specialties = ", ".join(s.name for s in specialties_of(uow.session, [appt.doctor_id])[appt.doctor_id])
        return render_slip(appt, clinic_name=self._settings.get().clinic_name, specialties=specialties)

    def write_appointment_slip(self, appointment_id: int, path: str | Path) -> Path:
        target = Path(path)
        data = self.appointment_slip(appointment_id)
        target.write_bytes(data)
        return target
