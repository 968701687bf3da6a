"""``hms invoice show`` and ``hms invoice pdf``: invoices and receipts from a terminal or a script."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from .bootstrap import Services
from .services.billing import InvoiceRecord
from .services.documents import Paper
from .services.errors import NotFound
from .services.money import format_money


def run_invoice_command(services: Services, args: argparse.Namespace) -> int:
    if args.invoice_command == "show":
        print(describe(services.invoices.find(args.number), ZoneInfo(services.settings.get().time_zone)))
        return 0
    if args.thermal and not args.receipt:
        print("hms: --thermal is a receipt layout; add --receipt", file=sys.stderr)
        return 2
    number = args.number.strip().upper()
    if args.receipt:
        if not number.startswith("RCT-"):
            invoice = services.invoices.find(number)
            if not invoice.payments:
                raise NotFound(f"Invoice {invoice.number} has no receipts yet.")
            number = invoice.payments[-1].receipt_number
        printed = services.billing_documents.receipt_pdf(number, Paper.ROLL_80MM if args.thermal else Paper.A5)
    else:
        printed = services.billing_documents.invoice_pdf(number)
    out = Path(args.out)
    out.write_bytes(printed.pdf)
    what = "a COPY (reprint) of" if printed.copy else "the original of"
    print(f"Wrote {what} {printed.number} to {out} ({len(printed.pdf):,} bytes, original SHA-256 {printed.sha256[:16]}…)")
    return 0


def describe(invoice: InvoiceRecord, zone: ZoneInfo) -> str:
    """The invoice as plain text, times in the clinic's zone."""
    def money(minor: int) -> str:
        return format_money(minor, invoice.currency, invoice.locale)

    lines = [
        f"{invoice.number or 'Draft invoice ' + str(invoice.id)}  ({invoice.state_label})",
        f"Patient:  {invoice.patient_name} (MRN {invoice.patient_mrn})",
        f"Date:     {invoice.local_day:%d %b %Y}" + (f"   Doctor: {invoice.doctor_name}" if invoice.doctor_name else ""),
    ]
    if invoice.payer_name:
        lines.append(f"Bill to:  {invoice.payer_name} (claim {invoice.claim_reference or '-'}), "
                     f"share {money(invoice.payer_share)}")
    lines.append("")
    for ln in invoice.lines:
        discount = f"  -{money(ln.discount)} ({ln.discount_reason})" if ln.discount else ""
        lines.append(f"  {ln.quantity} x {ln.description:<40} {money(ln.total):>14}{discount}")
        if ln.note:
            lines.append(f"      {ln.note}")
    lines += [
        "",
        f"  Subtotal {money(invoice.subtotal):>14}   Discount {money(invoice.discount):>12}   Tax {money(invoice.tax):>12}",
        f"  Total    {money(invoice.total):>14}   Paid     {money(invoice.kept):>12}   Balance {money(invoice.balance):>12}",
    ]
    for p in invoice.payments:
        change = f", change {money(p.change)}" if p.change else ""
        lines.append(f"  {p.receipt_number}  {p.received_at.astimezone(zone):%d %b %Y %H:%M}  {p.method_label:<16} "
                     f"{money(p.amount)}{change}  by {p.received_by or 'command line'}")
    for r in invoice.refunds:
        lines.append(f"  {r.number}  refund {money(r.amount)} of {r.receipt_number}: {r.reason}")
    for c in invoice.credit_notes:
        lines.append(f"  {c.number}  credit note {money(c.amount)}: {c.reason}")
    if invoice.void_reason:
        lines.append(f"  VOID: {invoice.void_reason}")
    return "\n".join(lines)
