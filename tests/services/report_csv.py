"""A report's CSV read back with the csv module, as a script would: the "#" lines before the
heading (what the report is, its period, the filters it was run with) apart from the table."""

from __future__ import annotations

import csv
import io


def read(text: str) -> tuple[dict[str, str], list[list[str]]]:
    """({"report": ..., "period": ..., "doctor": ...}, [heading row, rows..., total row])."""
    notes: dict[str, str] = {}
    table: list[list[str]] = []
    for row in csv.reader(io.StringIO(text)):
        if not table and len(row) == 1 and row[0].startswith("# "):
            key, _, value = row[0][2:].partition(": ")
            notes[key] = value
        else:
            table.append(row)
    return notes, table
