"""Vitals: what each one is called, its unit, the range a reading can possibly have (outside it
the value is refused as a typing slip, with the range in the message) and the range a healthy
adult usually has (outside it the value is saved but flagged for the doctor's eye). Pure functions:
no database, so the visit screen can check a field as it is typed with the same rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from ..errors import ValidationError


@dataclass(frozen=True)
class VitalSign:
    field: str
    label: str
    unit: str
    plausible: tuple[float, float]  # refused outside
    usual: tuple[float, float] | None  # flagged outside (None: never flagged)
    decimals: int = 0


VITAL_SIGNS: tuple[VitalSign, ...] = (
    VitalSign("temperature_c", "Temperature", "°C", (30.0, 45.0), (36.0, 37.9), 1),
    VitalSign("pulse_bpm", "Pulse", "beats/min", (20, 250), (50, 110)),
    VitalSign("systolic_mmhg", "Blood pressure (systolic)", "mmHg", (50, 260), (90, 159)),
    VitalSign("diastolic_mmhg", "Blood pressure (diastolic)", "mmHg", (30, 160), (50, 99)),
    VitalSign("respiratory_rate", "Respiratory rate", "breaths/min", (4, 60), (10, 24)),
    VitalSign("spo2_percent", "SpO2", "%", (50, 100), (94, 100)),
    VitalSign("weight_kg", "Weight", "kg", (0.3, 350.0), None, 1),
    VitalSign("height_cm", "Height", "cm", (25.0, 250.0), None, 1),
)
BY_FIELD = {sign.field: sign for sign in VITAL_SIGNS}
BMI_USUAL = (18.5, 30.0)  # flagged outside


@dataclass(frozen=True)
class VitalsInput:
    """One set of readings; leave out what was not measured (None). At least one is needed."""

    temperature_c: float | None = None
    pulse_bpm: int | None = None
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    respiratory_rate: int | None = None
    spo2_percent: int | None = None
    weight_kg: float | None = None
    height_cm: float | None = None


def bmi(weight_kg: float | None, height_cm: float | None) -> float | None:
    """Body-mass index to one decimal, or None unless both are known."""
    if not weight_kg or not height_cm:
        return None
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


def _show(sign: VitalSign, value: float) -> str:
    return f"{value:.{sign.decimals}f}"


def check_vitals(values: VitalsInput) -> dict[str, float | int | None]:
    """The values to store, rounded to what each column keeps; ValidationError naming each field
    that cannot be right, with its plausible range."""
    problems: dict[str, str] = {}
    cleaned: dict[str, float | int | None] = {}
    for f in fields(values):
        sign = BY_FIELD[f.name]
        raw = getattr(values, f.name)
        if raw is None:
            cleaned[f.name] = None
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            problems[f.name] = f"{sign.label}: enter a number."
            continue
        value = round(float(raw), sign.decimals)
        low, high = sign.plausible
        if not low <= value <= high:
            problems[f.name] = (
                f"{sign.label} {_show(sign, value)} {sign.unit} cannot be right: a reading lies between "
                f"{_show(sign, low)} and {_show(sign, high)} {sign.unit}. Please check what was typed."
            )
            continue
        cleaned[f.name] = value if sign.decimals else int(value)
    sys_, dia = cleaned.get("systolic_mmhg"), cleaned.get("diastolic_mmhg")
    if sys_ is not None and dia is not None and dia >= sys_:
        problems["diastolic_mmhg"] = (
            f"Blood pressure {sys_}/{dia} mmHg cannot be right: the diastolic (lower) figure must be below "
            "the systolic one."
        )
    if (sys_ is None) != (dia is None) and "systolic_mmhg" not in problems and "diastolic_mmhg" not in problems:
        missing = "diastolic_mmhg" if dia is None else "systolic_mmhg"
        problems[missing] = "Blood pressure needs both figures, systolic and diastolic."
    if not problems and all(v is None for v in cleaned.values()):
        problems[""] = "Enter at least one reading."
    if problems:
        raise ValidationError(problems)
    return cleaned


def flags(values: dict[str, float | int | None]) -> tuple[str, ...]:
    """Plain-words notes on readings outside the usual adult range (saved, but worth a look)."""
    notes = []
    for sign in VITAL_SIGNS:
        value = values.get(sign.field)
        if value is None or sign.usual is None:
            continue
        low, high = sign.usual
        if value < low:
            notes.append(f"{sign.label} {_show(sign, value)} {sign.unit} is low (usual {_show(sign, low)}"
                         f"–{_show(sign, high)}).")
        elif value > high:
            notes.append(f"{sign.label} {_show(sign, value)} {sign.unit} is high (usual {_show(sign, low)}"
                         f"–{_show(sign, high)}).")
    index = bmi(values.get("weight_kg"), values.get("height_cm"))  # type: ignore[arg-type]
    if index is not None and not BMI_USUAL[0] <= index <= BMI_USUAL[1]:
        word = "low" if index < BMI_USUAL[0] else "high"
        notes.append(f"BMI {index:.1f} is {word} (usual {BMI_USUAL[0]}–{BMI_USUAL[1]:.0f}).")
    return tuple(notes)


def describe_readings(values: Mapping[str, float | int | None]) -> str:
    """One set of readings in words: "Temperature 38.4 °C · Pulse 96 beats/min · BP 128/84 mmHg ·
    Weight 70.5 kg · BMI 26.5" (what was not measured is left out); the screens and the visit summary."""
    parts = []
    for sign in VITAL_SIGNS:
        value = values.get(sign.field)
        if value is None or sign.field == "diastolic_mmhg":
            continue
        if sign.field == "systolic_mmhg":
            parts.append(f"BP {value}/{values.get('diastolic_mmhg')} mmHg")
        else:
            parts.append(f"{sign.label} {_show(sign, value)} {sign.unit}")
    index = bmi(values.get("weight_kg"), values.get("height_cm"))  # type: ignore[arg-type]
    if index is not None:
        parts.append(f"BMI {index:.1f}")
    return " · ".join(parts)

