"""The Documents section (lab reports, scans, letters) of the visit record and of the patient record:
add from a file dialog, the list, a preview (images scaled to the pane; PDF pages rendered with
QtPdf), save a copy out, and remove with a reason.

The list holds descriptions only (services.clinical.attachments); a file's bytes are read on the
worker when it is selected, and each opening is audited by the service. The file chosen is read on
the worker too, so a large scan never stalls the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...paths import documents_dir
from ...services.clinical import KINDS, AttachmentContent, AttachmentInput, AttachmentRecord
from ...services.errors import EnvironmentProblem
from ...services.file_types import EXTENSIONS, TYPE_WORDS, size_words
from ...services.identity import CurrentUser
from ...services.permissions import Permission
from ..common.file_dialogs import open_existing_file
from ..common.form_helpers import banner_label, show_banner
from ..common.messages import show_error
from ..common.worker import TaskRunner

PAGE = 200  # descriptions listed at first on the patient; "Show older documents" asks for as many again
MOST = 2000  # the service's cap
MOST_PAGES = 10  # PDF pages rendered in the preview; the rest are in the saved copy
ID_ROLE = Qt.ItemDataRole.UserRole + 3
FILTER = "Documents (*.pdf *.png *.jpg *.jpeg *.PDF *.PNG *.JPG *.JPEG)"


class FileNotRead(EnvironmentProblem):
    title = "Could not read the file"


@dataclass(frozen=True)
class DocumentDesk:
    """What the Documents section may call on one signed-in desk."""

    attachments: Any  # AttachmentService
    user_id: int | None
    can_add: bool  # doctors and nurses (a doctor on a visit: their own; the visit dialog narrows it)
    can_remove_any: bool  # administrators
    zone: Callable[[], tzinfo] | None = None  # the clinic's time zone (worker thread); the desk's when None

    def may_remove(self, record: AttachmentRecord) -> bool:
        return record.removed_at is None and (self.can_remove_any or record.added_by_id == self.user_id)


def document_desk(services: Any, user: CurrentUser) -> DocumentDesk | None:
    """The desk's Documents section, or None for a user who may not read clinical records."""
    if not user.can(Permission.CLINICAL_READ):
        return None
    return DocumentDesk(services.attachments, user.id,
                        user.can(Permission.CLINICAL_WRITE) or user.can(Permission.VITALS_WRITE),
                        user.can(Permission.DOCUMENTS_REMOVE_ANY), services.scheduling.time_zone)


