# The two commands: `make run` and `make test` (README). Everything they need is installed here:
# the venv from pinned requirements, then `devstack install` (Kafka jars, FerretDB, Redis).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .local/venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := packages/events packages/runtime services/signup services/counter services/mailer deploy/local
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: help setup run test lint unit integration e2e up down status bench faults-report clean

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

setup: $(STAMP)
	$(BIN)/devstack install

run: setup
	$(BIN)/devstack run $(if $(SCALE),$(addprefix --scale ,$(SCALE)))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/devstack install --browser --deploy
	$(BIN)/pytest

unit: $(STAMP)
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

clean:
	-$(BIN)/devstack down
	rm -rf .local
