# `make demo` and `make test` work on a fresh machine: they make .venv and install what they need.
# `make demo` installs only the package (what `ivr demo` needs); `make test` adds the test tools.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
# pytest-xdist workers for `make test` (the suite's ports and folders are per test).
TEST_WORKERS ?= 2

.PHONY: demo test lint typecheck unit bench format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[test]'
	touch $(STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/ivr demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check ivr tests benchmarks
	$(BIN)/ruff format --check ivr tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy ivr

unit: $(STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/calls.py

format: $(STAMP)
	$(BIN)/ruff format ivr tests benchmarks
	$(BIN)/ruff check --fix ivr tests benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
