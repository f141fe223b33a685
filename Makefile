# The two commands: `make run` and `make test` (README). Everything they need is installed here:
# the venv from pinned requirements, then `devstack install` (Kafka jars, FerretDB, Redis).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .local/venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := packages/events packages/runtime services/signup services/counter services/mailer services/console deploy/local
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: help setup run test lint unit integration e2e up down status bench faults-report clean catalogs messages

# The words of every page and email: one gettext domain, English the source (docs/languages.md).
CATALOGS := packages/runtime/src/mobilise_runtime/locale
POT := $(CATALOGS)/mobilise.pot
MO := $(patsubst %.po,%.mo,$(wildcard $(CATALOGS)/*/LC_MESSAGES/mobilise.po))
BABEL_KEYWORDS := -k N_ -k Nn_:1,2

help:
	@echo "make run    install what is missing, start the whole stack (Ctrl-C stops it);"
	@echo "            SCALE='counter-consumer=3 signup-api=2' runs replicas of processes"
	@echo "make test   install what is missing, then ruff, mypy and every test"
	@echo "make up | down | status    the local Kafka, FerretDB and Redis alone"

$(STAMP): requirements/runtime.txt requirements/dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "mobilise needs Python 3.11 (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements/dev.txt
	$(PIP) install --no-build-isolation -c requirements/runtime.txt $(addprefix -e ,$(PACKAGES))
	@touch $@

setup: $(STAMP) catalogs
	$(BIN)/devstack install

# Compiled at set-up (never committed); fuzzy entries are left out (tests/unit/test_catalogs.py).
catalogs: $(MO)
$(CATALOGS)/%/LC_MESSAGES/mobilise.mo: $(CATALOGS)/%/LC_MESSAGES/mobilise.po $(STAMP)
	$(BIN)/pybabel -q compile -D mobilise -d $(CATALOGS) -l $*

# After changing words in code or templates: the template and every catalog, updated.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg $(BABEL_KEYWORDS) --no-wrap --sort-by-file \
		--project=mobilise --copyright-holder="mobilise contributors" -o $(POT) .
	$(BIN)/pybabel -q update -D mobilise -i $(POT) -d $(CATALOGS) --no-wrap --ignore-obsolete

run: setup
	$(BIN)/devstack run $(if $(SCALE),$(addprefix --scale ,$(SCALE)))

lint: $(STAMP) catalogs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/devstack install --browser --deploy
	$(BIN)/pytest

unit: $(STAMP) catalogs
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/$@

e2e: setup
	$(BIN)/devstack install --browser --deploy
	$(BIN)/pytest tests/$@

up down status: setup
	$(BIN)/devstack $@

# docs/faults.md from a run of the fault suite (MOBILISE_FAULT_SEED=N replays one).
faults-report: setup
	rm -rf .local/faults-report
	MOBILISE_FAULTS_REPORT=.local/faults-report $(BIN)/pytest tests/faults -q
	$(BIN)/python -m tests.faults.report .local/faults-report docs/faults.md

bench: setup
	@command -v wrk >/dev/null || (apt-get -q update >/dev/null && apt-get -q install -y wrk >/dev/null)
	$(BIN)/python -m bench

# devstack clean: down, and the PostgreSQL cluster kept outside the checkout (if any) removed.
clean:
	-$(BIN)/devstack clean
	rm -rf .local
