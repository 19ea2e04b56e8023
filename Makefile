# Two entry points a new machine needs: `make run` and `make test`.
# Each creates .venv (Python 3.11+) and installs the locked versions (hashes checked) into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements-embedded.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements-embedded.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

.PHONY: run test lint bench lock audit
run: $(VENV)/.installed
	$(BIN)/vitaltrack serve

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

# After changing dependencies in pyproject.toml: re-resolve the locks (needs the index).
# requirements.lock: the server, as the image installs it; -embedded: plus the embedded
# PostgreSQL (make run); -dev: plus the test and lint tools (make test).
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -q
lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra embedded -o requirements-embedded.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

# Known vulnerabilities in the locked versions. --strict: a package it could not look up
# fails the audit ("could not check"), never a false "no known vulnerabilities".
audit: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --strict --requirement requirements-dev.lock --require-hashes \
		--progress-spinner off || { echo "audit FAILED: vulnerabilities found, or some packages could not be checked (see above)"; exit 1; }
