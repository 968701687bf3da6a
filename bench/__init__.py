"""Benchmarks for HMS Desktop. Run from the repository root, e.g. ``.venv/bin/python -m bench.patients``."""
