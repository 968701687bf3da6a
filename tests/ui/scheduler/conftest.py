"""The Scheduler tab's fixtures: a clinic with one doctor and four patients, and the tab open on it.

make_patients names the patients "Asha PatA0", "Ravi PatB1", "Meera PatC2", "John PatD3".
"""

from __future__ import annotations

import pytest

from tests.services.conftest import fix_clock, make_doctor, make_patients
from tests.ui.scheduler.helpers import open_tab


@pytest.fixture
def clinic(services):
    fix_clock(services)
    doctor = make_doctor(services)
    patients = make_patients(services, 4)
    return services, doctor, patients


@pytest.fixture
def tab(qtbot, clinic, runner):
    services, _doctor, _patients = clinic
    return open_tab(qtbot, services, runner)
