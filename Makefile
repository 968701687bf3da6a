# HMS Desktop. A newcomer needs two commands:
#   make run    set everything up and start the application (local SQLite file, demo data offered)
#   make test   set everything up and run the whole test suite (SQLite and PostgreSQL)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test setup lock lint bench bundle screenshots clean

run: $(STAMP)
	$(BIN)/hms

test: $(STAMP)
	@scripts/ensure-postgres.sh
	$(BIN)/pytest -p no:cacheprovider --junitxml=build/test-results.xml $(PYTEST_ARGS)

setup: $(STAMP)

# The virtual environment, rebuilt when the pinned dependencies change. Bytecode is compiled at
# install: where PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile SQLAlchemy and the
# app from source on every start (1.9 s instead of 0.9 s to the login window on this machine).
$(STAMP): pyproject.toml requirements-dev.lock scripts/install-system-deps.sh
	scripts/install-system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip -q
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q -p $(BIN)/python --compile-bytecode -r requirements-dev.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q hms_desktop
	touch $@

# Re-pin every dependency after changing pyproject.toml.
lock:
	$(BIN)/uv pip compile -q pyproject.toml --extra dev -o requirements-dev.lock

lint: $(STAMP)
	$(BIN)/ruff check hms_desktop tests bench
	$(BIN)/lint-imports

bench: $(STAMP)
	@scripts/ensure-postgres.sh
	$(BIN)/python -m bench all

bundle: $(STAMP)
	scripts/build_bundle.sh

screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1280x800x24" $(BIN)/python scripts/screenshots.py shots/

clean:
	rm -rf build dist .pytest_cache
