"""``hms report`` as real processes on a SQLite file and on PostgreSQL, over the hand-worked clinic
of tests/services/test_reports.py: the CSV read back with the csv module, the PDF's text with pypdf."""

from __future__ import annotations

from tests.documents.pdf_text import text as pdf_text
from tests.services import report_csv
from tests.services.test_reports import build_clinic
from tests.test_cli import hms


def test_report_help_lists_every_report(tmp_path):
    out = hms("report", "--help", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    from hms_desktop.services.reports import REPORTS

    assert len(REPORTS) == 20
    for info in REPORTS:
        assert f"  {info.name} " in out.stdout
    assert "csv,xlsx,pdf" in out.stdout
    for option in ("--specialty", "--cashier", "--payer", "--item"):
        assert option in out.stdout


def test_csv_and_pdf_reports_from_the_command_line(services, db_url, tmp_path):
    build_clinic(services)
    csv_file = tmp_path / "revenue.csv"
    made = hms("--database", db_url, "report", "revenue", "--from", "2030-01-07", "--to", "2030-01-08",
               "--format", "csv", "--out", str(csv_file), data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    notes, rows = report_csv.read(csv_file.read_text(encoding="utf-8"))
    assert notes == {"report": "Revenue per day", "period": "2030-01-07 to 2030-01-08"}
    assert rows == [
        ["Day", "Invoices", "Invoiced (INR)", "Discounts (INR)", "Credit notes (INR)", "Collected (INR)",
         "Refunds (INR)", "Net collected (INR)"],
        ["2030-01-07", "2", "1180.00", "20.00", "0.00", "1180.00", "80.00", "1100.00"],
        ["2030-01-08", "1", "500.00", "0.00", "0.00", "200.00", "0.00", "200.00"],
        ["Total", "3", "1680.00", "20.00", "0.00", "1380.00", "80.00", "1300.00"],
    ]
    # A doctor by name, to standard output.
    omar = hms("--database", db_url, "report", "appointments", "--from", "2030-01-07", "--to", "2030-01-08",
               "--doctor", "Dr Omar Khan", "--out", "-", data_dir=tmp_path)
    assert omar.returncode == 0, omar.stderr
    notes, rows = report_csv.read(omar.stdout)
    assert notes["doctor"] == "Dr Omar Khan"
    assert rows[1:] == [["Dr Omar Khan", "2", "1", "0", "0", "1", "1", "0.00"],
                        ["Total", "2", "1", "0", "0", "1", "1", "0.00"]]
    # XLSX: the same figures as numbers, for a spreadsheet.
    from tests.services import report_xlsx

    sheet = tmp_path / "waits.xlsx"
    made = hms("--database", db_url, "report", "waiting-by-doctor", "--from", "2030-01-07", "--to", "2030-01-08",
               "--format", "xlsx", "--out", str(sheet), data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    cells = report_xlsx.rows(sheet.read_bytes())
    assert cells[3] == ["Doctor", "Visits", "Median wait (minutes)", "90th percentile (minutes)",
                        "Longest (minutes)"]
    assert [row[:2] for row in cells[4:7]] == [["Dr Omar Khan", 1.0], ["Dr Priya Nair", 2.0], ["All visits", 3.0]]
    refused = hms("--database", db_url, "report", "revenue", "--from", "2030-01-07", "--to", "2030-01-08",
                  "--format", "xlsx", "--out", "-", data_dir=tmp_path)
    assert refused.returncode == 1 and "needs a file name" in refused.stderr
    pdf = tmp_path / "owed.pdf"
    printed = hms("--database", db_url, "report", "outstanding", "--from", "2030-01-01", "--to", "2030-01-08",
                  "--format", "pdf", "--out", str(pdf), data_dir=tmp_path)
    assert printed.returncode == 0, printed.stderr
    words = pdf_text(pdf.read_bytes())
    assert "OUTSTANDING BALANCES BY AGE" in words
    for expected in ("Ravi PatB1", "Meera PatC2", "John PatD3", "₹450.00", "₹630.00", "Over 90 days"):
        assert expected in words
    wrong = hms("--database", db_url, "report", "takings", "--from", "2030-01-08", "--to", "2030-01-07",
                "--out", "-", data_dir=tmp_path)
    assert wrong.returncode == 1 and "The last day is before the first" in wrong.stderr
    nobody = hms("--database", db_url, "report", "revenue", "--from", "2030-01-07", "--to", "2030-01-07",
                 "--doctor", "Dr Nobody", "--out", "-", data_dir=tmp_path)
    assert nobody.returncode == 1 and "No doctor is called" in nobody.stderr


def test_filters_from_the_command_line(services, db_url, tmp_path):
    from sqlalchemy import text

    build_clinic(services)
    with services.db.engine.connect() as conn:
        ada = conn.execute(text("SELECT id FROM staff_accounts WHERE full_name = 'Ada Admin'")).scalar_one()
        net = conn.execute(text(
            "SELECT (SELECT coalesce(sum(amount), 0) FROM payments WHERE received_by_id = :a AND method <> 'credit') - "
            "(SELECT coalesce(sum(amount), 0) FROM refunds WHERE refunded_by_id = :a)"), {"a": ada}).scalar_one()
    period = ("--from", "2030-01-01", "--to", "2030-01-08")
    # A cashier by part of the name, as CSV on standard output: the net takings are theirs.
    takings = hms("--database", db_url, "report", "takings", *period, "--cashier", "ada", "--out", "-",
                  data_dir=tmp_path)
    assert takings.returncode == 0, takings.stderr
    notes, rows = report_csv.read(takings.stdout)
    assert notes["cashier"] == "Ada Admin"
    assert {r[1] for r in rows[1:-1]} == {"Ada Admin"} and rows[-1][-1] == f"{net / 100:.2f}"
    # The filter named under the title of the PDF.
    pdf = tmp_path / "ada.pdf"
    printed = hms("--database", db_url, "report", "takings", *period, "--cashier", str(ada), "--format", "pdf",
                  "--out", str(pdf), data_dir=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert "Cashier: Ada Admin" in pdf_text(pdf.read_bytes())
    by_specialty = hms("--database", db_url, "report", "appointments-by-specialty", *period,
                       "--specialty", "General Medicine", "--out", "-", data_dir=tmp_path)
    assert by_specialty.returncode == 0, by_specialty.stderr
    notes, rows = report_csv.read(by_specialty.stdout)
    assert notes["specialty"] == "General Medicine" and [r[0] for r in rows[1:]] == ["General Medicine"]
    refused = hms("--database", db_url, "report", "revenue", *period, "--payer", "1", "--out", "-", data_dir=tmp_path)
    assert refused.returncode == 1 and "has no payer filter" in refused.stderr
    nobody = hms("--database", db_url, "report", "takings", *period, "--cashier", "Zed", "--out", "-",
                 data_dir=tmp_path)
    assert nobody.returncode == 1 and "No cashier is called 'Zed'" in nobody.stderr
