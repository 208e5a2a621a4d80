# `make demo` and `make test` work on a fresh machine: they make .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ivr demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check ivr tests benchmarks
	$(BIN)/ruff format --check ivr tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy ivr

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/calls.py

format: $(STAMP)
	$(BIN)/ruff format ivr tests benchmarks
	$(BIN)/ruff check --fix ivr tests benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
