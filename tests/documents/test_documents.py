"""Every printed document, read back with pypdf: the figures, the names in five scripts, the lines,
the totals, page sizes and page breaks, and the COPY stamp on reprints."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4, A5, A6
from reportlab.lib.units import mm

from hms_desktop.paths import resources_dir
from hms_desktop.services.documents import (
    COPY_MARK,
    InvoiceFiguresMismatch,
    Paper,
    render_appointment_slip,
    render_invoice,
    render_receipt,
    render_shift_closure,
    stamp_copy,
)
from hms_desktop.services.documents.fonts import FACES
from hms_desktop.services.money import format_money
from tests.documents import samples
from tests.documents.pdf_text import embedded_fonts, page_sizes, pages_text, text

NAMES = samples.NAMES


def inr(minor: int) -> str:
    return format_money(minor, "INR", "en_IN")


def close_to(size: tuple[float, float], expected: tuple[float, float]) -> bool:
    return abs(size[0] - expected[0]) < 0.5 and abs(size[1] - expected[1]) < 0.5


# --- names in every script -------------------------------------------------------------------


@pytest.mark.parametrize("script", ["latin", "greek", "cyrillic", "arabic", "cjk"])
def test_names_in_any_script_print_and_read_back(script):
    name = NAMES[script]
    for pdf in (render_invoice(samples.invoice(patient=name)), render_receipt(samples.receipt(patient=name)),
                render_receipt(samples.receipt(patient=name), Paper.ROLL_80MM),
                render_appointment_slip(samples.slip(patient=name))):
        assert name in text(pdf)


def test_arabic_is_joined_and_right_to_left():
    pdf = render_receipt(samples.receipt(patient="محمد عبد الله"), Paper.A5)
    assert "NotoSansArabic-Regular" in embedded_fonts(pdf)
    # Drawn as joined forms in visual order; copied back out it reads as typed.
    assert "محمد عبد الله" in text(pdf)


def test_devanagari_is_shaped():
    pdf = render_invoice(samples.invoice(patient=NAMES["devanagari"]))
    assert "NotoSansDevanagari-Bold" in embedded_fonts(pdf)  # the patient name is bold
    page = text(pdf)
    # Conjuncts and the reph are glyphs of their own: a visible virama (्) would mean the letters
    # were drawn one by one. Those glyphs read back as private-use characters (see fonts.py), the
    # plain syllables as themselves.
    assert "\u094d" not in page
    assert "या" in page
    assert any(0xE000 <= ord(ch) <= 0xF8FF for ch in page)


def test_each_script_uses_its_bundled_font():
    name = " ".join(NAMES.values())
    fonts = embedded_fonts(render_invoice(samples.invoice(patient=name)))
    assert {"DejaVuSans", "DejaVuSans-Bold", "NotoSansArabic-Bold", "NotoSansDevanagari-Bold",
            "WenQuanYiMicroHei-0"} <= fonts


def test_the_fonts_and_their_licences_ship_with_the_app():
    folder = resources_dir() / "fonts"
    for face in FACES.values():
        assert (folder / face.regular_file).is_file() and (folder / face.bold_file).is_file()
    licences = {p.name for p in folder.glob("LICENSE-*")}
    assert {"LICENSE-DejaVu.txt", "LICENSE-Noto.txt", "LICENSE-WenQuanYi-MicroHei.txt"} <= licences
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total < 10 * 1024 * 1024


# --- invoice ---------------------------------------------------------------------------------


def test_invoice_prints_its_lines_and_totals():
    invoice = samples.invoice(credit=1000)
    pdf = render_invoice(invoice)
    assert page_sizes(pdf) == [pytest.approx(A4)]
    page = text(pdf)
    for fact in ("TAX INVOICE", "INV-2024-0042", "15 Mar 2024", "30 Mar 2024", "MRN 100234-7",
                 "Star Health Insurance (cashless)", "Claim reference CLM-88231-A", "GSTIN 29ABCDE1234F1Z5",
                 "CN-2024-0003", "Dressing kit returned unused", "Please quote the invoice number", "Page 1 of 1"):
        assert fact in page
    for line in invoice.lines:
        assert line.description in page
        assert inr(line.total) in page
    assert f"Subtotal {inr(invoice.subtotal)}" in page
    assert f"Discount {inr(-invoice.discount)}" in page
    assert f"Total {inr(invoice.total)}" in page
    assert f"Paid {inr(-invoice.paid)}" in page
    assert f"Balance due {inr(invoice.balance)}" in page
    assert f"of which tax included in prices {inr(invoice.tax_included)}" in page
    assert "12% incl." in page and "18%" in page  # the rates, as the line printed them


def test_invoice_total_is_the_sum_of_its_lines():
    invoice = samples.invoice()
    assert invoice.total == sum(line.total for line in invoice.lines)
    with pytest.raises(InvoiceFiguresMismatch, match="lines add up"):
        render_invoice(dataclasses.replace(invoice, total=invoice.total + 1))
    with pytest.raises(InvoiceFiguresMismatch, match="balance"):
        render_invoice(dataclasses.replace(invoice, balance=invoice.balance - 1))


def test_a_long_invoice_breaks_pages_with_the_header_repeated_and_totals_last():
    invoice = samples.invoice(200)
    pages = pages_text(render_invoice(invoice))
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "INV-2024-0042" in page  # the footer names the invoice on every page
    for page in pages[:-1]:
        assert "Item Qty Unit price Discount Tax Amount" in page
        assert "Balance due" not in page
    assert f"Total {inr(invoice.total)}" in pages[-1]
    assert f"Balance due {inr(invoice.balance)}" in pages[-1]
    every_line = "\n".join(pages)
    for i in (1, 57, 143, 200):
        assert f"({i})" in every_line


def test_a_void_invoice_says_so_on_every_page():
    pages = pages_text(render_invoice(samples.invoice(80, void=True)))
    assert len(pages) >= 2
    assert "VOID: entered twice" in pages[0]
    assert all("VOID" in page for page in pages)
    assert all("VOID" not in page for page in pages_text(render_invoice(samples.invoice(80))))


def test_money_follows_the_clinic_locale():
    pdf = render_invoice(samples.invoice(currency="EUR", locale="de_DE"))
    invoice = samples.invoice(currency="EUR", locale="de_DE")
    assert format_money(invoice.total, "EUR", "de_DE").replace("\u00a0", " ") in text(pdf).replace("\u00a0", " ")


# --- receipts --------------------------------------------------------------------------------


@pytest.mark.parametrize(("paper", "size"), [(Paper.A5, A5), (Paper.A4, A4)])
def test_receipt_on_sheet_paper(paper, size):
    receipt = samples.receipt()
    pdf = render_receipt(receipt, paper)
    assert close_to(page_sizes(pdf)[0], size) and len(page_sizes(pdf)) == 1
    page = text(pdf)
    for fact in ("RECEIPT", "RCT-2024-0107", "INV-2024-0042", "15 Mar 2024 11:42", "UPI 4021 7788 1123",
                 "Cashier: Rita Fernandes", f"Received {inr(receipt.received)}", f"Cash tendered {inr(200_000)}",
                 f"Change {inr(100_000)}", f"Balance on invoice {inr(0)}", f"Invoice total {inr(154_625)}"):
        assert fact in page


def test_thermal_receipt_is_80_mm_wide_and_as_long_as_its_content():
    short = render_receipt(samples.receipt(), Paper.ROLL_80MM)
    long = render_receipt(samples.receipt(extra_payments=12), Paper.ROLL_80MM)
    (short_w, short_h), = page_sizes(short)
    (long_w, long_h), = page_sizes(long)  # one page, however many payments
    assert short_w == pytest.approx(80 * mm, abs=0.01) and long_w == pytest.approx(80 * mm, abs=0.01)
    assert long_h > short_h + 12 * 8  # every payment line adds height
    assert short_h < 150 * mm
    page = text(long)
    assert "VISA ••4242 auth 800111" in page and "Thank you" in page
    assert f"Received {inr(samples.receipt(extra_payments=12).received)}" in page


def test_a_card_receipt_has_no_cash_lines():
    page = text(render_receipt(samples.receipt(cash=False), Paper.ROLL_80MM))
    assert "Cash tendered" not in page and "Change" not in page
    assert f"Received {inr(54_625)}" in page


# --- shift closure -----------------------------------------------------------------------------


@pytest.mark.parametrize("paper", [Paper.A4, Paper.ROLL_80MM])
def test_shift_closure(paper):
    closure = samples.closure()
    pdf = render_shift_closure(closure, paper)
    sizes = page_sizes(pdf)
    assert len(sizes) == 1
    assert sizes[0][0] == pytest.approx(A4[0] if paper is Paper.A4 else 80 * mm, abs=0.01)
    page = text(pdf)
    assert closure.over_short == -4_000
    for fact in ("SHIFT CLOSURE", "Rita Fernandes", "SHIFT-2024-03-15-A", "Front desk 1", "15 Mar 2024 08:00",
                 "15 Mar 2024 16:05", f"Short {inr(4_000)}", "change given twice", "Dr Meera Iyer",
                 inr(closure.expected), inr(closure.counted), inr(200_000), f"Cash counted {inr(1_250_000)}"):
        assert fact in page
    assert f"Cash {inr(1_254_000)} {inr(1_250_000)} {inr(-4_000)}" in page


def test_a_balanced_closure_without_denominations():
    closure = dataclasses.replace(samples.closure(denominations=False), reason="",
                                  methods=samples.closure().methods[1:])
    page = text(render_shift_closure(closure, Paper.ROLL_80MM))
    assert f"Balanced {inr(0)}" in page
    assert "Note / coin" not in page and "Reason" not in page


# --- appointment slip ----------------------------------------------------------------------------


def test_appointment_slip_has_todays_content():
    pdf = render_appointment_slip(samples.slip())
    assert close_to(page_sizes(pdf)[0], A6)
    page = text(pdf)
    for expected in ("Sunrise Family Clinic", "Appointment slip", "Patient Zoë Ødegård", "MRN 100234-7",
                     "Doctor Dr Meera Iyer (Dermatology)", "Room East wing, room 12", "Date Monday 18 March 2024",
                     "Time 09:30 - 09:45 (IST)", "Type Consultation", "Token 14", "Status Booked",
                     "Reason Rash on the left forearm", "Ref. 5821 - please arrive 10 minutes early."):
        assert expected in page


def test_a_long_reason_wraps_on_the_slip():
    reason = "Follow-up of the rash on the left forearm, bring the previous prescription and blood reports"
    page = text(render_appointment_slip(dataclasses.replace(samples.slip(), reason=reason, token=None)))
    assert " ".join(page.split()).count("bring the previous prescription") == 1
    assert "Token" not in page


# --- reprints --------------------------------------------------------------------------------------


def test_a_reprint_is_the_original_with_a_copy_mark_on_every_page():
    original = render_invoice(samples.invoice(120))
    reprint = stamp_copy(original, "16 Mar 2024 10:05 by Rita Fernandes")
    before, after = pages_text(original), pages_text(reprint)
    assert len(after) == len(before) > 1
    assert page_sizes(reprint) == page_sizes(original)
    for old, new in zip(before, after, strict=True):
        assert COPY_MARK not in old
        assert COPY_MARK in new and "Reprinted 16 Mar 2024 10:05 by Rita Fernandes" in new
        assert old in new


def test_a_thermal_reprint_keeps_its_roll_size():
    original = render_receipt(samples.receipt(), Paper.ROLL_80MM)
    reprint = stamp_copy(original, "16 Mar 2024 10:05")
    assert page_sizes(reprint) == page_sizes(original)
    assert COPY_MARK in text(reprint) and COPY_MARK not in text(original)


# --- threads and speed ---------------------------------------------------------------------------


def test_fonts_register_once_from_racing_threads():
    # A fresh interpreter, so the race is with registration itself and not with a done flag.
    script = """
import threading
from reportlab.pdfbase import pdfmetrics
from hms_desktop.services.documents import Paper, render_receipt
from hms_desktop.services.documents.fonts import register_fonts
from tests.documents import samples
barrier = threading.Barrier(6)
errors = []
def go():
    barrier.wait()
    try:
        register_fonts()
    except Exception as exc:
        errors.append(exc)
threads = [threading.Thread(target=go) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
assert not errors, errors
worker = threading.Thread(target=lambda: render_receipt(samples.receipt(patient="王芳"), Paper.ROLL_80MM))
worker.start(); worker.join()
print(sorted(n for n in pdfmetrics.getRegisteredFontNames() if n.startswith("Hms")))
"""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Hms") == 2 * len(FACES)
