"""A patient's balance in the words the desk uses ("Owes ₹1,200.00", "Credit ₹300.00", nothing when
settled), for the Patients list, the patient record and the booking dialog.

Only offered to users allowed to see billing: ``balance_loader`` returns None for the others, and the
screens then show nothing of it. The loader runs on the worker: one query for a whole page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...services.billing.records import Balance
from ...services.identity import CurrentUser
from ...services.money import format_money
from ...services.permissions import Permission

BalanceLoader = Callable[[Sequence[int]], dict[int, str]]


def balance_text(balance: Balance | None, currency: str, locale: str) -> str:
    """'Owes ₹1,200.00', 'Credit ₹300.00', both joined when both are held, '' when settled."""
    if balance is None:
        return ""
    parts = []
    if balance.owed > 0:
        parts.append(f"Owes {format_money(balance.owed, currency, locale)}")
    if balance.credit > 0:
        parts.append(f"Credit {format_money(balance.credit, currency, locale)}")
    return " · ".join(parts)


def balance_loader(services: Any, user: CurrentUser) -> BalanceLoader | None:
    """Worker-side: the texts for these patients (the clinic's currency and locale), or None when
    this user may not see billing."""
    if not user.can(Permission.BILLING_VIEW):
        return None

    def load(patient_ids: Sequence[int]) -> dict[int, str]:
        settings = services.settings.get()
        found = services.invoices.balances_for(list(patient_ids))
        return {pid: balance_text(found.get(pid), settings.currency, settings.locale) for pid in patient_ids}

    return load
