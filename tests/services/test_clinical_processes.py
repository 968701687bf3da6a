"""Desks as separate processes, on both databases: a doctor and nurses opening the same
appointment's visit at the same instant all get the one visit, and vitals entered from every desk
at once on the same version are saved once, the others told the visit changed."""

from __future__ import annotations

import multiprocessing

from hms_desktop.bootstrap import build_services
from hms_desktop.services.clinical import VitalsInput
from hms_desktop.services.errors import ConflictError
from tests.conftest import STAFF_PASSWORD, add_staff
from tests.services.conftest import Ward

DESKS = 4


def _desk(url: str, username: str, appointment_id: int, version: int | None, barrier, results) -> None:  # noqa: ANN001
    svc = build_services(url)
    try:
        svc.auth.sign_in(username, STAFF_PASSWORD)
        barrier.wait(timeout=60)
        if version is None:
            results.put(("opened", svc.clinical.open_for_appointment(appointment_id).id))
        else:
            visit_id = appointment_id
            try:
                svc.clinical.record_vitals(visit_id, version, VitalsInput(pulse_bpm=72))
                results.put(("saved", visit_id))
            except ConflictError as exc:
                results.put(("stale", exc.current.version))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(("error", repr(exc)))
    finally:
        svc.close()


def _run(url: str, names: list[str], target_id: int, version: int | None) -> list[tuple[str, object]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(names))
    results = ctx.Queue()
    procs = [ctx.Process(target=_desk, args=(url, n, target_id, version, barrier, results)) for n in names]
    for p in procs:
        p.start()
    out = [results.get(timeout=90) for _ in procs]
    for p in procs:
        p.join(30)
    return out


def test_desks_opening_and_writing_one_visit_at_once(ward: Ward):
    for n in range(DESKS - 2):
        add_staff(ward.admin, f"nurse{n}", "nurse")
    names = ["priya", "nina"] + [f"nurse{n}" for n in range(DESKS - 2)]
    url = ward.admin.db.url.render_as_string(hide_password=False)
    opened = _run(url, names, ward.appointment_id, None)
    assert {kind for kind, _ in opened} == {"opened"}, opened
    (visit_id,) = {vid for _, vid in opened}
    version = ward.doctor.clinical.get_visit(visit_id).version
    written = _run(url, names[1:], visit_id, version)
    assert sorted(kind for kind, _ in written) == ["saved"] + ["stale"] * (len(names) - 2), written
    assert len(ward.doctor.clinical.get_visit(visit_id).vitals) == 1
