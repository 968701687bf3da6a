"""``python -m bench`` (what ``make bench`` runs): the patient search benchmark, bench/patients.py.

A first argument chooses another bench; the rest pass through to it:

    python -m bench                                   # patients (bench/patients.py), as before
    python -m bench --patients 20000 --db sqlite      # the same, arguments passed through
    python -m bench patients --db sqlite              # the same, named
    python -m bench scheduling --db postgresql        # the scheduler: reads and booking throughput
    python -m bench ui --runs 10                      # start-up and first rows on screen (bench/ui.py)
    python -m bench documents                         # PDF render times: receipts, invoices (bench/documents.py)
    python -m bench billing --db postgresql           # Billing tab over 1,000,000 invoices, receipts, 8 issuing desks
    python -m bench clinical                          # ICD-10 search per keystroke (bench/clinical.py)
    python -m bench history --db sqlite               # a patient history of 500 visits, 2,000 documents (bench/history.py)
    python -m bench reports --db sqlite               # every report over a year, the dashboard (bench/reports.py)
    python -m bench all                               # patients, scheduling, then ui, each with its defaults

With ``all`` no further arguments are accepted (the benches take different ones). The exit status
is the first non-zero one of the benches run.
"""

import sys

BENCHES = ("patients", "scheduling", "ui")
OTHER_BENCHES = ("documents", "billing", "clinical", "history", "reports")  # not in "all": documents needs no clinic; billing builds its own


def _run(name: str, argv: list[str]) -> int:
    if name == "patients":
        from bench.patients import main
    elif name == "scheduling":
        from bench.scheduling import main
    elif name == "documents":
        from bench.documents import main
    elif name == "billing":
        from bench.billing import main
    elif name == "clinical":
        from bench.clinical import main
    elif name == "reports":
        from bench.reports import main
    elif name == "history":
        from bench.history import main
    else:
        from bench.ui import main
    return main(argv)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "all":
        if argv[1:]:
            print("python -m bench all takes no further arguments; run the benches one by one to pass some.",
                  file=sys.stderr)
            return 2
        statuses = [_run(name, []) for name in BENCHES]
        return next((s for s in statuses if s), 0)
    if argv and argv[0] in BENCHES + OTHER_BENCHES:
        return _run(argv[0], argv[1:])
    return _run("patients", argv)


sys.exit(main(sys.argv[1:]))
