# Two entry points a new machine needs: `make run` and `make test`.
# Each creates .venv (Python 3.11+), installs the project into it, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

.PHONY: run test lint bench
run: $(VENV)/.installed
	$(BIN)/vitaltrack serve

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench
