"""The one print path every screen uses: a rendered PDF (services/documents) to paper or a file.

    printout = Printout(pdf_bytes, "Receipt RCT-0107", "receipt-RCT-0107.pdf", parent)
    printout.preview()       # QPrintPreviewDialog; its Print button prints what it shows
    printout.print_dialog()  # the system print dialog, then straight to the printer
    printout.save_as_pdf()   # a file dialog in the documents folder; writes the PDF's own bytes

Each of those opens its dialog with ``open()`` and returns it: the window stays responsive and a
test can find the dialog and drive it. ``printed`` and ``saved`` report what happened.

Pages reach the printer as the PDF's pages rasterised by QtPdf at the printer's resolution
(at most MAX_DPI), each scaled to fit the paper, so what prints is what the PDF shows.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QObject, QRectF, QSize, QSizeF, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from ...paths import documents_dir
from ...services.errors import EnvironmentProblem
from .messages import show_error

log = logging.getLogger(__name__)

# 300 dpi prints text crisply; an A4 page at a printer's 1200 dpi would be a 550 MB image.
MAX_DPI = 300
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class DocumentNotSaved(EnvironmentProblem):
    title = "Could not save the document"


def safe_file_name(name: str, default: str = "document.pdf") -> str:
    """A file name that is valid on Windows, macOS and Linux, ending in .pdf."""
    cleaned = _UNSAFE_IN_FILE_NAMES.sub("-", name).strip(" .-") or default
    return cleaned if cleaned.lower().endswith(".pdf") else f"{cleaned}.pdf"


class PdfPages:
    """A PDF held in memory, page by page, for drawing onto a printer."""

    def __init__(self, pdf: bytes) -> None:
        self._buffer = QBuffer()  # QPdfDocument reads from it for as long as it lives
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self._buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise ValueError(f"not a readable PDF ({self.document.error().name})")

    @property
    def count(self) -> int:
        return self.document.pageCount()

    def point_size(self, index: int) -> QSizeF:
        return self.document.pagePointSize(index)

    def print_to(self, printer: QPrinter) -> int:
        """Draw every page (or the range chosen in the print dialog) onto the printer, each
        scaled to fit its paper and centred; returns the number of pages sent."""
        first, last = 0, self.count - 1
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first, last = printer.fromPage() - 1, min(printer.toPage(), self.count) - 1
        painter = QPainter()
        if not painter.begin(printer):
            raise DocumentNotSaved("The printer could not be started. Check that it is on and connected, "
                                   "then try again.")
        sent = 0
        try:
            dpi = min(printer.resolution(), MAX_DPI)
            for index in range(first, last + 1):
                if sent:
                    printer.newPage()
                self._draw_page(painter, printer, index, dpi)
                sent += 1
        finally:
            painter.end()
        return sent

    def _draw_page(self, painter: QPainter, printer: QPrinter, index: int, dpi: int) -> None:
        target = printer.pageLayout().fullRectPixels(printer.resolution()) if printer.fullPage() else \
            printer.pageLayout().paintRectPixels(printer.resolution())
        area = QRectF(0, 0, target.width(), target.height())
        points = self.point_size(index)
        scale = min(area.width() / points.width(), area.height() / points.height())
        width, height = points.width() * scale, points.height() * scale
        # The raster is made at (at most) the printer's dots per inch for the size it prints at.
        pixels = QSize(max(1, round(width / printer.resolution() * dpi)),
                       max(1, round(height / printer.resolution() * dpi)))
        image = self.document.render(index, pixels)
        placed = QRectF((area.width() - width) / 2, (area.height() - height) / 2, width, height)
        painter.drawImage(placed, image)


def paper_for(pages: PdfPages) -> QPageSize:
    """The paper the PDF was made for (A4, A5, an 80 mm roll), as Qt names it."""
    points = pages.point_size(0)
    return QPageSize(points, QPageSize.Unit.Point, matchPolicy=QPageSize.SizeMatchPolicy.FuzzyMatch)


class Printout(QObject):
    """One document on its way to the printer or a file (see the module docstring)."""

    printed = Signal(int)  # pages sent to the printer
    saved = Signal(object)  # Path the PDF was written to

    def __init__(self, pdf: bytes, title: str, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.title = title
        self.file_name = safe_file_name(file_name)
        self._parent = parent
        self.pages = PdfPages(pdf)

    def new_printer(self, mode: QPrinter.PrinterMode = QPrinter.PrinterMode.HighResolution) -> QPrinter:
        """A printer set up for this document: its paper, no extra margins, its title."""
        printer = QPrinter(mode)
        printer.setDocName(self.title)
        printer.setPageSize(paper_for(self.pages))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        # The PDF carries its own margins; the printer adds none, and draws from the paper's edge.
        printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
        printer.setFullPage(True)
        return printer

    def print_to(self, printer: QPrinter) -> int:
        sent = self.pages.print_to(printer)
        log.info("Printed %s: %d page(s) to %s", self.title, sent, printer.printerName() or printer.outputFileName())
        self.printed.emit(sent)
        return sent

    def preview(self) -> QPrintPreviewDialog:
        printer = self.new_printer()
        dialog = QPrintPreviewDialog(printer, self._parent)
        dialog.setObjectName("printPreview")
        dialog.setWindowTitle(f"Print preview: {self.title}")
        # Drawn for the screen and again, on Print, for the printer; both use print_to's pages.
        dialog.paintRequested.connect(self.pages.print_to)
        dialog.accepted.connect(lambda: self.printed.emit(self.pages.count))
        dialog.finished.connect(dialog.deleteLater)
        dialog._hms_printer = printer  # type: ignore[attr-defined] - keep the printer as long as the dialog
        dialog.open()
        return dialog

    def print_dialog(self) -> QPrintDialog:
        printer = self.new_printer()
        if not QPrinterInfo.availablePrinters():
            # Only "Print to file" is on offer; let it offer the documents folder, not the home folder.
            printer.setOutputFileName(str(self.suggested_path()))
        dialog = QPrintDialog(printer, self._parent)
        dialog.setObjectName("printDialog")
        dialog.setWindowTitle(f"Print {self.title}")
        dialog.setMinMax(1, self.pages.count)
        dialog.accepted.connect(lambda: self._print_or_explain(printer))
        dialog.finished.connect(dialog.deleteLater)
        dialog._hms_printer = printer  # type: ignore[attr-defined]
        QDialog.open(dialog)  # PySide6 exposes only QPrintDialog.open(receiver, slot)
        return dialog

    def _print_or_explain(self, printer: QPrinter) -> None:
        try:
            self.print_to(printer)
        except EnvironmentProblem as exc:
            show_error(self._parent, exc)

    # --- saving --------------------------------------------------------------------------------

    def suggested_path(self) -> Path:
        return documents_dir() / self.file_name

    def save_as_pdf(self) -> QFileDialog:
        """A file dialog opened in the documents folder with the suggested name; the PDF's own
        bytes are written where the person chooses."""
        dialog = QFileDialog(self._parent, f"Save {self.title} as PDF", str(documents_dir()), "PDF files (*.pdf)")
        dialog.setObjectName("savePdfDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        # Qt's own dialog: the same on every desktop, and one a test can drive.
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(self.file_name)
        dialog.fileSelected.connect(self._save_or_explain)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _save_or_explain(self, chosen: str) -> None:
        try:
            self.save_to(chosen)
        except DocumentNotSaved as exc:
            show_error(self._parent, exc)

    def save_to(self, path: str | Path) -> Path:
        """Write the PDF to ``path``; a bare name goes into the documents folder, never into
        whatever the current directory happens to be."""
        target = Path(path)
        if not target.is_absolute():
            target = documents_dir() / target
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.pdf)
        except OSError as exc:
            raise DocumentNotSaved(f"{target} could not be written: {exc.strerror or exc}. Choose another "
                                   "folder, or free some disk space, and save again.") from exc
        log.info("Saved %s to %s", self.title, target)
        self.saved.emit(target)
        return target
