"""Vitals rules on their own (no database): refused outside the plausible range with the range in
the message, flagged outside the usual one, BMI derived."""

from __future__ import annotations

import pytest

from hms_desktop.services.clinical import VitalsInput
from hms_desktop.services.clinical.vitals import bmi, check_vitals, flags
from hms_desktop.services.errors import ValidationError


@pytest.mark.parametrize(("field", "value", "words"), [
    ("temperature_c", 73.0, "between 30.0 and 45.0 °C"),
    ("pulse_bpm", 400, "between 20 and 250 beats/min"),
    ("spo2_percent", 101, "between 50 and 100 %"),
    ("respiratory_rate", 2, "between 4 and 60 breaths/min"),
    ("weight_kg", 700.0, "between 0.3 and 350.0 kg"),
    ("height_cm", 1.7, "between 25.0 and 250.0 cm"),
])
def test_implausible_values_are_refused_with_the_range(field, value, words):
    with pytest.raises(ValidationError) as caught:
        check_vitals(VitalsInput(**{field: value}))
    assert set(caught.value.fields) == {field}
    assert words in caught.value.fields[field] and "cannot be right" in caught.value.fields[field]


def test_blood_pressure_needs_both_figures_in_order():
    with pytest.raises(ValidationError) as caught:
        check_vitals(VitalsInput(systolic_mmhg=80, diastolic_mmhg=120))
    assert "below the systolic" in caught.value.fields["diastolic_mmhg"]
    with pytest.raises(ValidationError) as caught:
        check_vitals(VitalsInput(systolic_mmhg=120))
    assert "both figures" in caught.value.fields["diastolic_mmhg"]


def test_nothing_measured_is_refused():
    with pytest.raises(ValidationError) as caught:
        check_vitals(VitalsInput())
    assert caught.value.fields == {"": "Enter at least one reading."}


def test_borderline_values_are_kept_and_flagged():
    values = check_vitals(VitalsInput(temperature_c=38.64, pulse_bpm=72, systolic_mmhg=172, diastolic_mmhg=95,
                                      spo2_percent=91, weight_kg=82.0, height_cm=170.0))
    assert values["temperature_c"] == 38.6 and values["pulse_bpm"] == 72
    notes = flags(values)
    assert "Temperature 38.6 °C is high (usual 36.0–37.9)." in notes
    assert "Blood pressure (systolic) 172 mmHg is high (usual 90–159)." in notes
    assert "SpO2 91 % is low (usual 94–100)." in notes
    assert not any(n.startswith(("Pulse", "Blood pressure (diastolic)")) for n in notes)
    assert bmi(82.0, 170.0) == 28.4 and not any(n.startswith("BMI") for n in notes)
    assert flags({"weight_kg": 120.0, "height_cm": 170.0}) == ("BMI 41.5 is high (usual 18.5–30).",)


def test_a_normal_set_has_no_flags():
    values = check_vitals(VitalsInput(36.8, 70, 118, 76, 14, 98, 60.0, 165.0))
    assert flags(values) == ()
