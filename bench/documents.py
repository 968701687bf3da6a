"""How long printed documents take to render: each document type, first render and warm.

    .venv/bin/python -m bench documents               # 50 warm runs of each
    .venv/bin/python -m bench documents --runs 200

* first render: in a fresh Python process, import and render one receipt (fonts parsed and
  registered, styles made): what the first print of the day costs on the worker thread.
* warm: the same document rendered again and again in this process; PDF bytes from the
  dataclasses, fonts subset into each PDF. Names in several scripts are on every document.

Target: an 80 mm receipt well under 30 ms median warm. Results go to bench/results/documents-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import patients as patient_bench
from bench.common import logger, p95, scratch_environment

RECEIPT_TARGET_MS = 30.0
ROOT = Path(__file__).resolve().parent.parent


def documents() -> dict[str, Callable[[], bytes]]:
    from hms_desktop.services.documents import (
        Paper,
        render_appointment_slip,
        render_invoice,
        render_receipt,
        render_shift_closure,
        stamp_copy,
    )
    from tests.documents import samples

    names = samples.NAMES
    patient = f"{names['latin']} {names['devanagari']}"
    receipt, invoice = samples.receipt(patient=patient), samples.invoice(patient=f"{names['arabic']} {names['cjk']}")
    long_invoice, closure = samples.invoice(200), samples.closure()
    archived = render_receipt(receipt, Paper.ROLL_80MM)
    return {
        "receipt 80 mm": lambda: render_receipt(receipt, Paper.ROLL_80MM),
        "receipt A5": lambda: render_receipt(receipt, Paper.A5),
        "receipt A4": lambda: render_receipt(receipt, Paper.A4),
        "invoice A4, 5 lines": lambda: render_invoice(invoice),
        "invoice A4, 200 lines": lambda: render_invoice(long_invoice),
        "shift closure A4": lambda: render_shift_closure(closure, Paper.A4),
        "shift closure 80 mm": lambda: render_shift_closure(closure, Paper.ROLL_80MM),
        "appointment slip A6": lambda: render_appointment_slip(samples.slip(patient=patient)),
        "COPY stamp on a receipt": lambda: stamp_copy(archived, "16 Mar 2024 10:05"),
    }


FIRST_RENDER = """
import time
started = time.perf_counter()
from hms_desktop.services.documents import Paper, render_receipt
from tests.documents import samples
render_receipt(samples.receipt(), Paper.ROLL_80MM)
print((time.perf_counter() - started) * 1000)
"""


def first_render_ms(runs: int) -> list[float]:
    return [float(subprocess.run([sys.executable, "-c", FIRST_RENDER], cwd=ROOT, check=True, capture_output=True,
                                 text=True).stdout) for _ in range(runs)]


def warm_ms(render: Callable[[], bytes], runs: int) -> tuple[list[float], int]:
    size = len(render())  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        render()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, size


def stats(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "p95": p95(samples), "min": min(samples)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench documents", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="warm renders of each document (default 50)")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes for the first render (default 3)")
    args = parser.parse_args(argv)
    scratch = scratch_environment("hms-bench-documents-")
    log = logger("bench.documents")
    report: dict[str, Any] = {"bench": "documents", "runs": args.runs, "environment": patient_bench.environment(),
                              "targets": {"receipt_80mm_ms": RECEIPT_TARGET_MS}, "documents": {}}
    try:
        log("timing the first render in fresh processes")
        cold = first_render_ms(args.cold_runs)
        report["first_receipt_in_new_process_ms"] = stats(cold)
        print(f"\nfirst 80 mm receipt in a new process (imports included)  median {statistics.median(cold):.0f} ms")
        print(f"warm, {args.runs} runs each:")
        for name, render in documents().items():
            log(f"timing {name}")
            samples, size = warm_ms(render, args.runs)
            report["documents"][name] = {**stats(samples), "bytes": size}
            print(f"  {name:<26} median {statistics.median(samples):6.1f} ms  p95 {p95(samples):6.1f} ms  "
                  f"{size / 1024:6.1f} KiB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    receipt = report["documents"]["receipt 80 mm"]["median"]
    print(f"  target: 80 mm receipt median < {RECEIPT_TARGET_MS:g} ms: {'met' if receipt < RECEIPT_TARGET_MS else 'MISSED'}")
    output = patient_bench.RESULTS_DIR / f"documents-{datetime.now():%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"Results: {output}")
    return 0 if receipt < RECEIPT_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
