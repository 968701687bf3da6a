"""``hms demo-data --invoices``, ``hms invoice show`` and ``hms invoice pdf`` as real processes, on a
SQLite file and on PostgreSQL (where several demo loads run at once)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys

import pytest

from tests.documents.pdf_text import page_sizes, text
from tests.test_cli import hms


def _demo_clinic(db: str, tmp_path) -> None:
    made = hms("--database", db, "demo-data", "--patients", "150", "--doctors", "2", "--appointments", "200",
               "--invoices", "40", data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    counts = re.search(r"Added 40 demo invoices \((\d+) paid, (\d+) partly paid, (\d+) unpaid, (\d+) void, "
                       r"(\d+) refunded\)", made.stdout)
    assert counts and sum(int(c) for c in counts.groups()) == 40, made.stdout


def test_demo_invoices_show_and_pdf_with_copy_on_reprint(tmp_path):
    db = f"sqlite:///{tmp_path / 'bill.sqlite3'}"
    _demo_clinic(db, tmp_path)
    more = hms("--database", db, "demo-data", "--invoices", "10", "--seed", "9", data_dir=tmp_path)
    assert more.returncode == 0 and "Added 10 demo invoices" in more.stdout, more.stderr
    number, receipt = _paid_invoice(tmp_path / "bill.sqlite3")
    shown = hms("--database", db, "invoice", "show", number, data_dir=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[0] == number and "(Paid)" in shown.stdout and receipt in shown.stdout
    assert "Total" in shown.stdout and "Balance" in shown.stdout
    first = tmp_path / "inv.pdf"
    out = hms("--database", db, "invoice", "pdf", number, "--out", str(first), data_dir=tmp_path)
    assert out.returncode == 0 and "the original of" in out.stdout, out.stderr
    assert number in text(first.read_bytes()) and "COPY" not in text(first.read_bytes())
    again = tmp_path / "inv-again.pdf"
    assert hms("--database", db, "invoice", "pdf", number, "--out", str(again), data_dir=tmp_path).returncode == 0
    assert "COPY" in text(again.read_bytes())
    roll = tmp_path / "roll.pdf"
    printed = hms("--database", db, "invoice", "pdf", receipt, "--receipt", "--thermal", "--out", str(roll),
                  data_dir=tmp_path)
    assert printed.returncode == 0, printed.stderr
    width, _height = page_sizes(roll.read_bytes())[0]
    assert abs(width - 80 / 25.4 * 72) < 2  # an 80 mm roll
    assert receipt in text(roll.read_bytes())
    missing = hms("--database", db, "invoice", "show", "INV-1999-000001", data_dir=tmp_path)
    assert missing.returncode == 1 and "No invoice, receipt or credit note is numbered" in missing.stderr
    wrong = hms("--database", db, "invoice", "pdf", number, "--thermal", "--out", str(roll), data_dir=tmp_path)
    assert wrong.returncode == 2 and "add --receipt" in wrong.stderr


def _paid_invoice(path) -> tuple[str, str]:
    """A paid demo invoice's number and its receipt's, read straight from the file."""
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT i.number, p.receipt_number FROM invoices i JOIN payments p ON p.invoice_id = i.id "
            "WHERE i.state = 'paid' ORDER BY i.id LIMIT 1").fetchone()


@pytest.mark.postgres
def test_several_demo_invoice_loads_at_once_on_postgresql(pg_server, tmp_path):
    name = pg_server.create()
    try:
        url = pg_server.url_for(name)
        _demo_clinic(url, tmp_path)
        env = {"HMS_DATA_DIR": str(tmp_path), "HMS_BCRYPT_ROUNDS": "4"}
        procs = [subprocess.Popen([sys.executable, "-m", "hms_desktop", "--database", url, "demo-data",
                                   "--invoices", "15", "--seed", str(seed)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, **env}) for seed in (1, 2, 3)]
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            assert "Added 15 demo invoices" in out
        from sqlalchemy import create_engine
        from sqlalchemy import text as sql

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            numbers = [r[0] for r in conn.execute(sql("SELECT number FROM invoices WHERE number IS NOT NULL"))]
        engine.dispose()
        serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
        assert serials == list(range(1, 40 + 45 + 1))
    finally:
        pg_server.drop(name)
