# civic311: `make run` runs the whole system locally; `make test` installs everything and runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.12; build the virtualenvs with the same version.
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
VENV := .venv
TOOLS := .venv-tools
PY := $(VENV)/bin/python
# sam build looks for python3.12 on PATH; the project virtualenv comes first.
export PATH := $(abspath $(VENV))/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-west-2

.PHONY: help install run test lint typecheck template build unit integration deploy clean

help:
	@echo "make run    - start the local stack (API on http://127.0.0.1:3000, AWS endpoint on :3001)"
	@echo "make test   - install everything, then lint, type-check, validate the template, run all tests"
	@echo "make build  - sam build (then: sam deploy --config-env prod)"

$(VENV)/.installed: requirements-dev.txt layers/domain/requirements.txt
	@test -n "$(PYTHON312)" || { echo "python3.12 is required (the Lambda runtime's version)"; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(TOOLS)/.installed: requirements-tools.txt
	@test -n "$(PYTHON312)" || { echo "python3.12 is required (the Lambda runtime's version)"; exit 1; }
	$(PYTHON312) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $@

install: $(VENV)/.installed $(TOOLS)/.installed

run: $(VENV)/.installed
	$(PY) -m local_stack

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy
	@# Every function is an app.py; check each on its own so the module names do not collide.
	@for handler in functions/*/app.py; do $(VENV)/bin/mypy --strict --follow-imports=silent $$handler || exit 1; done

template: $(TOOLS)/.installed
	$(TOOLS)/bin/cfn-lint template.yaml
	$(TOOLS)/bin/sam validate --lint

build: install
	$(TOOLS)/bin/sam build

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

integration: $(VENV)/.installed
	$(PY) -m pytest tests/integration -q

test: install lint typecheck template build unit integration

deploy: build
	$(TOOLS)/bin/sam deploy --config-env $(or $(ENV),dev)

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .local .pytest_cache .mypy_cache .ruff_cache
