"""The Patients tab: live search over every patient, lazily loaded, and the register/edit dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.change_feed import Change
from ...services.errors import HmsError
from ...services.identity import CurrentUser
from ...services.patients import PatientPage, PatientRecord, PatientService, PatientSort, PatientSummary
from ...services.permissions import Permission
from ...services.scheduling import SchedulingService
from ...services.scheduling.waiting_list import WaitingRecord
from ..common.balances import BalanceLoader
from ..common.live_updates import ChangeWatcher
from ..common.messages import show_error
from ..common.row_table_model import make_record_table
from ..common.search_box import SearchBox
from ..common.worker import TaskRunner
from .archive_dialog import ArchiveDialog
from .patient_dialog import PatientDialog
from .patient_history import load_history
from .patient_table_model import BALANCE, NAME, PHONE, SORT_FOR_COLUMN, PatientIdRole, PatientTableModel

PAGE_SIZE = 200
# Long enough to let a fast typist finish a word, short enough to feel instant.
SEARCH_DELAY_MS = 150


class _PatientTable(QTableView):
    """Enter opens the selected patient (``activated`` alone depends on the platform style)."""

    open_requested = Signal()
    up_from_top = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_requested.emit()
            return
        if event.key() == Qt.Key.Key_Up and self.currentIndex().row() <= 0:
            self.up_from_top.emit()
            return
        super().keyPressEvent(event)




def about(n: int) -> int:
    """``n`` to two significant figures (203,417 -> 200,000; 1,480 -> 1,500; 87 -> 87)."""
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return round(n / scale) * scale


class PatientsTab(QWidget):
    status_message = Signal(str)

    def __init__(
        self,
        patients: PatientService,
        runner: TaskRunner,
        user: CurrentUser,
        parent: QWidget | None = None,
        *,
        watcher: ChangeWatcher | None = None,
        scheduling: SchedulingService | None = None,
    ) -> None:
        super().__init__(parent)
        # With the schedule (if this user may see it) the record shows the patient's appointments.
        self._scheduling = scheduling if user.can(Permission.SCHEDULE_VIEW) else None
        self._book: Callable[[PatientRecord], None] | None = None
        self._bill: Callable[[int, int | None], object] | None = None
        self._balances: BalanceLoader | None = None
        self._clinical: Callable[[int, int], object] | None = None
        self._waiting: Callable[..., list[WaitingRecord]] | None = None
        self._add_waiting: Callable[[PatientRecord], None] | None = None
        self._open_visit: Callable[[int], object] | None = None
        self._doctors: Callable[..., list[Any]] | None = None
        self._photos: object | None = None
        self._documents: object | None = None
        self._patients = patients
        self._runner = runner
        self._user = user
        self._sort = PatientSort.NAME
        self._descending = False
        self._query = ""
        self.dialogs: list[PatientDialog] = []
        self.archive_dialog: ArchiveDialog | None = None

        self.search = SearchBox(objectName="patientSearch", clear_on_escape=True)
        self.search.setPlaceholderText("Search: name (any order), MRN, phone or date of birth — Ctrl+F")
        self.search.setClearButtonEnabled(True)
        self.show_archived = QCheckBox("Show archived", objectName="showArchived")
        self.new_button = QPushButton("New patient (Ctrl+N)", objectName="newPatient")
        self.open_button = QPushButton("Open", objectName="openPatient")
        self.archive_button = QPushButton("Archive", objectName="archivePatient")
        self.new_button.setEnabled(user.can(Permission.PATIENT_REGISTER))
        self.archive_button.setVisible(user.can(Permission.PATIENT_ARCHIVE))

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.show_archived)
        top.addWidget(self.open_button)
        top.addWidget(self.archive_button)
        top.addWidget(self.new_button)

        self.model = PatientTableModel(self)
        self.table = _PatientTable(objectName="patientTable")
        self.table.setModel(self.model)
        make_record_table(self.table)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(NAME, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._header_clicked)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 100), (2, 80), (3, 120), (4, 60), (PHONE, 170)):
            self.table.setColumnWidth(column, width)

        self.status = QLabel(objectName="patientStatus")
        self.status.setObjectName("subtle")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.search.returnPressed.connect(self._search_enter)
        self.search.down_pressed.connect(self._focus_table)
        self.show_archived.toggled.connect(lambda _: self.reload())
        self.new_button.clicked.connect(self.new_patient)
        self.open_button.clicked.connect(self.open_selected)
        self.archive_button.clicked.connect(self.archive_selected)
        self.table.open_requested.connect(self.open_selected)
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        self.table.up_from_top.connect(self.search.setFocus)
        self.model.more_wanted.connect(self._load_page)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.focus_search)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_patient)
        self.setTabOrder(self.search, self.table)
        self._update_buttons()
        if watcher is not None:
            watcher.changed.connect(self._changes_arrived)

    # --- other desks' changes ----------------------------------------------------------------

    def _changes_arrived(self, changes: list[Change]) -> None:
        """Rows on screen that another desk (or this one) changed are fetched again and replaced in
        place, so the list never shows a stale phone; after a feed outage, every loaded row is."""
        loaded = self.model.loaded_ids()
        if any(c.topic == "" for c in changes):  # resync: notices may have been missed
            wanted = set(loaded)
        else:
            wanted = {c.entity_id for c in changes if c.topic == "patients" and c.entity_id in loaded}
        if wanted:
            self._runner.submit(
                self._patients.summaries, sorted(wanted), on_done=self._rows_refreshed,
                on_error=lambda _e: None,  # the next notice or a reload will try again
                context=self,
            )

    def _rows_refreshed(self, summaries: dict[int, PatientSummary]) -> None:
        for patient_id, summary in summaries.items():
            self.model.replace_patient(patient_id, summary)
        self._update_buttons()

    # --- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Start the current search from the first page (the newest search wins)."""
        self._debounce.stop()
        self._query = self.search.text()
        generation = self.model.start()
        self.status.setText("Searching…" if self._query.strip() else "Loading…")
        self._request(generation, None)
        if not self._query.strip():
            # An estimate at once ("about 200,000 patients"), then the exact figure, which takes a
            # read of the whole index.
            self._runner.submit(
                self._patients.estimated_count, on_done=lambda n, g=generation: self._show_estimate(g, n),
                on_error=lambda _e: None, context=self, key="patients.estimate",
            )
            self._runner.submit(
                self._patients.count, include_archived=self.show_archived.isChecked(),
                on_done=lambda n, g=generation: self._show_total(g, n), on_error=lambda _e: None,
                context=self, key="patients.count",
            )

    def _load_page(self, after) -> None:  # type: ignore[no-untyped-def]
        self._request(self.model.generation, after)

    def _request(self, generation: int, after) -> None:  # type: ignore[no-untyped-def]
        self._runner.submit(
            self._patients.search, self._query, include_archived=self.show_archived.isChecked(),
            sort=self._sort, descending=self._descending, after=after, limit=PAGE_SIZE,
            on_done=lambda page, g=generation: self._page_arrived(g, page),
            on_error=lambda exc, g=generation: self._page_failed(g, exc),
            context=self, key="patients.search" if after is None else None,
        )

    def _page_arrived(self, generation: int, page: PatientPage) -> None:
        if not self.model.append_page(generation, page):
            return
        if self._balances is not None and page.rows:
            self._runner.submit(self._balances, [p.id for p in page.rows], on_done=self.model.set_balances,
                                on_error=lambda _exc: None, context=self)  # the column stays empty
        rows = self.model.rowCount()
        if self._query.strip():
            if rows == 0:
                self.status.setText(f"No patient matches “{self._query.strip()}”. Press Ctrl+N to register a new one.")
            else:
                more = "+ (scroll for more)" if self.model.has_more else ""
                self.status.setText(f"{rows:,}{more} match{'es' if rows != 1 else ''}")
        if rows and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, NAME))
        self._update_buttons()

    def _page_failed(self, generation: int, exc: Exception) -> None:
        self.model.page_failed(generation)
        self.status.setText(exc.message if isinstance(exc, HmsError) else "Could not load patients.")
        show_error(self, exc)

    def _show_estimate(self, generation: int, estimate: int) -> None:
        if generation == self.model.generation and not self._query.strip() and estimate:
            self.status.setText(f"about {about(estimate):,} patients")

    def _show_total(self, generation: int, total: int) -> None:
        if generation == self.model.generation and not self._query.strip():
            archived = " (archived included)" if self.show_archived.isChecked() else ""
            self.status.setText(f"{total:,} patient{'s' if total != 1 else ''}{archived}")

    def _header_clicked(self, column: int) -> None:
        sort = SORT_FOR_COLUMN.get(column)
        header = self.table.horizontalHeader()
        if sort is None:
            # Not sortable: put the indicator back where the data really is sorted.
            current = next((c for c, s in SORT_FOR_COLUMN.items() if s == self._sort), NAME)
            header.setSortIndicator(current, Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder)
            return
        self._descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        self._sort = sort
        self.reload()

    # --- actions -----------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_enter(self) -> None:
        if self._debounce.isActive():
            self.reload()
        if self.model.rowCount() == 1:
            self.table.setCurrentIndex(self.model.index(0, NAME))
            self.open_selected()
        else:
            self._focus_table()

    def _focus_table(self) -> None:
        self.table.setFocus()
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, NAME))

    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        return index.data(PatientIdRole) if index.isValid() else None

    def _update_buttons(self) -> None:
        summary = self.model.patient_at(self.table.currentIndex().row())
        self.open_button.setEnabled(summary is not None)
        self.archive_button.setEnabled(summary is not None)
        self.archive_button.setText("Restore" if summary is not None and summary.archived else "Archive")

    def new_patient(self) -> None:
        if not self._user.can(Permission.PATIENT_REGISTER):
            return
        dialog = PatientDialog(self._patients, self._runner, None, parent=self, doctors=self._doctors)
        self._show_dialog(dialog)
        # Save the receptionist retyping what they already searched for.
        words = [w for w in self.search.text().split() if w.isalpha()]
        if len(words) >= 1:
            dialog.given_name.setText(words[0].capitalize())
        if len(words) >= 2:
            dialog.family_name.setText(" ".join(w.capitalize() for w in words[1:]))

    def open_selected(self) -> None:
        patient_id = self.selected_id()
        if patient_id is not None:
            self.open_patient(patient_id)

    def open_patient(self, patient_id: int) -> None:
        self._runner.submit(
            self._patients.get, patient_id, on_done=self._opened, on_error=lambda e: show_error(self, e), context=self
        )

    def offer_booking(self, callback: Callable[[PatientRecord], None] | None) -> None:
        """Give the patient record a "Book appointment" button that calls ``callback(patient)``
        (the main window passes the Scheduler's ``book_for_patient``)."""
        self._book = callback if self._user.can(Permission.SCHEDULE_BOOK) else None

    def offer_doctors(self, doctors: Callable[..., list[Any]] | None) -> None:
        """Let the patient form choose a primary doctor from ``doctors`` (DoctorService.search, on
        the worker); without it the form keeps the primary doctor the record has."""
        self._doctors = doctors

    def offer_waiting_list(self, entries: Callable[..., list[WaitingRecord]],
                           add: Callable[[PatientRecord], None] | None) -> None:
        """Show the patient's waiting list entries in the record (``entries`` is the service's, run
        on the worker) and, with ``add``, an "Add to waiting list…" button calling ``add(patient)``."""
        self._waiting = entries
        self._add_waiting = add

    def offer_billing(self, callback: Callable[[int, int | None], object] | None) -> None:
        """Give the patient record a "Bill this visit" button (the main window passes its
        ``bill_visit``, for users who may invoice)."""
        self._bill = callback if self._user.can(Permission.INVOICE_CREATE) else None

    def offer_clinical_history(self, load: Callable[[int, int], object] | None,
                               open_visit: Callable[[int], object] | None = None) -> None:
        """Give the patient record a "Clinical history" tab; ``load(patient_id, limit)`` runs on the
        worker, ``open_visit(visit_id)`` opens a visit picked there. Only for users who may read
        clinical records (the service refuses anyone else)."""
        self._clinical = load if self._user.can(Permission.CLINICAL_READ) else None
        self._open_visit = open_visit if self._clinical is not None else None

    def offer_photos(self, photos: object | None) -> None:
        """Show (and, for users who may edit the patient, set) the patient's photo on the record."""
        self._photos = photos if self._user.can(Permission.PATIENT_VIEW) else None

    def offer_documents(self, desk: object | None) -> None:
        """Give the patient record a "Documents" tab (a DocumentDesk); only for clinical readers."""
        self._documents = desk if self._user.can(Permission.CLINICAL_READ) else None

    def offer_balances(self, load: BalanceLoader | None) -> None:
        """Show what each patient owes (a Balance column and a line in the record); ``load`` runs on
        the worker, one query per page. Not called for users who may not see billing."""
        self._balances = load
        if load is not None:
            self.model.show_balance_column()
            self.table.horizontalHeader().resizeSection(BALANCE, 170)  # "Owes ₹12,50,000.00" fits

    def _opened(self, record: PatientRecord) -> None:
        can_edit = self._user.can(Permission.PATIENT_EDIT)
        scheduling = self._scheduling
        waiting = self._waiting
        history = (lambda pid: load_history(scheduling, pid, waiting=waiting)) if scheduling is not None else None
        self._show_dialog(PatientDialog(self._patients, self._runner, record, can_edit=can_edit, parent=self,
                                        history=history, book=self._book, bill=self._bill,
                                        balance=self._balances, clinical=self._clinical, photos=self._photos,
                                        documents=self._documents, waitlist=self._add_waiting,
                                        doctors=self._doctors))

    def _show_dialog(self, dialog: PatientDialog) -> None:
        if dialog.clinical is not None:
            dialog.clinical.offer_opening(self._open_visit)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.open_existing.connect(self.open_patient)
        dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.open()

    def _saved(self, record: PatientRecord) -> None:
        row = self.model.row_of(record.id)
        if row is not None:
            self.model.replace_patient(record.id, _summary_of(record))
            self.status_message.emit(f"Saved {record.full_name} ({record.mrn})")
        else:
            self.status_message.emit(f"Registered {record.full_name} — MRN {record.mrn}")
            # Show the new patient: search for their MRN so they are selected and ready.
            self.search.setText(record.mrn)
            self.reload()

    def archive_selected(self) -> None:
        summary = self.model.patient_at(self.table.currentIndex().row())
        if summary is None:
            return
        if summary.archived:
            self._submit_archive(summary, "")
            return
        self.archive_dialog = ArchiveDialog(summary, self)
        self.archive_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.archive_dialog.accepted.connect(
            lambda d=self.archive_dialog: self._submit_archive(summary, d.reason.text())
        )
        self.archive_dialog.open()

    def _submit_archive(self, summary: PatientSummary, reason: str) -> None:
        self._runner.submit(
            self._toggle_archive, summary, reason, on_done=self._archived,
            on_error=lambda e: show_error(self, e), context=self,
        )

    def _toggle_archive(self, summary: PatientSummary, reason: str) -> PatientRecord:
        # Worker thread: archive the version we have now, so a concurrent edit is reported, not lost.
        current = self._patients.get(summary.id)
        if summary.archived:
            return self._patients.restore(current.id, current.version)
        return self._patients.archive(current.id, current.version, reason=reason)

    def _archived(self, record: PatientRecord) -> None:
        verb = "Archived" if record.archived else "Restored"
        self.status_message.emit(f"{verb} {record.full_name} ({record.mrn})")
        if record.archived and not self.show_archived.isChecked():
            self.reload()
        else:
            self.model.replace_patient(record.id, _summary_of(record))
            self._update_buttons()


def _summary_of(record: PatientRecord) -> PatientSummary:
    return PatientSummary(
        id=record.id, mrn=record.mrn, given_name=record.given_name, family_name=record.family_name,
        sex=record.sex, date_of_birth=record.date_of_birth, dob_estimated=record.dob_estimated,
        phone=record.phone, archived=record.archived,
    )