def _read_and_add(attachments: Any, patient_id: int, title: str, kind: str, path: str,
                  visit_id: int | None) -> AttachmentRecord:
    """Worker thread: the chosen file's bytes, then the service's add."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise FileNotRead(f"{file.name} could not be read: {exc.strerror or exc}. Check that the file is "
                          "still there and that you may open it, then add it again.") from exc
    return attachments.add(patient_id, AttachmentInput(title or file.stem, kind, file.name, data, visit_id))


def document_line(record: AttachmentRecord) -> str:
    """One document in words, as the timeline and the list say it."""
    return f"{record.kind_label}: {record.title} ({record.file_name}, {record.size_label})"


class DocumentPreview(QScrollArea):
    """An image scaled to the pane's width, or a PDF's pages rendered one under another."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentPreview")
        self.setWidgetResizable(True)
        self.setMinimumWidth(260)
        self.shown: AttachmentContent | None = None
        self.pages: list[QLabel] = []
        self.note = QLabel("Select a document to see it here.", objectName="subtle")
        self.note.setWordWrap(True)
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self._layout.addWidget(self.note)
        self._layout.addStretch(1)
        self.setWidget(self._body)

    def clear(self, note: str = "Select a document to see it here.") -> None:
        self.shown = None
        for label in self.pages:
            self._layout.removeWidget(label)
            label.hide()  # gone at once, not only when the event loop deletes it
            label.deleteLater()
        self.pages = []
        self.note.setText(note)

    def _width(self) -> int:
        # The pane less the layout's margins, a page's frame and room for the vertical scroll bar.
        return max(200, self.viewport().width() - 2 * self._layout.contentsMargins().left() - 4
                   - self.verticalScrollBar().sizeHint().width())

    def show_content(self, content: AttachmentContent) -> None:
        self.clear("")
        self.shown = content
        images: list[QImage] = []
        record = content.record
        if record.is_image:
            image = QImage.fromData(content.data)
            if image.isNull():
                self.note.setText(f"{record.file_name} cannot be shown: the picture cannot be read.")
                return
            if image.width() > self._width():
                image = image.scaledToWidth(self._width(), Qt.TransformationMode.SmoothTransformation)
            images.append(image)
            self.note.setText(f"{record.title} · {record.file_name} · {record.size_label}")
        else:
            buffer = QBuffer()
            buffer.setData(QByteArray(content.data))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            document = QPdfDocument()
            document.load(buffer)
            if document.status() != QPdfDocument.Status.Ready:
                self.note.setText(f"{record.file_name} cannot be shown: it is not a readable PDF. "
                                  "Save a copy to open it elsewhere.")
                return
            count = document.pageCount()
            for index in range(min(count, MOST_PAGES)):
                points = document.pagePointSize(index)
                width = self._width()
                height = max(1, round(width * points.height() / max(1.0, points.width())))
                images.append(document.render(index, QSize(width, height)))
            more = f"; the first {MOST_PAGES} are shown, save a copy for the rest" if count > MOST_PAGES else ""
            self.note.setText(f"{record.title} · {record.file_name} · {count} page{'s' if count != 1 else ''}{more}")
            document.close()
        for n, image in enumerate(images):
            label = QLabel(objectName="documentPage")
            label.setPixmap(QPixmap.fromImage(image))
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            label.setFrameShape(QLabel.Shape.Box)
            self._layout.insertWidget(1 + n, label)
            self.pages.append(label)


class DocumentsPanel(QWidget):
    """The list of one patient's (or one visit's) documents with a preview beside it."""

    loaded = Signal()
    added = Signal(object)  # the AttachmentRecord
    previewed = Signal(object)  # the AttachmentContent shown

    def __init__(self, runner: TaskRunner, desk: DocumentDesk, patient_id: int, *, visit_id: int | None = None,
                 can_add: bool | None = None, zone: tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentsPanel")
        self._runner = runner
        self._desk = desk
        self._patient_id = patient_id
        self._visit_id = visit_id
        self._zone = zone
        self.can_add = desk.can_add if can_add is None else can_add
        self.records: list[AttachmentRecord] = []
        self.limit = PAGE
        self.file_dialog: QFileDialog | None = None
        self.reason_dialog: QInputDialog | None = None
        self.banner = banner_label()
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.title = QLineEdit(objectName="documentTitle")
        self.title.setPlaceholderText("Title, e.g. Blood count 12 Mar (the file's name if left empty)")
        self.title.setMaxLength(200)
        self.kind = QComboBox(objectName="documentKind")
        for value, label in KINDS.items():
            self.kind.addItem(label, value)
        self.add_button = QPushButton("Add a &file…", objectName="addDocument")
        self.hint = QLabel("PDF, PNG or JPEG", objectName="subtle")
        self.list = QTreeWidget(objectName="documentList")
        self.list.setHeaderLabels(["Title", "Kind", "File", "Size", "Added"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        for column, width in enumerate((150, 100, 95, 55)):
            self.list.setColumnWidth(column, width)
        self.preview = DocumentPreview()
        self.save_button = QPushButton("Save a &copy…", objectName="saveDocumentCopy")
        self.remove_button = QPushButton("Re&move…", objectName="removeDocument")
        self.more_button = QPushButton("Show older documents", objectName="olderDocuments")
        self.more_button.hide()
        self.state = QLabel(objectName="subtle")

        adding = QHBoxLayout()
        adding.addWidget(QLabel("T&itle", buddy=self.title))
        adding.addWidget(self.title, 2)
        adding.addWidget(QLabel("&Kind", buddy=self.kind))
        adding.addWidget(self.kind)
        adding.addWidget(self.add_button)
        self._adding = QWidget()
        self._adding.setLayout(adding)
        adding.setContentsMargins(0, 0, 0, 0)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.state, 1)
        actions.addWidget(self.more_button)
        actions.addWidget(self.save_button)
        actions.addWidget(self.remove_button)
        left_layout.addLayout(actions)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([480, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self._adding)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)
        self._adding.setVisible(self.can_add)
        self.hint.setVisible(self.can_add)

        self.add_button.clicked.connect(self.choose_file)
        self.save_button.clicked.connect(self.save_copy)
        self.remove_button.clicked.connect(self.ask_removal)
        self.more_button.clicked.connect(self._older)
        self.list.currentItemChanged.connect(lambda item, _old: self._selected(item))
        self._update_buttons()
        if self.can_add:
            runner.submit(desk.attachments.limit_bytes, on_done=self._show_limit, on_error=lambda _e: None,
                          context=self)

    # --- loading -----------------------------------------------------------------------------

    def load(self, select_id: int | None = None) -> None:
        self.state.setText("Loading…")
        attachments = self._desk.attachments
        visit_id, patient_id, limit, zone = self._visit_id, self._patient_id, self.limit, self._desk.zone

        def listed() -> tuple[list[AttachmentRecord], tzinfo | None]:  # worker thread
            rows = (attachments.for_visit(visit_id) if visit_id is not None
                    else attachments.for_patient(patient_id, limit=limit))
            return rows, zone() if zone is not None else None

        self._runner.submit(listed, on_done=lambda got: self._show(*got, select_id), on_error=self._failed,
                            context=self, key=f"documents-{id(self)}")

    def _older(self) -> None:
        self.limit = min(MOST, self.limit + PAGE)
        self.load()

    def _show_limit(self, limit: int) -> None:
        self.hint.setText(f"PDF, PNG or JPEG, up to {size_words(limit)}")

    def _local(self, when: datetime) -> str:
        return f"{when.astimezone(self._zone):%d %b %Y %H:%M}"

    def _show(self, rows: list[AttachmentRecord], zone: tzinfo | None, select_id: int | None) -> None:
        self.records = rows
        self._zone = zone or self._zone
        current = select_id if select_id is not None else self.selected_id()
        self.list.blockSignals(True)
        self.list.clear()
        chosen: QTreeWidgetItem | None = None
        for record in rows:
            item = QTreeWidgetItem([record.title, record.kind_label, record.file_name, record.size_label,
                                    f"{self._local(record.added_at)} · {record.added_by}"])
            item.setData(0, ID_ROLE, record.id)
            item.setToolTip(0, document_line(record))
            self.list.addTopLevelItem(item)
            if record.id == current:
                chosen = item
        self.list.blockSignals(False)
        count = len(rows)
        maybe_more = self._visit_id is None and count >= self.limit
        self.more_button.setVisible(maybe_more and self.limit < MOST)
        where = "on this visit" if self._visit_id is not None else "for this patient"
        self.state.setText(f"The newest {count} documents" if maybe_more else
                           f"{count} document{'s' if count != 1 else ''} {where}" if count else
                           f"No documents {where} yet.")
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        elif self.preview.shown is not None and self.preview.shown.record.id not in {r.id for r in rows}:
            self.preview.clear()
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.state.setText(getattr(exc, "message", None) or "Could not load the documents.")

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(0, ID_ROLE) if item is not None else None

    def selected(self) -> AttachmentRecord | None:
        wanted = self.selected_id()
        return next((r for r in self.records if r.id == wanted), None)

    def _update_buttons(self) -> None:
        record = self.selected()
        self.save_button.setEnabled(record is not None)
        self.remove_button.setEnabled(record is not None and self._desk.may_remove(record))
        self.remove_button.setToolTip("" if record is None or self._desk.may_remove(record) else
                                      f"Only {record.added_by or 'the person who added it'} or an administrator "
                                      "can remove it")

    # --- preview (lazy: the bytes are read when a document is selected) ----------------------

    def _selected(self, item: QTreeWidgetItem | None) -> None:
        self._update_buttons()
        if item is None:
            return
        wanted = item.data(0, ID_ROLE)
        if self.preview.shown is not None and self.preview.shown.record.id == wanted:
            return
        self.preview.clear("Opening…")
        self._runner.submit(self._desk.attachments.open, wanted, on_done=self._show_preview,
                            on_error=self._preview_failed, context=self, key=f"document-open-{id(self)}")

    def _show_preview(self, content: AttachmentContent) -> None:
        if content.record.id != self.selected_id():
            return  # another one was chosen meanwhile
        self.preview.show_content(content)
        self.previewed.emit(content)

    def _preview_failed(self, exc: Exception) -> None:
        self.preview.clear(getattr(exc, "message", None) or "The document could not be opened.")
        if not getattr(exc, "message", None):
            show_error(self, exc)

    # --- adding ------------------------------------------------------------------------------

    def choose_file(self) -> QFileDialog:
        self.file_dialog = open_existing_file(self, "Add a document", FILTER, "addDocumentDialog", self.add_file)
        return self.file_dialog

    def add_file(self, path: str) -> None:
        self.banner.hide()
        self.add_button.setEnabled(False)
        self.state.setText(f"Adding {Path(path).name}…")
        self._runner.submit(_read_and_add, self._desk.attachments, self._patient_id, self.title.text().strip(),
                            self.kind.currentData(), path, self._visit_id, on_done=self._added,
                            on_error=self._add_refused, context=self)

    def _added(self, record: AttachmentRecord) -> None:
        self.add_button.setEnabled(True)
        self.title.clear()
        self.added.emit(record)
        self.load(select_id=record.id)

    def _add_refused(self, exc: Exception) -> None:
        self.add_button.setEnabled(True)
        self.state.setText("")
        message = getattr(exc, "message", None)
        if message:  # the title and kind stay as typed: choose another file and add again
            show_banner(self.banner, message, "bannerError")
        else:
            show_error(self, exc)

    # --- saving a copy and removing ----------------------------------------------------------

    def save_copy(self) -> None:
        record = self.selected()
        if record is None:
            return
        shown = self.preview.shown
        if shown is not None and shown.record.id == record.id:
            self._ask_where(shown)
        else:
            self._runner.submit(self._desk.attachments.open, record.id, on_done=self._ask_where,
                                on_error=lambda exc: show_error(self, exc), context=self)

    def _ask_where(self, content: AttachmentContent) -> QFileDialog:
        ending = EXTENSIONS[content.record.content_type][0]
        dialog = QFileDialog(self, f"Save a copy of {content.record.title}", str(documents_dir()),
                             f"{TYPE_WORDS[content.record.content_type].split(' ', 1)[1].capitalize()} (*{ending})")
        dialog.setObjectName("saveDocumentDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(ending.lstrip("."))  # a name typed without it keeps the file's type
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(content.record.file_name)
        dialog.fileSelected.connect(lambda chosen: self._write_copy(content, chosen))
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _write_copy(self, content: AttachmentContent, chosen: str) -> None:
        target = Path(chosen)
        if not target.is_absolute():
            target = documents_dir() / target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.data)
        except OSError as exc:
            show_error(self, FileNotRead(f"{target} could not be written: {exc.strerror or exc}. Choose another "
                                         "folder, or free some disk space, and save again."))
            return
        self.state.setText(f"Saved a copy as {target}")

    def ask_removal(self) -> QInputDialog | None:
        record = self.selected()
        if record is None or not self._desk.may_remove(record):
            return None
        dialog = QInputDialog(self)
        dialog.setObjectName("removeDocumentReason")
        dialog.setWindowTitle("Remove document")
        dialog.setLabelText(f"Why is {record.title} removed? It stays in the record's history, marked "
                            "removed, with your reason.")
        dialog.setOkButtonText("Remove")
        dialog.textValueSelected.connect(lambda reason: self._remove(record.id, reason))
        dialog.finished.connect(dialog.deleteLater)
        self.reason_dialog = dialog
        dialog.open()
        return dialog

    def _remove(self, attachment_id: int, reason: str) -> None:
        self._runner.submit(self._desk.attachments.remove, attachment_id, reason,
                            on_done=lambda _r: self.load(), on_error=self._add_refused, context=self)

    def texts(self) -> list[str]:
        return [self.list.topLevelItem(n).text(0) for n in range(self.list.topLevelItemCount())]
