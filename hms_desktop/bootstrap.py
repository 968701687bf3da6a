"""Wiring in one place: build the database and the services from a URL, and hand them out."""

from __future__ import annotations

from dataclasses import dataclass

from .services.audit import AuditService
from .services.audit_log import AuditLogService
from .services.auth import AuthService
from .services.backups import BackupService
from .services.billing import (
    BillingDocuments,
    InvoiceService,
    JournalService,
    PaymentService,
    PriceListService,
    ShiftService,
)
from .services.clinical import (
    AttachmentService,
    ClinicalDocuments,
    ClinicalService,
    FhirExport,
    FormularyService,
)
from .services.database import Database
from .services.demo_billing import DemoBillingService
from .services.demo_data import DemoDataService
from .services.demo_schedule import DemoScheduleService
from .services.doctors import DoctorService
from .services.identity import Identity
from .services.notifications.bell import BellService
from .services.notifications.service import NotificationService
from .services.notifications.template_service import TemplateService
from .services.password_reset import PasswordResetService
from .services.patient_photos import PatientPhotos
from .services.patients import PatientService
from .services.reports import ReportService
from .services.scheduling import AvailabilityService, ClinicClock, SchedulingService, VisitService
from .services.scheduling.waiting_list import WaitingListService
from .services.settings import SettingsService
from .services.slips import SlipService
from .services.staff import StaffService
from .services.unit_of_work import UnitsOfWork


@dataclass
class Services:
    db: Database
    identity: Identity
    units: UnitsOfWork
    auth: AuthService
    password_reset: PasswordResetService  # "forgot password": a one-time code by e-mail
    patients: PatientService
    staff: StaffService
    audit: AuditService
    audit_log: AuditLogService
    settings: SettingsService
    demo: DemoDataService
    doctors: DoctorService
    scheduling: SchedulingService  # free slots, booking, moves, walk-ins, day lists
    availability: AvailabilityService  # weekly hours, leave, blocks, clinic holidays
    visits: VisitService  # check-in, start, complete, cancel, no-show, call next
    waiting_list: WaitingListService  # patients waiting for a time; a freed slot rings the desk
    slips: SlipService
    demo_schedule: DemoScheduleService
    invoices: InvoiceService
    payments: PaymentService
    shifts: ShiftService
    price_list: PriceListService
    billing_documents: BillingDocuments
    journal: JournalService
    demo_billing: DemoBillingService
    backups: BackupService
    notifications: NotificationService  # mail server settings, the outbox, send again
    bell: BellService  # each staff member's own notifications (the bell in the main window)
    message_templates: TemplateService  # the wording of patient messages, per event and channel
    reports: ReportService  # read-only figures over a period; CSV and PDF
    clinical: ClinicalService  # visits, vitals, diagnoses, prescriptions, addenda, allergies (audited reads)
    clinical_documents: ClinicalDocuments  # the prescription PDF, archived; reprints stamped COPY
    fhir: FhirExport  # a patient's record as a FHIR R4 Bundle (hms patient export)
    formulary: FormularyService  # the clinic formulary the admin keeps; doctors pick from it
    attachments: AttachmentService  # lab reports, scans, letters kept in the database (audited reads)
    patient_photos: PatientPhotos  # the patient's photo (demographic)

    def close(self) -> None:
        self.db.dispose()


def build_services(url: str, *, pool_size: int = 5) -> Services:
    db = Database(url, pool_size=pool_size)
    identity = Identity()
    units = UnitsOfWork(db, identity)
    settings = SettingsService(units)
    clock = ClinicClock(units)  # one clinic clock: pinning scheduling.clock pins all three
    scheduling = SchedulingService(units, clock)
    invoices = InvoiceService(units)
    payments = PaymentService(units)
    price_list = PriceListService(units)
    return Services(
        db=db,
        identity=identity,
        units=units,
        auth=AuthService(units),
        password_reset=PasswordResetService(units, clock.now),
        patients=PatientService(units),
        staff=StaffService(units),
        audit=AuditService(units),
        audit_log=AuditLogService(units),
        settings=settings,
        demo=DemoDataService(units),
        doctors=DoctorService(units),
        scheduling=scheduling,
        availability=AvailabilityService(units, clock),
        visits=VisitService(units, clock),
        waiting_list=WaitingListService(units, clock),
        slips=SlipService(units, scheduling, settings),
        demo_schedule=DemoScheduleService(units),
        invoices=invoices,
        payments=payments,
        shifts=ShiftService(units),
        price_list=price_list,
        billing_documents=BillingDocuments(units),
        journal=JournalService(units),
        demo_billing=DemoBillingService(units, invoices, payments, price_list),
        backups=BackupService(units),
        notifications=NotificationService(units),
        bell=BellService(units, clock.now),
        message_templates=TemplateService(units, clock.now),
        reports=ReportService(units, clock),
        clinical=ClinicalService(units),
        clinical_documents=ClinicalDocuments(units),
        fhir=FhirExport(units),
        formulary=FormularyService(units),
        attachments=AttachmentService(units),
        patient_photos=PatientPhotos(units),
    )
