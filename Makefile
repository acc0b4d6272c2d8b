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

.PHONY: help install run test lint typecheck template build unit local-stack integration chromium browser screenshots faults fuzz auth hostile privacy abuse eval triage-model openapi bench load directory-import call deploy clean

help:
	@echo "make run    - start the local stack (API on http://127.0.0.1:3000, AWS endpoint on :3001)"
	@echo "make test   - install everything, then lint, type-check, validate the template, run all tests; a table at the end"
	@echo "make browser - the resident page and staff console in headless chromium (installs Debian's chromium)"
	@echo "make screenshots - retake the README's pictures of the resident page and the staff console"
	@echo "make privacy - sensitive requests through every channel, then every public route crawled for their words and points"
	@echo "make build  - sam build (then: sam deploy --config-env prod)"
	@echo "make eval   - triage quality on every labelled set, never-trained ones first (DATA=file.jsonl for one)"
	@echo "make triage-model - retrain triage's statistical second opinion after changing labelled data or rules"
	@echo "make openapi - regenerate the OpenAPI document DocsFunction serves after changing routes or models"
	@echo "make bench  - cold init, warm POST, DynamoDB calls per operation and cost per call, each against its target"
	@echo "make load   - 1,000 concurrent Open311 intakes on the local stack: accepted, stored, lost, latency (COUNT=n, CLIENTS=n)"
	@echo "make directory-import DIR=<folder> - validate a directory package and load it into the running local stack"
	@echo "make call   - call the 311 phone line in the terminal (needs make run); SCRIPT=file plays a scripted call"

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
	@$(PY) -m local_stack

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# The architecture (pyproject.toml's import-linter contracts): no import cycles, no layer importing one above it.
	PYTHONPATH=layers/domain $(VENV)/bin/lint-imports

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy
	@# Every function is an app.py; check each on its own so the module names do not collide.
	@for handler in functions/*/app.py; do $(VENV)/bin/mypy --strict --follow-imports=silent $$handler || exit 1; done

template: $(TOOLS)/.installed
	$(TOOLS)/bin/cfn-lint template.yaml
	$(TOOLS)/bin/sam validate --lint
	@# Every skip carries its reason next to the resource in template.yaml.
	BC_SKIP_MAPPING=TRUE $(TOOLS)/bin/checkov --quiet --compact --framework cloudformation -f template.yaml

build: install
	$(TOOLS)/bin/sam build

# The use cases' rules on in-memory adapters (tests/fakes/); handlers and adapters on moto's in-process mocks. Two
# processes (pytest-xdist), each taking whole modules, so a module's tests still share its stack; the suite is CPU-bound.
unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q -n 2 --dist loadfile

# The local stack's own parts (limits, seams, alarms, the Location emulator...) and the test stage runner.
local-stack: $(VENV)/.installed
	$(PY) -m pytest tests/local_stack -q

integration: $(VENV)/.installed
	$(PY) -m pytest tests/integration -q

# The browser tests drive Debian's chromium through playwright; playwright never downloads a browser here.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo -n)

chromium:
	@test -x $(CHROMIUM) || { \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# Screenshots of each flow are kept in test-artifacts/browser/.
browser: $(VENV)/.installed chromium
	$(PY) -m pytest tests/browser -q

# The README's two pictures: the browser tests take them (test-artifacts/browser/readme/); this copies them in.
SCREENSHOTS := docs/screenshots
screenshots: $(VENV)/.installed chromium
	$(PY) -m pytest tests/browser/test_readme_screenshots.py -q
	mkdir -p $(SCREENSHOTS) && cp test-artifacts/browser/readme/*.png $(SCREENSHOTS)/

# Each starts a local stack of its own. faults: 1,000 emergencies under injected DynamoDB and SNS faults.
faults: $(VENV)/.installed
	$(PY) -m pytest tests/faults -q

fuzz: $(VENV)/.installed
	$(PY) -m pytest tests/fuzz -q

auth: $(VENV)/.installed
	$(PY) -m pytest tests/auth -q

# Hostile text in every field of every channel, deep and huge bodies, a DynamoDB and SNS that hang, a Step Functions
# that refuses: never a 5xx, never an echo of the input, never past a function's timeout. About two minutes.
hostile: $(VENV)/.installed
	$(PY) -m pytest tests/hostile -q

# Its own local stack: sensitive requests through every channel, then every public route read with no key.
privacy: $(VENV)/.installed
	$(PY) -m pytest tests/privacy -q

# Quotas and throttles, texts to untrusted numbers and staff sign-in, tried as an attacker would.
abuse: $(VENV)/.installed
	$(PY) -m pytest tests/abuse -q

# The stages `make test` runs, in order, each a target above; a table of how each went closes the run. Every stage
# runs even when one fails, and the run fails if any did. A new suite: its target, and its name on this list.
TEST_STAGES := lint typecheck template build unit local-stack integration browser faults fuzz auth hostile privacy abuse

test: install
	@$(PY) -m tests.stages --make "$(MAKE)" $(TEST_STAGES)

# Triage quality for en, es and all; fails below the targets. DATA=file.jsonl measures another labelled set; CV=1
# measures each training file with a model trained without it instead.
eval: $(VENV)/.installed
	PYTHONPATH=layers/domain $(PY) -m civic311.triage.$(if $(CV),crossval,evaluation $(DATA))

# Retrain the second opinion (scikit-learn, dev only) from the tuned sets and write its weights into the package;
# a unit test fails until this runs after any change to the training files, the rules or the featurizer.
triage-model: $(VENV)/.installed
	PYTHONPATH=layers/domain $(PY) -m civic311.triage.train

# Regenerate the OpenAPI document DocsFunction serves; a unit test fails until this runs after any change to the
# routes or their models.
openapi: $(VENV)/.installed
	PYTHONPATH=layers/domain $(PY) -m civic311.channels.openapi functions/docs/openapi.json

# Starts its own local stack in-process; a few minutes.
bench: $(VENV)/.installed
	PYTHONPATH=layers/domain:. $(PY) -m tests.bench.report

# Uses the stack `make run` started if it answers, else starts one; a few minutes.
load: $(VENV)/.installed
	PYTHONPATH=layers/domain:. $(PY) -m tests.load.intakes $(if $(COUNT),--count $(COUNT)) $(if $(CLIENTS),--concurrency $(CLIENTS))

LOCAL_OUTPUTS := .local/outputs.json

# Loads into the stack `make run` started (its outputs file names the table and the endpoint); says so when none runs.
directory-import: $(VENV)/.installed
	@test -n "$(DIR)" || { echo "usage: make directory-import DIR=<package folder>"; exit 2; }
	@found=$$($(PY) -m local_stack.running --outputs $(LOCAL_OUTPUTS) --print DirectoryTableName aws_endpoint region) \
		|| exit 2; read -r table endpoint region <<< "$$found" && \
	AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local PYTHONPATH=layers/domain \
		$(PY) -m civic311.channels.directory_cli import "$(DIR)" --table "$$table" --endpoint-url "$$endpoint" --region "$$region"

# Plays the contact flow from template.yaml against the stack `make run` started. SCRIPT=tests/data/calls/pothole.call
# plays a scripted call and checks its `# expect:` lines; FROM=+1... and AT=2026-12-01T20:30 set the caller and time.
call: $(VENV)/.installed
	@PYTHONPATH=layers/domain $(PY) -m local_stack.call_scripts --outputs $(LOCAL_OUTPUTS) \
		$(if $(SCRIPT),--script "$(SCRIPT)") $(if $(FROM),--from "$(FROM)") $(if $(AT),--at "$(AT)")

deploy: build
	$(TOOLS)/bin/sam deploy --config-env $(or $(ENV),dev)

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .local .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache
