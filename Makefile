# One entry point for people and CI. Every target installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov

export TF_CLI_CONFIG_FILE := $(CURDIR)/terraform.rc
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CHECKOV := $(CURDIR)/$(CHECKOV_VENV)/bin/checkov

.PHONY: synth test install lock clean

## synth: synthesize every environment into cdktf.out/stacks/
synth: $(VENV)/.installed
	$(BIN)/python main.py

## test: the whole test suite (unit, terraform, end-to-end on moto, server, container)
test: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	$(BIN)/python -m pytest

install: $(VENV)/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: requirements/dev.lock mcp/requirements.lock mcp/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e mcp
	touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.lock
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/checkov.lock
	touch $@

## lock: re-pin every dependency after editing requirements/*.in or mcp/pyproject.toml
lock:
	rm -rf build/lock && mkdir -p build/lock
	$(PYTHON) -m venv build/lock/server && build/lock/server/bin/pip install --quiet ./mcp
	build/lock/server/bin/pip freeze --exclude workspace-mcp-server > mcp/requirements.lock
	$(PYTHON) -m venv build/lock/dev && build/lock/dev/bin/pip install --quiet -r requirements/dev.in
	build/lock/dev/bin/pip freeze > requirements/dev.lock
	$(PYTHON) -m venv build/lock/checkov && build/lock/checkov/bin/pip install --quiet -r requirements/checkov.in
	build/lock/checkov/bin/pip freeze > requirements/checkov.lock

clean:
	rm -rf cdktf.out .pytest_cache
