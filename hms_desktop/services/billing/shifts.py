"""The cashier's day: a shift opens with a float, takes payments and refunds, and closes with the
drawer counted. A closed shift is locked: nothing more is added to it, and a reopen is audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import CashierShift, Payment, PaymentMethod, Refund, ShiftState
from ...models.base import utcnow
from ..documents import Clinic, Denomination, MethodCount, Paper, ShiftClosure
from ..errors import ConflictError, NotFound, PermissionDenied, ValidationError
from ..permissions import Permission
from ..text import check_text
from ..unit_of_work import UnitsOfWork
from .common import Clock, ClockMixin, Terms, is_int, names, terms
from .records import ShiftRecord

DRAWER_METHODS = tuple(m.value for m in PaymentMethod if m not in (PaymentMethod.CREDIT,))



def expected_by_method(s: Session, shift: CashierShift) -> dict[str, int]:
    """What the shift should hold by method: payments less refunds; cash also the float."""
    expected = {m: 0 for m in DRAWER_METHODS}
    expected[PaymentMethod.CASH] = shift.opening_float
    for method, total in s.execute(select(Payment.method, func.sum(Payment.amount))
                                   .where(Payment.shift_id == shift.id, Payment.method != PaymentMethod.CREDIT)
                                   .group_by(Payment.method)):
        expected[method] = expected.get(method, 0) + int(total or 0)
    for method, total in s.execute(select(Refund.method, func.sum(Refund.amount))
                                   .where(Refund.shift_id == shift.id).group_by(Refund.method)):
        expected[method] = expected.get(method, 0) - int(total or 0)
    return expected


def shift_record(s: Session, shift: CashierShift) -> ShiftRecord:
    staff = names(s, [shift.cashier_id])
    counts = shift.counts or {}
    return ShiftRecord(
        id=shift.id, cashier_id=shift.cashier_id, cashier_name=staff.get(shift.cashier_id, ""),
        workstation=shift.workstation, state=shift.state, opened_at=shift.opened_at,
        opening_float=shift.opening_float, closed_at=shift.closed_at,
        expected={k: v["expected"] for k, v in counts.items()} if shift.state == ShiftState.CLOSED
        else expected_by_method(s, shift),
        counted={k: v["counted"] for k, v in counts.items()},
        denominations=tuple(tuple(d) for d in (shift.denominations or ())),  # type: ignore[misc]
        over_short=shift.over_short, reason=shift.reason, reopened_count=shift.reopened_count, version=shift.version,
    )


class ShiftService(ClockMixin):
    def __init__(self, units: UnitsOfWork, clock: Clock = utcnow) -> None:
        self._units = units
        self.clock = clock  # tests set a fixed clock

    def current(self) -> ShiftRecord | None:
        """The signed-in cashier's open shift, if any."""
        with self._units.read(Permission.SHIFT_CLOSE) as uow:
            shift = uow.session.scalar(select(CashierShift).where(
                CashierShift.cashier_id == uow.actor.id, CashierShift.state == ShiftState.OPEN))
            return shift_record(uow.session, shift) if shift else None

    def get(self, shift_id: int) -> ShiftRecord:
        with self._units.read(Permission.SHIFT_CLOSE) as uow:
            shift = self._visible(uow.session, shift_id, uow.actor)
            return shift_record(uow.session, shift)

    def list(self, *, day_from: date | None = None, day_to: date | None = None,
             cashier_id: int | None = None) -> list[ShiftRecord]:
        """Shifts opened in the period, newest first: one's own, or everyone's with the permission."""
        with self._units.read(Permission.SHIFT_CLOSE) as uow:
            s = uow.session
            t = terms(s)
            query = select(CashierShift).order_by(CashierShift.opened_at.desc()).limit(500)
            if not uow.actor.can(Permission.SHIFT_VIEW_ALL):
                query = query.where(CashierShift.cashier_id == uow.actor.id)
            elif cashier_id is not None:
                query = query.where(CashierShift.cashier_id == cashier_id)
            if day_from is not None:
                query = query.where(CashierShift.opened_at >= datetime.combine(day_from, time(), t.zone))
            if day_to is not None:
                query = query.where(CashierShift.opened_at < datetime.combine(day_to + timedelta(days=1), time(), t.zone))
            return [shift_record(s, shift) for shift in s.scalars(query)]

    def open(self, opening_float: int) -> ShiftRecord:
        self._units.authorise(Permission.SHIFT_CLOSE)  # before any check of the input
        if not is_int(opening_float) or opening_float < 0:
            raise ValidationError({"opening_float": "Enter the cash in the drawer at the start (zero or more)."})
        with self._units.write(Permission.SHIFT_CLOSE) as uow:
            s = uow.session
            t = terms(s)
            existing = s.scalar(select(CashierShift).where(
                CashierShift.cashier_id == uow.actor.id, CashierShift.state == ShiftState.OPEN).with_for_update())
            if existing is not None:
                raise ConflictError("Your shift is already open; close it before opening another.")
            shift = CashierShift(cashier_id=uow.actor.id, workstation=uow.workstation, state=ShiftState.OPEN,
                                 opened_at=self._now(), opening_float=opening_float)
            s.add(shift)
            s.flush()
            uow.audit("shift.opened", entity_type="shift", entity_id=shift.id,
                      summary=f"Opened a cashier shift with a float of {t.money(opening_float)}",
                      changes={"opening_float": [None, opening_float]})
            uow.announce("billing", "shift", entity_id=shift.id)
            return shift_record(s, shift)

    def close(
        self,
        shift_id: int,
        version: int,
        counted: Mapping[str, int],
        *,
        denominations: Sequence[tuple[int, int]] = (),
        reason: str = "",
    ) -> ShiftRecord:
        """Close with what was counted, by method (cash may be counted note by note: then the notes
        must add up to the cash given). Over or short needs a reason."""
        self._units.authorise(Permission.SHIFT_CLOSE)  # before any check of the input
        reason = check_text("reason", reason, 300)
        with self._units.write(Permission.SHIFT_CLOSE) as uow:
            s = uow.session
            t = terms(s)
            shift = s.scalar(select(CashierShift).where(CashierShift.id == shift_id).with_for_update())
            if shift is None:
                raise NotFound("That shift no longer exists.")
            if shift.cashier_id != uow.actor.id and not uow.actor.can(Permission.SHIFT_VIEW_ALL):
                raise PermissionDenied("Only the cashier (or an administrator) can close this shift.")
            if shift.version != version:
                raise ConflictError("This shift changed at another desk (a payment, or it was closed); look again.")
            if shift.state != ShiftState.OPEN:
                raise ConflictError("This shift is already closed.")
            expected = expected_by_method(s, shift)
            errors: dict[str, str] = {}
            clean: dict[str, int] = {}
            for method in expected:
                value = counted.get(method, 0)
                if not is_int(value) or value < 0:
                    errors[f"counted.{method}"] = "Enter the amount counted (zero or more)."
                else:
                    clean[method] = value
            for method in counted:
                if method not in expected:
                    errors[f"counted.{method}"] = "Not a payment method."
            notes: list[tuple[int, int]] = []
            if denominations:
                for value, count in denominations:
                    if not (is_int(value) and is_int(count)) or value <= 0 or count < 0:
                        errors["denominations"] = "Each note or coin needs a value above zero and a count."
                        break
                    notes.append((value, count))
                if "denominations" not in errors and sum(v * c for v, c in notes) != clean.get(PaymentMethod.CASH, 0):
                    errors["denominations"] = (
                        f"The notes and coins add up to {t.money(sum(v * c for v, c in notes))}, not the "
                        f"{t.money(clean.get(PaymentMethod.CASH, 0))} of cash counted."
                    )
            over_short = sum(clean.values()) - sum(expected.values())
            if over_short and not reason and not errors:
                word = "over" if over_short > 0 else "short"
                errors["reason"] = f"The count is {t.money(abs(over_short))} {word}: say why."
            if errors:
                raise ValidationError(errors)
            shift.counts = {m: {"expected": expected[m], "counted": clean[m]} for m in expected}
            shift.denominations = [list(n) for n in notes] or None
            shift.over_short = over_short
            shift.reason = reason
            shift.state = ShiftState.CLOSED
            shift.closed_at = self._now()
            s.flush()
            uow.audit("shift.closed", entity_type="shift", entity_id=shift.id,
                      summary=f"Closed shift {shift.id}: expected {t.money(sum(expected.values()))}, counted "
                              f"{t.money(sum(clean.values()))}" + (f" ({reason})" if reason else ""),
                      changes={"state": ["open", "closed"], "over_short": [None, over_short],
                               **{f"counted.{m}": [expected[m], clean[m]] for m in expected if clean[m] or expected[m]}})
            uow.announce("billing", "shift", entity_id=shift.id)
            return shift_record(s, shift)

    def reopen(self, shift_id: int, version: int, reason: str) -> ShiftRecord:
        """Reopen a closed shift (administrators), never silently: the reason is audited."""
        self._units.authorise(Permission.SHIFT_VIEW_ALL)  # before any check of the input
        reason = check_text("reason", reason, 300, required="Say why the shift is reopened.")
        with self._units.write(Permission.SHIFT_VIEW_ALL) as uow:
            s = uow.session
            shift = s.scalar(select(CashierShift).where(CashierShift.id == shift_id).with_for_update())
            if shift is None:
                raise NotFound("That shift no longer exists.")
            if shift.version != version:
                raise ConflictError("This shift changed at another desk; look again.")
            if shift.state != ShiftState.CLOSED:
                raise ConflictError("This shift is open.")
            other = s.scalar(select(CashierShift.id).where(CashierShift.cashier_id == shift.cashier_id,
                                                           CashierShift.state == ShiftState.OPEN))
            if other is not None:
                raise ConflictError("The cashier has another shift open; it must be closed first.")
            before = {"state": shift.state, "counts": shift.counts, "over_short": shift.over_short,
                      "reason": shift.reason}
            shift.state = ShiftState.OPEN
            shift.closed_at = None
            shift.counts = None
            shift.denominations = None
            shift.over_short = 0
            shift.reason = ""
            shift.reopened_count += 1
            s.flush()
            uow.audit("shift.reopened", entity_type="shift", entity_id=shift.id,
                      summary=f"Reopened shift {shift.id}: {reason}",
                      changes={"state": ["closed", "open"], "closed_counts": [before["counts"], None],
                               "over_short": [before["over_short"], 0], "reopen_reason": [None, reason]})
            uow.announce("billing", "shift", entity_id=shift.id)
            return shift_record(s, shift)

    def closure_document(self, shift_id: int) -> ShiftClosure:
        """The closed shift as its closure slip shows it."""
        with self._units.read(Permission.SHIFT_CLOSE) as uow:
            s = uow.session
            t = terms(s)
            shift = self._visible(s, shift_id, uow.actor)
            if shift.state != ShiftState.CLOSED or shift.closed_at is None:
                raise ValidationError({"shift": "Close the shift before printing its closure."})
            record = shift_record(s, shift)
            return closure_from(record, clinic_from(t), t)

    def closure_pdf(self, shift_id: int, paper: Paper = Paper.A4) -> bytes:
        from ..documents import render_shift_closure

        return render_shift_closure(self.closure_document(shift_id), paper)

    @staticmethod
    def _visible(s: Session, shift_id: int, actor) -> CashierShift:  # type: ignore[no-untyped-def]
        shift = s.get(CashierShift, shift_id)
        if shift is None:
            raise NotFound("That shift no longer exists.")
        if shift.cashier_id != actor.id and not actor.can(Permission.SHIFT_VIEW_ALL):
            raise PermissionDenied("You can see your own shifts only.")
        return shift


def clinic_from(t: Terms) -> Clinic:
    st = t.settings
    return Clinic(name=st.clinic_name, address=st.clinic_address, phone=st.clinic_phone,
                  tax_registration=st.tax_registration)


def closure_from(record: ShiftRecord, clinic: Clinic, t: Terms) -> ShiftClosure:
    methods = tuple(
        MethodCount(PaymentMethod(m).label, record.expected.get(m, 0), record.counted.get(m, 0))
        for m in DRAWER_METHODS if record.expected.get(m, 0) or record.counted.get(m, 0) or m == PaymentMethod.CASH
    )
    assert record.closed_at is not None
    return ShiftClosure(
        clinic=clinic, cashier=record.cashier_name, opened_at=record.opened_at.astimezone(t.zone),
        closed_at=record.closed_at.astimezone(t.zone), opening_float=record.opening_float, methods=methods,
        currency=t.currency, locale=t.locale, shift_reference=record.reference, workstation=record.workstation,
        denominations=tuple(Denomination(v, c) for v, c in record.denominations), reason=record.reason,
    )
