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
	$(BIN)/mypy ivr tests benchmarks

# The browser tests (tests/ui) need a Chromium: without one they are skipped, said here
# plainly; IVR_REQUIRE_BROWSER=1 (CI) makes them fail instead.
CHROMIUM := $(or $(IVR_CHROMIUM),$(wildcard /usr/bin/chromium),$(shell command -v chromium 2>/dev/null))

unit: $(STAMP)
	@if [ -z "$(CHROMIUM)" ]; then echo "make test: no Chromium found, so the browser tests" \
	  "(tests/ui) are SKIPPED; apt-get install chromium to run them"; fi
	$(BIN)/pytest -n $(TEST_WORKERS)

# `make bench` takes long (a real-pace run of 1,000 calls, 1M scrub rows); BENCH_ARGS=--quick
# runs every step small.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

format: $(STAMP)
	$(BIN)/ruff format ivr tests benchmarks
	$(BIN)/ruff check --fix ivr tests benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
