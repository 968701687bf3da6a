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


def test_names_too_long_for_their_bars_become_surnames_then_initials(qtbot):
    chart = ReportChart()
    qtbot.addWidget(chart)
    chart.resize(1200, 300)
    chart.show()
    chart.show_table(_no_show_rates())
    qtbot.waitUntil(lambda: len(chart.tick_labels) == len(DOCTORS))
    qtbot.waitUntil(lambda: chart.tick_labels[0] in ("Dr Priya Nair", "Nair"))
    chart.resize(300, 300)
    # At 300 px each bar has about 30 px: no label is a lone "…"; the long names are initials.
    qtbot.waitUntil(lambda: "SV" in chart.tick_labels)
    assert all(label.strip("…") for label in chart.tick_labels), chart.tick_labels
    assert "PN" in chart.tick_labels or "Nair" in chart.tick_labels
