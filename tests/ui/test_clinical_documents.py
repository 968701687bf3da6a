"""Documents and the patient photo, driven by clicks and keys on a SQLite file and on PostgreSQL:
a doctor adds a PDF and a picture to the patient record through the file dialog and sees them
previewed (the PDF's page rendered by QtPdf, the picture as it is), a file over the clinic's limit
is refused in words with the title kept, a document goes on a visit from the visit record's
Documents page and shows in the timeline, a damaged copy is refused in the preview; a receptionist
sets the photo (scaled to 512 px) and sees no document anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QInputDialog, QLineEdit
from sqlalchemy import text

from hms_desktop.bootstrap import Services
from hms_desktop.services.clinical import AttachmentInput
from hms_desktop.ui.clinical.documents_panel import DocumentsPanel
from tests.conftest import STAFF_PASSWORD, second_desk, wait_idle
from tests.services.conftest import fix_clock
from tests.support.sample_files import pdf_bytes, png_bytes
from tests.ui.test_clinical_history import every_text, open_from_history, open_patient, write_visit
from tests.ui.test_clinical_visit import Surgery, open_surgery, open_window
from tests.ui.widget_helpers import open_dialog, type_into


@pytest.fixture
def surgery(services: Services) -> Iterator[Surgery]:
    yield from open_surgery(services)


def choose_in_file_dialog(qtbot, owner, path: Path, dialog=None) -> None:  # type: ignore[no-untyped-def]
    """Pick ``path`` in the Qt file dialog under ``owner`` and press its Open (or Save) button.
    (Typing a whole path into the name box leaves the list of matching names popped up over it, and
    that list takes the Return and the click meant for the dialog.)"""
    dialog = dialog or open_dialog(qtbot, owner, QFileDialog)
    dialog.selectFile(str(path))  # as if browsed to: the folder shown, the name in the box
    name_box = dialog.findChild(QLineEdit, "fileNameEdit")
    qtbot.waitUntil(lambda: name_box.text() == path.name)
    buttons = dialog.findChild(QDialogButtonBox, "buttonBox")
    button = buttons.button(QDialogButtonBox.StandardButton.Open) or buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=3000)


def click_tab(qtbot, tabs, page) -> None:  # type: ignore[no-untyped-def]
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(page)).center())
    assert tabs.currentWidget() is page


def add_through_dialog(qtbot, runner, panel: DocumentsPanel, path: Path, title: str = "") -> None:  # type: ignore[no-untyped-def]
    before = panel.list.topLevelItemCount()
    if title:
        type_into(qtbot, panel.title, title)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    choose_in_file_dialog(qtbot, panel, path)
    try:
        qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == before + 1, timeout=10_000)
    except Exception:
        raise AssertionError(f"not added: {panel.state.text()!r} {panel.banner.text()!r}") from None
    wait_idle(qtbot, runner)


def dark_pixels(image: QImage) -> int:
    step = max(1, image.width() // 100)
    return sum(1 for x in range(0, image.width(), step) for y in range(0, image.height(), step)
               if QColor(image.pixel(x, y)).lightness() < 128)


def test_a_doctor_adds_a_pdf_and_a_picture_and_sees_them(qtbot, surgery: Surgery, runner, tmp_path):
    report = tmp_path / "cbc.pdf"
    report.write_bytes(pdf_bytes("Haemoglobin 13.2 g/dL", "Page two"))
    scan = tmp_path / "rash.png"
    scan.write_bytes(png_bytes(40, 30, (200, 30, 30)))
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    panel = dialog.documents
    assert panel is not None
    click_tab(qtbot, dialog.sections, panel)
    assert panel.state.text() == "No documents for this patient yet."
    assert panel.hint.text() == "PDF, PNG or JPEG, up to 10 MB"
    panel.kind.setCurrentIndex(panel.kind.findData("lab_report"))
    add_through_dialog(qtbot, runner, panel, report, "Blood count")
    assert panel.texts() == ["Blood count"]
    assert panel.list.topLevelItem(0).text(1) == "Lab report" and panel.list.topLevelItem(0).text(2) == "cbc.pdf"
    # The new one is selected and previewed: both pages rendered, with the text's dark pixels.
    qtbot.waitUntil(lambda: len(panel.preview.pages) == 2, timeout=10_000)
    page = panel.preview.pages[0].pixmap().toImage()
    assert page.height() > page.width() > 150  # A4, upright
    assert dark_pixels(page) > 10
    assert "2 pages" in panel.preview.note.text()

    panel.kind.setCurrentIndex(panel.kind.findData("imaging"))
    add_through_dialog(qtbot, runner, panel, scan)  # no title: the file's name
    assert panel.texts() == ["rash", "Blood count"]
    qtbot.waitUntil(lambda: panel.preview.shown is not None and panel.preview.shown.record.title == "rash")
    picture = panel.preview.pages[0].pixmap().toImage()
    assert (picture.width(), picture.height()) == (40, 30)  # small: shown as it is, not blown up
    assert QColor(picture.pixel(20, 15)).red() == 200
    # Clicking the PDF again opens it again (each opening audited by the service).
    first = panel.list.topLevelItem(1)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(first).center())
    qtbot.waitUntil(lambda: panel.preview.shown is not None and panel.preview.shown.record.title == "Blood count")
    opened = [e.summary for e in surgery.admin.clinical.access_log(surgery.patient_id) if e.action == "clinical.opened"]
    assert sum(s.startswith("Opened document") for s in opened) == 3
    # The clinical history's timeline lists both, by date (they are on the patient, not a visit).
    history = dialog.clinical
    qtbot.waitUntil(lambda: any("Scan or image: rash (rash.png" in line for line in history.texts()))
    lines = history.texts()
    assert "Lab report: Blood count (cbc.pdf" in lines[1] and lines[1].endswith("added by Priya")
    assert "Scan or image: rash (rash.png, " in lines[0]  # newest first
    dialog.done(0)


def test_a_file_over_the_limit_is_refused_in_words_and_the_title_stays(qtbot, surgery: Surgery, runner, tmp_path):
    surgery.admin.settings.update(replace(surgery.admin.settings.get(), attachment_limit_mb=1))
    big = tmp_path / "scan.pdf"
    big.write_bytes(pdf_bytes("x") + b"0" * (1024 * 1024))
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    panel = dialog.documents
    click_tab(qtbot, dialog.sections, panel)
    type_into(qtbot, panel.title, "MRI knee")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    choose_in_file_dialog(qtbot, panel, big)
    qtbot.waitUntil(lambda: panel.banner.isVisible(), timeout=10_000)
    assert "scan.pdf is 1 MB; the clinic keeps files of at most 1 MB" in panel.banner.text()
    assert panel.title.text() == "MRI knee" and panel.list.topLevelItemCount() == 0
    dialog.done(0)


def test_a_document_on_the_visit_from_the_visit_record(qtbot, surgery: Surgery, runner, tmp_path):
    visit_id = write_visit(surgery)
    letter = tmp_path / "referral.pdf"
    letter.write_bytes(pdf_bytes("Referral to chest clinic"))
    window = open_window(qtbot, surgery.doctor, runner)
    visit = open_from_history(qtbot, window, runner, surgery.patient_id)
    assert visit.documents is not None and visit.documents.can_add  # signed, still her own visit
    click_tab(qtbot, visit.sections, visit.documents)
    qtbot.waitUntil(lambda: visit.documents.state.text() == "No documents on this visit yet.")
    visit.documents.kind.setCurrentIndex(visit.documents.kind.findData("letter"))
    add_through_dialog(qtbot, runner, visit.documents, letter, "Referral letter")
    (added,) = surgery.doctor.attachments.for_visit(visit_id)
    assert (added.title, added.kind, added.visit_id) == ("Referral letter", "letter", visit_id)
    visit.done(0)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    qtbot.waitUntil(lambda: any("Document: Letter: Referral letter" in t for t in dialog.clinical.texts()))
    # On the visit, the document is a line of the visit, and the Documents filter keeps it.
    history = dialog.clinical
    history.kind.setCurrentIndex(history.kind.findData("document"))
    item = history.timeline.topLevelItem(0)
    assert not item.isHidden()
    assert [item.child(c).text(0) for c in range(item.childCount()) if not item.child(c).isHidden()] == [
        "Document: Letter: Referral letter (referral.pdf, " + added.size_label + ")"]
    dialog.done(0)


def test_a_damaged_copy_is_refused_in_the_preview(qtbot, surgery: Surgery, runner):
    added = surgery.doctor.attachments.add(surgery.patient_id, AttachmentInput("X-ray", "imaging", "x.png",
                                                                             png_bytes()))
    with surgery.admin.db.engine.begin() as conn:
        conn.execute(text("UPDATE clinical_attachment_blobs SET content = :c WHERE attachment_id = :i"),
                     {"c": png_bytes(41, 30), "i": added.id})
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    panel = dialog.documents
    click_tab(qtbot, dialog.sections, panel)
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 1)
    item = panel.list.topLevelItem(0)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center())
    qtbot.waitUntil(lambda: "damaged" in panel.preview.note.text(), timeout=10_000)
    assert panel.preview.pages == [] and panel.preview.shown is None
    dialog.done(0)


@pytest.fixture
def big_photo(tmp_path) -> Path:
    image = QImage(1200, 900, QImage.Format.Format_RGB32)
    image.fill(QColor(40, 160, 90))
    path = tmp_path / "asha.jpg"
    assert image.save(str(path), "JPEG")
    return path


def test_a_receptionist_sets_the_photo_and_sees_no_documents(qtbot, surgery: Surgery, runner, big_photo):
    surgery.doctor.attachments.add(surgery.patient_id, AttachmentInput("Secret lab title", "lab_report", "l.pdf",
                                                                       pdf_bytes("x")))
    desk: Services = second_desk(surgery.admin, "rita", STAFF_PASSWORD)
    fix_clock(desk)
    try:
        window = open_window(qtbot, desk, runner)
        dialog = open_patient(qtbot, window, runner, surgery.patient_id)
        assert dialog.documents is None and dialog.photo is not None
        assert dialog.photo.label.text() == "No photo"
        qtbot.mouseClick(dialog.photo.choose_button, Qt.MouseButton.LeftButton)
        choose_in_file_dialog(qtbot, dialog.photo, big_photo)
        qtbot.waitUntil(lambda: dialog.photo.label.photo is not None, timeout=10_000)
        stored = desk.patient_photos.get(surgery.patient_id)
        assert (stored.width, stored.height, stored.content_type) == (512, 384, "image/jpeg")
        shown = dialog.photo.label.pixmap().toImage()
        assert max(shown.width(), shown.height()) == 96 and QColor(shown.pixel(48, 36)).green() > 120
        assert dialog.photo.remove_button.isVisible()
        assert "Secret lab title" not in every_text(dialog)
    finally:
        desk.close()
    # The doctor sees the photo at the top of the clinical history.
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    qtbot.waitUntil(lambda: dialog.clinical.photo.isVisible() or dialog.clinical.history is not None)
    qtbot.waitUntil(lambda: dialog.clinical.photo.photo is not None)
    dialog.done(0)


def test_a_copy_is_saved_out_and_a_removal_takes_a_reason(qtbot, surgery: Surgery, runner, tmp_path):
    report = pdf_bytes("Thyroid panel")
    surgery.doctor.attachments.add(surgery.patient_id, AttachmentInput("TSH", "lab_report", "tsh.pdf", report))
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    panel = dialog.documents
    click_tab(qtbot, dialog.sections, panel)
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 1)
    item = panel.list.topLevelItem(0)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center())
    qtbot.waitUntil(lambda: panel.preview.shown is not None)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    save = open_dialog(qtbot, panel, QFileDialog)
    name_box = save.findChild(QLineEdit, "fileNameEdit")
    assert name_box.text() == "tsh.pdf"  # the file's own name offered
    choose_in_file_dialog(qtbot, panel, tmp_path / "copy-of-tsh.pdf", save)
    qtbot.waitUntil(lambda: (tmp_path / "copy-of-tsh.pdf").exists())
    assert (tmp_path / "copy-of-tsh.pdf").read_bytes() == report
    # Removing asks why; the reason is kept and the list no longer shows it.
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    ask = open_dialog(qtbot, panel, QInputDialog)
    box = ask.findChild(QLineEdit)
    type_into(qtbot, box, "Scanned for the wrong patient")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 0, timeout=10_000)
    (kept,) = surgery.doctor.attachments.for_patient(surgery.patient_id, include_removed=True)
    assert kept.removal_reason == "Scanned for the wrong patient"
    assert panel.state.text() == "No documents for this patient yet."
    dialog.done(0)
