#!/usr/bin/env bash
# Build the one-folder bundle dist/hms/ from hms.spec (about a minute), then check it starts.
# Full check afterwards:  HMS_TEST_BUNDLE=1 .venv/bin/pytest -q tests/test_bundle.py
set -euo pipefail
cd "$(dirname "$0")/.."

PYINSTALLER=.venv/bin/pyinstaller
if [[ ! -x $PYINSTALLER ]]; then
    echo "build_bundle: $PYINSTALLER not found; install the dev extras: uv pip install -p .venv/bin/python -e '.[dev]'" >&2
    exit 1
fi

# hms.spec imports hms_desktop and Faker to decide what to keep; point their data dir somewhere
# throw-away so a build never touches a real one.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export HMS_DATA_DIR="$scratch"

rm -rf dist/hms
"$PYINSTALLER" --noconfirm --clean --log-level WARN hms.spec

version="$(dist/hms/hms --version)"
echo "Built dist/hms/ ($(du -sh dist/hms | cut -f1)): $version"
