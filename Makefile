# The project's one entry point. `make test` and `make run` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Two stamps: `make run` installs requirements-run.txt only; anything else needs the dev tools,
# which a later target adds to the same .venv.
RUN_STAMP := $(VENV)/.installed-run
VENV_STAMP := $(VENV)/.installed
RUN_REQUIREMENTS := requirements-run.txt ops/pyproject.toml layers/shared/requirements.txt functions/account_sync/requirements.txt \
	functions/get_account/requirements.txt
NODE_STAMP := node_modules/.installed
# sam build's output in .aws-sam/build (see the build target)
BUILD_STAMP := .aws-sam/build.stamp

.PHONY: test lint typecheck unit integration e2e run bench bench-readme lint-iac build clean openapi schemas ops

$(RUN_STAMP): $(RUN_REQUIREMENTS)
	test -x $(PY) || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip; }
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-run.txt
	touch $@

$(VENV_STAMP): requirements-dev.txt $(RUN_STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## test: lint, type-check, the template's checks and every test (unit, integration, e2e)
test: lint typecheck lint-iac unit integration e2e

lint: $(VENV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV_STAMP)
	$(BIN)/mypy layers/shared functions/get_account functions/account_sync local ops/mvno_ops tests bench tools

# Every folder of tests/ is in exactly one of these (tests/unit/test_test_layout.py checks it).
# unit: no process of its own besides pytest: the functions' code, the layer and template.yaml
#   (tests/unit), and make run's parts in process, AWS on in-process moto (tests/local).
# integration: the handlers on moto and on dynalite (a DynamoDB emulator, started by the tests),
#   and mvno-ops driven through its CLI (tests/ops).
# e2e: make run itself, started as a subprocess and used over HTTP and boto3.
UNIT_TESTS := tests/unit tests/local
INTEGRATION_TESTS := tests/integration tests/ops
E2E_TESTS := tests/e2e

unit: $(VENV_STAMP)
	$(BIN)/pytest $(UNIT_TESTS)

integration: $(VENV_STAMP) $(NODE_STAMP)
	$(BIN)/pytest $(INTEGRATION_TESTS)

e2e: $(VENV_STAMP) $(NODE_STAMP)
	$(BIN)/pytest $(E2E_TESTS)

## run: the whole service on an embedded AWS emulator (see README)
# Only local/ and the shared layer (the read model's schema: how demo tokens are hashed) on the path:
# each function runs in its own process with its code and layers (template.yaml).
# A start-up failure exits 2 after its one line, and make prints its own "*** ... Error 2" (README).
run: $(RUN_STAMP)
	@PYTHONPATH=local:layers/shared exec $(PY) -m mvno_local

## ops: the operations tool against a target, e.g. make ops ARGS="reconcile snapshot.jsonl --local"
# (docs/operations.md); .venv/bin/mvno-ops is the same command.
ops: $(RUN_STAMP)
	@$(BIN)/mvno-ops $(ARGS)

## openapi: docs/openapi.apigateway.yaml, the contract's routes as API Gateway imports them
# API Gateway takes OpenAPI 3.0 only; template.yaml includes this form of docs/openapi.yaml (3.1).
# A test fails when it is out of date.
openapi: $(VENV_STAMP)
	$(PY) tools/gateway_openapi.py

## schemas: docs/events/<DetailType>.schema.json, the change events' JSON Schemas, from Sync's models
# A test fails when they are out of date.
schemas: $(VENV_STAMP)
	PYTHONPATH=layers/shared:functions/account_sync $(PY) tools/change_event_schemas.py

## bench: the read path and the built artifact against the floor of the AWS SDK
# Fresh processes against a DynamoDB stubbed at botocore's before-send; prints the tables and
# writes them to .bench/RESULTS.md (ignored by git). BENCH_PROCESSES sets the number of fresh
# processes (default and minimum 7), BENCH_DELAY_MS the delay of each call in the round-trip rows.
BENCH_PATH := PYTHONPATH=.:layers/shared:functions/get_account:functions/account_sync:local:tests
bench: $(VENV_STAMP) $(BUILD_STAMP)
	$(BENCH_PATH) $(PY) -m bench.run

## bench-readme: the README's Performance table becomes the last `make bench`'s .bench/RESULTS.md
bench-readme: $(VENV_STAMP)
	$(BENCH_PATH) $(PY) -m bench.run --readme

## lint-iac: sam validate --lint, cfn-lint, checkov and sam build on template.yaml; what sam local would mount and set
# sam and checkov pin their own boto3/botocore, so each lives in an isolated uv tool environment
# under .tools/ instead of .venv. Their dependency trees are resolved as of IAC_TOOLS_AS_OF, so a
# fresh machine installs the same versions as the last one did.
TOOLS := $(CURDIR)/.tools
UV_VERSION := 0.13.8
SAM_CLI_VERSION := 1.170.0
CHECKOV_VERSION := 3.3.30
IAC_TOOLS_AS_OF := 2026-11-27T00:00:00Z
UV_STAMP := $(VENV)/.uv-$(UV_VERSION)
SAM_STAMP := $(TOOLS)/.sam-$(SAM_CLI_VERSION)
CHECKOV_STAMP := $(TOOLS)/.checkov-$(CHECKOV_VERSION)
UV_TOOL_INSTALL := UV_TOOL_DIR=$(TOOLS)/envs UV_TOOL_BIN_DIR=$(TOOLS)/bin UV_PYTHON_DOWNLOADS=never \
	$(BIN)/uv tool install --quiet --force --python 3.11 --exclude-newer $(IAC_TOOLS_AS_OF)
# sam needs a region and stays silent; PYENV_VERSION puts python3.13 (the functions' runtime) on PATH.
SAM := AWS_DEFAULT_REGION=eu-west-1 SAM_CLI_TELEMETRY=0 PYENV_VERSION=3.11.7:3.12.1:3.13.0 $(TOOLS)/bin/sam
CHECKOV := BC_SKIP_MAPPING=TRUE $(TOOLS)/bin/checkov
# SAM CLI's own interpreter, for tools/sam_local_check.py (what `sam local` would mount and set).
SAM_PYTHON := AWS_DEFAULT_REGION=eu-west-1 SAM_CLI_TELEMETRY=0 $(TOOLS)/envs/aws-sam-cli/bin/python
# What sam build packages: re-check only when the template or the code it builds changed.
# 2>/dev/null: sam build runs this Makefile from a scratch copy of one CodeUri, where these folders do not exist.
IAC_INPUTS := template.yaml Makefile docs/openapi.apigateway.yaml events/sam-local-env.json tools/sam_local_check.py $(shell find functions layers -type f \( -name '*.py' -o -name requirements.txt \) -not -path '*/__pycache__/*' 2>/dev/null)
IAC_STAMP := .aws-sam/lint-iac.stamp

$(UV_STAMP): | $(VENV_STAMP)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	touch $@

# Order-only on uv: a reinstalled .venv does not reinstall the tools.
$(SAM_STAMP): | $(UV_STAMP)
	$(UV_TOOL_INSTALL) aws-sam-cli==$(SAM_CLI_VERSION)
	touch $@

$(CHECKOV_STAMP): | $(UV_STAMP)
	$(UV_TOOL_INSTALL) checkov==$(CHECKOV_VERSION)
	touch $@

$(IAC_STAMP): $(IAC_INPUTS) $(VENV_STAMP) $(SAM_STAMP) $(CHECKOV_STAMP) $(BUILD_STAMP)
	$(SAM) validate --lint --template-file template.yaml
	$(BIN)/cfn-lint --include-checks I3011 -- template.yaml
	$(CHECKOV) --framework cloudformation --file template.yaml --quiet --compact --skip-download
	$(SAM_PYTHON) tools/sam_local_check.py
	touch $@

lint-iac: $(IAC_STAMP)

## build: sam build into .aws-sam/build, only when the template or the code it builds changed
# (the artifact's tests and make bench run this target, so they never see a stale build)
$(BUILD_STAMP): $(IAC_INPUTS) $(SAM_STAMP)
	$(SAM) build --template-file template.yaml --build-dir .aws-sam/build --cache-dir .aws-sam/cache --cached --parallel
	touch $@

build: $(BUILD_STAMP)

## sam build: each function and the layer has `BuildMethod: makefile` (template.yaml), so `sam build`
# runs `make build-<LogicalId>` from a scratch copy of its CodeUri/ContentUri with ARTIFACTS_DIR set.
# Lambda imports from read-only directories and compiles nothing it can keep: without bytecode in the
# zip, every cold start compiles every module it imports (issue 12 measured GetAccount's imports at
# 155-217 ms without .pyc, 68-75 ms with). unchecked-hash .pyc files are used whatever the files'
# timestamps, which zipping and unzipping do not preserve. Dependencies are the wheels of the
# functions' platform (template.yaml: python3.13 on arm64), as sam's own python builder would fetch.
LAMBDA_PYTHON := python3.13
LAMBDA_PIP_PLATFORM := --platform manylinux2014_aarch64 --implementation cp --python-version 3.13 --abi cp313 --only-binary=:all:

# $(1): the folder Lambda puts on sys.path (a layer's is python/ inside the zip).
define lambda_package
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run sam build, which sets it" >&2; exit 2; }
	mkdir -p $(1)
	tar --exclude=__pycache__ --exclude='*.pyc' -cf - . | tar -xf - -C $(1)
	if grep -qvE '^[[:space:]]*(#|$$)' requirements.txt 2>/dev/null; then \
		$(LAMBDA_PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile $(LAMBDA_PIP_PLATFORM) \
			--target $(1) -r requirements.txt; fi
	$(LAMBDA_PYTHON) -m compileall -q -f -j 0 --invalidation-mode unchecked-hash $(1)
endef

.PHONY: build-GetAccountFunction build-SyncFunction build-SharedLayer
build-GetAccountFunction build-SyncFunction:
	$(call lambda_package,$(ARTIFACTS_DIR))

build-SharedLayer:
	$(call lambda_package,$(ARTIFACTS_DIR)/python)

clean:
	rm -rf $(VENV) node_modules .aws-sam .tools .bench .pytest_cache .mypy_cache .ruff_cache
