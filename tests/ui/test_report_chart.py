"""The one chart the Reports and Dashboard tabs share: bar labels fit their bars."""

from __future__ import annotations

from datetime import date

from hms_desktop.services.reports.records import Column, Kind, ReportTable
from hms_desktop.ui.reports.report_chart import ReportChart

DOCTORS = ["Dr Priya Nair", "Dr Omar Khan", "Dr Bhavana Subramanian", "Dr Rahul Krishnamurthy",
           "Dr Kavya Raghunathan", "Dr Sanjay Venkataraman", "Dr Lakshmi Chandrasekhar", "Dr Arjun Ramaswamy"]


def _no_show_rates() -> ReportTable:
    return ReportTable(
        name="no-shows", title="No-show rate per doctor", day_from=date(2030, 1, 1), day_to=date(2030, 1, 30),
        columns=(Column("doctor", "Doctor"), Column("rate", "No-show rate", Kind.RATE)),
        rows=tuple((name, 500 + 100 * i) for i, name in enumerate(DOCTORS)), total=None,
        currency="INR", locale="en_IN", chart_label="doctor", chart_values=("rate",))


def test_names_too_long_for_their_bars_become_surnames_then_initials_all_alike(qtbot):
    chart = ReportChart()
    qtbot.addWidget(chart)
    chart.resize(1200, 300)
    chart.show()
    chart.show_table(_no_show_rates())
    # About 140 px a bar: the full names do not all fit, every surname does: surnames for all.
    surnames = [name.split()[-1] for name in DOCTORS]
    qtbot.waitUntil(lambda: chart.tick_labels == surnames)
    chart.resize(300, 300)
    # About 30 px a bar: every bar gets its initials, none a lone "…".
    qtbot.waitUntil(lambda: chart.tick_labels == ["PN", "OK", "BS", "RK", "KR", "SV", "LC", "AR"])
