"""An XLSX read back with the standard library (the archive's XML), so a test sees the cells a
spreadsheet would: shared strings resolved, numbers as floats, row by row."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def rows(data: bytes) -> list[list[object]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    out: list[list[object]] = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        out.extend([] for _ in range(int(row.get("r", "1")) - 1 - len(out)))  # rows with no cells
        cells: list[object] = []
        for c in row.findall("m:c", NS):
            column = re.match(r"[A-Z]+", c.get("r", "A")).group(0)  # type: ignore[union-attr]
            index = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(column))) - 1
            cells.extend([""] * (index - len(cells)))
            v = c.find("m:v", NS)
            value: object = "" if v is None else v.text
            if c.get("t") == "s":
                value = shared[int(value)]  # type: ignore[arg-type]
            elif value != "":
                value = float(value)  # type: ignore[arg-type]
            cells.append(value)
        out.append(cells)
    return out


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.namelist()
