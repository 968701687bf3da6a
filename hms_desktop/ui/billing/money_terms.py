"""How the Billing screens write money: the clinic's currency and locale (clinic settings), via Babel."""

from __future__ import annotations

from dataclasses import dataclass

from ...services.money import format_money


@dataclass(frozen=True)
class MoneyTerms:
    currency: str = "INR"
    locale: str = "en_IN"

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency, self.locale)

    @classmethod
    def of(cls, record) -> MoneyTerms:  # type: ignore[no-untyped-def] - anything with currency and locale
        return cls(record.currency, record.locale)
