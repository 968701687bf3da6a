"""The shared keyset paging of the long lists (ui/common/paged_table_model.py): one request at a time,
a page for an older query dropped, a row moved between pages shown once, and what a failed page does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt

from hms_desktop.ui.common.paged_table_model import PagedTableModel


@dataclass(frozen=True)
class Row:
    id: int
    name: str


class Names(PagedTableModel):
    headers = {0: "Name"}

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:  # type: ignore[no-untyped-def]
        row = self.row_item(index)
        return row.name if row is not None and role == Qt.ItemDataRole.DisplayRole else None


def test_pages_come_one_request_at_a_time_and_an_older_querys_page_is_dropped(qtbot, qtmodeltester):
    model = Names()
    asked: list[object] = []
    model.more_wanted.connect(asked.append)
    old = model.start()
    new = model.start()
    assert not model.canFetchMore() and model.loading
    assert not model.add_page(old, [Row(9, "stale")], (9,))
    assert model.rowCount() == 0
    assert model.add_page(new, [Row(1, "Asha"), Row(2, "Ravi")], (2,))
    assert model.has_more and not model.loading
    model.fetchMore()
    model.fetchMore()  # the view asks on every scroll: still one request
    assert asked == [(2,)]
    assert model.add_page(new, [Row(2, "Ravi"), Row(3, "Meera")], None)  # Ravi moved between pages
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["Asha", "Ravi", "Meera"]
    assert not model.has_more and not model.canFetchMore()
    qtmodeltester.check(model)


def test_a_failed_page_stops_paging_or_is_asked_again_later(qtbot):
    stops = Names()
    generation = stops.start()
    stops.add_page(generation, [Row(1, "Asha")], (1,))
    stops.fetchMore()
    stops.page_failed(generation)
    assert not stops.canFetchMore() and not stops.loading

    class Retries(Names):
        stop_after_failure = False

    retries = Retries()
    generation = retries.start()
    retries.add_page(generation, [Row(1, "Asha")], (1,))
    retries.fetchMore()
    retries.page_failed(generation - 1)  # an older query's failure changes nothing
    assert retries.loading
    retries.page_failed(generation)
    assert retries.canFetchMore() and not retries.loading
