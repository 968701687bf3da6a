"""Billing: price list, invoices, payments and refunds, the cashier's shift, printed invoices and
receipts, and the accountant's journal.

    invoices.py    InvoiceService: drafts, issue (numbered), void, credit notes, balances, the list
    payments.py    PaymentService: payments (cash with change, card, UPI, payer, advance used), advances, refunds
    shifts.py      ShiftService: open with a float, close with the count, reopen (audited), closure slip
    price_list.py  PriceListService: items, tax rates, payer accounts
    printing.py    BillingDocuments: PDFs archived at first print, COPY on every reprint
    journal.py     the period's documents as a CSV journal for an accounting package
    numbering.py   gap-free document numbers from a counter row
    listing.py     the Billing tab's keyset-paged, filtered list
"""

from .invoices import InvoiceService
from .journal import JournalService
from .payments import PaymentService
from .price_list import PriceListService
from .printing import BillingDocuments, PrintedDocument
from .records import (
    Balance,
    CreditNoteRecord,
    InvoiceFilter,
    InvoicePage,
    InvoiceRecord,
    InvoiceRow,
    LineInput,
    LineRecord,
    ListTotals,
    PayerRecord,
    PaymentRecord,
    PriceItemRecord,
    RefundRecord,
    ShiftRecord,
    TaxRateRecord,
)
from .shifts import ShiftService

__all__ = [
    "Balance", "BillingDocuments", "CreditNoteRecord", "InvoiceFilter", "InvoicePage", "InvoiceRecord",
    "InvoiceRow", "InvoiceService", "JournalService", "LineInput", "LineRecord", "ListTotals", "PayerRecord",
    "PaymentRecord", "PaymentService", "PriceItemRecord", "PriceListService", "PrintedDocument", "RefundRecord",
    "ShiftRecord", "ShiftService", "TaxRateRecord",
]
