"""The reports as use cases: each checks who is asking, reads in one read-only unit, and hands
back a frozen :class:`ReportTable`. Money reports are for REPORTS_MONEY (admins); the appointment
and patient reports for REPORTS_VIEW, or REPORTS_VIEW_OWN (a doctor: their own figures only)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Doctor
from ..billing.common import terms
from ..billing.shifts import clinic_from
from ..errors import NotFound, PermissionDenied, ValidationError
from ..identity import CurrentUser
from ..permissions import Permission
from ..scheduling.clinic_clock import ClinicClock
from ..unit_of_work import UnitsOfWork
from .builders import build_table
from .catalogue import BY_NAME, REPORTS
from .choices import filter_choices
from .dashboard import Dashboard, read_dashboard
from .records import FILTER_LABELS, ReportInfo, ReportTable

MAX_DAYS = 366 * 2  # two years on one screen is plenty; a longer range is a mistake in the dates


class ReportService:
    def __init__(self, units: UnitsOfWork, clock: ClinicClock | None = None) -> None:
        self._units = units
        self._clock = clock or ClinicClock(units)

    def dashboard(self) -> Dashboard:
        """Today at a glance and the last 30 days. Money figures only for REPORTS_MONEY; a doctor
        (REPORTS_VIEW_OWN) gets their own figures only, and none of the clinic-wide ones."""
        with self._units.read(any_of=(Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN,
                                      Permission.REPORTS_MONEY)) as uow:
            s, actor = uow.session, uow.actor
            doctor_id = _doctor_scope(s, actor, None)
            scope = "" if doctor_id is None else s.get(Doctor, doctor_id).full_name  # type: ignore[union-attr]
            return read_dashboard(s, terms(s), self._clock.now(), doctor_id=doctor_id,
                                  money=actor.can(Permission.REPORTS_MONEY), scope=scope)

    def available(self) -> list[ReportInfo]:
        """The reports the signed-in person may run, in menu order."""
        user = self._units.authorise(any_of=(Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN))
        return [r for r in REPORTS if not r.money or user.can(Permission.REPORTS_MONEY)]

    def run(self, name: str, day_from: date, day_to: date, *, doctor_id: int | None = None,
            specialty_id: int | None = None, cashier_id: int | None = None, payer_id: int | None = None,
            item_id: int | None = None) -> ReportTable:
        """One report over the clinic's days, narrowed by the filters it takes (catalogue.py)."""
        info = BY_NAME.get(name)
        if info is None:
            raise ValidationError({"report": f"There is no report called {name!r}; "
                                             f"choose one of {', '.join(BY_NAME)}."})
        needs = (Permission.REPORTS_MONEY,) if info.money else (Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN)
        with self._units.read(any_of=needs) as uow:
            _check_period(day_from, day_to)
            s = uow.session
            doctor_id = _doctor_scope(s, uow.actor, doctor_id) if info.doctor_filter else _no_doctor(doctor_id, info)
            chosen = _chosen(info, {"specialty": specialty_id, "cashier": cashier_id, "payer": payer_id,
                                    "item": item_id})
            return build_table(s, terms(s), info, day_from, day_to, doctor_id, chosen)

    def filter_choices(self) -> dict[str, list[tuple[int, str]]]:
        """What each filter offers, as (id, name) in name order: specialties, the staff who took a
        payment, gave a refund or kept a shift, payers and price-list items (inactive ones too, as
        past figures may be theirs)."""
        with self._units.read(any_of=(Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN,
                                      Permission.REPORTS_MONEY)) as uow:
            return filter_choices(uow.session, uow.actor.can(Permission.REPORTS_MONEY))

    def report_pdf(self, name: str, day_from: date, day_to: date, *, doctor_id: int | None = None,
                   **filters: int | None) -> bytes:
        """The report as an A4 PDF with the clinic's header (rendered here: call it on the worker);
        ``filters`` as :meth:`run` takes them."""
        table = self.run(name, day_from, day_to, doctor_id=doctor_id, **filters)
        with self._units.read(any_of=(Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN,
                                      Permission.REPORTS_MONEY)) as uow:
            clinic = clinic_from(terms(uow.session))
        from ..documents.report import render_report

        return render_report(table, clinic)


def _check_period(day_from: date, day_to: date) -> None:
    if not isinstance(day_from, date) or not isinstance(day_to, date):
        raise ValidationError({"period": "Give the first and the last day."})
    if day_to < day_from:
        raise ValidationError({"period": "The last day is before the first."})
    if (day_to - day_from).days >= MAX_DAYS:
        raise ValidationError({"period": "Choose at most two years."})


def _no_doctor(doctor_id: int | None, info: ReportInfo) -> None:
    if doctor_id is not None:
        raise ValidationError({"doctor": f"The {info.title.lower()} report has no doctor filter."})
    return None


def _chosen(info: ReportInfo, given: dict[str, int | None]) -> dict[str, int]:
    """The filters given, each one the report takes; any other is refused in plain words."""
    for kind, value in given.items():
        if value is not None and kind not in info.takes:
            label = FILTER_LABELS[kind].lower()
            raise ValidationError({kind: f"The {info.title.lower()} report has no {label} filter."})
    return {kind: value for kind, value in given.items() if value is not None}


def _doctor_scope(s: Session, actor: CurrentUser, doctor_id: int | None) -> int | None:
    """The doctor the figures are for: anyone with REPORTS_VIEW or REPORTS_MONEY chooses; a doctor
    with REPORTS_VIEW_OWN only sees their own, whatever they ask for."""
    if actor.can(Permission.REPORTS_VIEW) or actor.can(Permission.REPORTS_MONEY):
        return doctor_id
    own = s.scalar(select(Doctor.id).where(Doctor.staff_account_id == actor.id)) if actor.id else None
    if own is None:
        raise NotFound("Your account is not linked to a doctor, so there are no figures of your own to show.")
    if doctor_id is not None and doctor_id != own:
        raise PermissionDenied("You can see your own figures only.")
    return own


