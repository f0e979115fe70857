# Tutor Lakehouse: every target creates .venv and installs the project on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
LH     := $(VENV)/bin/lakehouse
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install test test-fast test-all test-slow lint format docs demo demo-s3 bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with dev extras

# One pytest worker per core (pytest-xdist); a module's tests stay on one worker, so its
# module-scoped lakes are built once. The modules go out longest first, as tests/conftest.py
# orders them from the last runs' durations (--no-loadscope-reorder keeps that order, instead of
# xdist's most-tests-first). WORKERS=0 runs them in this process.
WORKERS ?= auto

test: $(STAMP) ## Run the test suite (no network, no Docker; long simulations excluded)
	$(PY) -m pytest -m "not slow" -n $(WORKERS) --dist loadscope --no-loadscope-reorder

test-fast: test ## The fast lane: the same as `make test` (every test not marked slow)

test-all: $(STAMP) ## Run every test, the long simulations (marked slow) included
	$(PY) -m pytest

test-slow: $(STAMP) ## Run the slow lane (20 kills on a folder, 5 on S3, 1,000-read concurrency loops)
	$(PY) -m pytest -m slow

lint: $(STAMP) ## ruff lint + format check + the layer check (import-linter) + mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format: $(STAMP) ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

docs: $(STAMP) ## Regenerate the tables of docs/CONTRACTS.md from the contracts in the code
	LAKEHOUSE_UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/docs/test_contracts_doc.py

demo: $(STAMP) ## Run the whole chain on a local lake (./lake)
	$(PY) -m cli.demo --lake ./lake

demo-s3: $(STAMP) ## Run the demo against MinIO if it answers, else a local moto S3 server
	$(PY) -m cli.demo --s3

# bench/compare.py is left out: it compares this checkout with another one you name.
bench: $(STAMP) ## Run the benchmarks in bench/ (prints figures)
	@for f in bench/*.py; do [ $$f = bench/compare.py ] && continue; echo "== $$f"; $(PY) $$f || exit 1; done

clean: ## Remove the venv, the local lake and build outputs
	rm -rf $(VENV) lake exports reports build .pytest_cache .ruff_cache .mypy_cache
