"""``hms patient export --mrn MRN --format fhir --out FILE``: one patient's record as a FHIR R4
Bundle (JSON), for another system to read."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from .bootstrap import Services


def add_patient_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    patient = sub.add_parser("patient", help="export a patient's record")
    patient_sub = patient.add_subparsers(dest="patient_command", metavar="TASK", required=True)
    export = patient_sub.add_parser("export", help="write one patient's record to a file (FHIR R4 Bundle, JSON)")
    export.add_argument("--mrn", required=True, metavar="MRN", help="the patient's MRN")
    export.add_argument("--format", choices=("fhir",), default="fhir", help="the file format (fhir: FHIR R4 JSON)")
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")


def run_patient_command(services: Services, args: argparse.Namespace) -> int:
    bundle = services.fhir.patient_bundle(args.mrn)
    out = Path(args.out)
    # Written beside the target and renamed, so a half-written file never stands under its name.
    fd, temp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(bundle, handle, ensure_ascii=False, indent=2)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    kinds: dict[str, int] = {}
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        kinds[kind] = kinds.get(kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in kinds.items())
    print(f"Wrote {out} (FHIR R4 Bundle: {summary})", file=sys.stderr)
    return 0
