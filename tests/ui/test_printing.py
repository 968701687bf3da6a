"""The print path: QtPdf draws our PDFs onto a real QPrinter (here one that writes a PDF file), the
preview shows every page, and Save as PDF writes the document's own bytes into the documents folder."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewWidget
from PySide6.QtWidgets import QLineEdit, QWidget
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm

from hms_desktop.paths import data_dir, documents_dir
from hms_desktop.services.documents import Paper, render_invoice, render_receipt
from hms_desktop.ui.common.printing import PdfPages, Printout, safe_file_name
from tests.documents import samples

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils)")


def dark_pixels(pdf: Path | bytes, tmp_path: Path, page: int = 1) -> int:
    """How many pixels of the page, rasterised at 100 dpi in grey, are darker than mid-grey."""
    source = tmp_path / "raster-source.pdf"
    source.write_bytes(pdf if isinstance(pdf, bytes) else pdf.read_bytes())
    out = tmp_path / f"raster-{page}"
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                    str(source), str(out)], check=True, timeout=60)
    with Image.open(f"{out}.png") as image:
        return sum(image.convert("L").histogram()[:128])


def pdf_printer(printout: Printout, path: Path) -> QPrinter:
    printer = printout.new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


@pytest.fixture
def window(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_receipt_prints_page_for_page_on_its_own_paper(qtbot, window, tmp_path):
    original = render_receipt(samples.receipt(), Paper.A5)
    printout = Printout(original, "Receipt RCT-2024-0107", "receipt RCT-2024-0107", window)
    target = tmp_path / "printed.pdf"
    with qtbot.waitSignal(printout.printed) as printed:
        assert printout.print_to(pdf_printer(printout, target)) == 1
    assert printed.args == [1]
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A5[0], abs=2) and float(box.height) == pytest.approx(A5[1], abs=2)
    # The printed page carries the document's ink, not a blank sheet: about as much as the original.
    ink, expected = dark_pixels(target, tmp_path), dark_pixels(original, tmp_path)
    assert ink > 3000
    assert 0.8 * expected < ink < 1.25 * expected


def test_a_long_invoice_prints_every_page_and_a_roll_keeps_its_width(qtbot, window, tmp_path):
    invoice = render_invoice(samples.invoice(200))
    printout = Printout(invoice, "Invoice", "invoice.pdf", window)
    target = tmp_path / "invoice.pdf"
    sent = printout.print_to(pdf_printer(printout, target))
    assert sent == len(PdfReader(io.BytesIO(invoice)).pages) == len(PdfReader(target).pages) > 3
    assert dark_pixels(target, tmp_path, page=sent) > 2000  # the last page, with the totals

    roll = Printout(render_receipt(samples.receipt(), Paper.ROLL_80MM), "Receipt", "receipt.pdf", window)
    roll_target = tmp_path / "roll.pdf"
    roll.print_to(pdf_printer(roll, roll_target))
    assert float(PdfReader(roll_target).pages[0].mediabox.width) == pytest.approx(80 * mm, abs=2)
    assert dark_pixels(roll_target, tmp_path) > 2000


def test_the_preview_shows_every_page(qtbot, window):
    pdf = render_invoice(samples.invoice(120))
    pages = PdfPages(pdf).count
    printout = Printout(pdf, "Invoice INV-2024-0042", "invoice.pdf", window)
    dialog = printout.preview()
    qtbot.waitUntil(dialog.isVisible)
    assert window.findChild(type(dialog), "printPreview") is dialog
    preview = dialog.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: preview.pageCount() == pages, timeout=10_000)
    assert pages > 1
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_the_print_dialog_prints_what_it_was_given(qtbot, window, tmp_path):
    printout = Printout(render_receipt(samples.receipt(), Paper.A5), "Receipt", "receipt.pdf", window)
    dialog = printout.print_dialog()
    qtbot.waitUntil(dialog.isVisible)
    assert isinstance(dialog, QPrintDialog) and dialog.objectName() == "printDialog"
    if QPrinterInfo.availablePrinters():
        pytest.skip("this machine has a printer; the test prints to a file through Qt's own dialog")
    file_box = dialog.findChild(QLineEdit, "filename")
    assert file_box.text() == str(documents_dir() / "receipt.pdf")  # offered there, not the home folder
    target = tmp_path / "from-dialog.pdf"
    file_box.selectAll()
    qtbot.keyClicks(file_box, str(target))
    with qtbot.waitSignal(printout.printed, timeout=10_000) as printed:
        dialog.accept()
    assert printed.args == [1]
    assert len(PdfReader(target).pages) == 1
    assert dark_pixels(target, tmp_path) > 2000


def test_save_as_pdf_writes_the_original_bytes_into_the_documents_folder(qtbot, window):
    original = render_receipt(samples.receipt(), Paper.ROLL_80MM)
    printout = Printout(original, "Receipt RCT-2024-0107", "receipt: RCT/2024/0107", window)
    dialog = printout.save_as_pdf()
    qtbot.waitUntil(dialog.isVisible)
    assert Path(dialog.directory().absolutePath()) == documents_dir()
    assert documents_dir() == data_dir() / "documents"
    name_box = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name_box.text() == "receipt- RCT-2024-0107.pdf"
    name_box.selectAll()
    qtbot.keyClicks(name_box, "receipt for Zoe")
    with qtbot.waitSignal(printout.saved, timeout=10_000) as saved:
        qtbot.keyClick(name_box, Qt.Key.Key_Return)
    path = saved.args[0]
    assert path == documents_dir() / "receipt for Zoe.pdf"
    assert path.read_bytes() == original


def test_a_bare_file_name_never_lands_in_the_current_directory(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    printout = Printout(render_receipt(samples.receipt()), "Receipt", "receipt.pdf", window)
    path = printout.save_to("bare-name")
    assert path == documents_dir() / "bare-name.pdf"
    assert not (tmp_path / "bare-name.pdf").exists()
    assert printout.suggested_path() == documents_dir() / "receipt.pdf"


def test_file_names_are_made_safe():
    assert safe_file_name("INV/2024:0042") == "INV-2024-0042.pdf"
    assert safe_file_name("slip.PDF") == "slip.PDF"
    assert safe_file_name("  ") == "document.pdf"
    assert safe_file_name("王芳 receipt") == "王芳 receipt.pdf"


def test_a_broken_pdf_is_refused(qtbot):
    with pytest.raises(ValueError, match="not a readable PDF"):
        PdfPages(b"%PDF-1.4 nothing here")
