# One entry point for people and CI. Every target installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov

export TF_CLI_CONFIG_FILE := $(CURDIR)/terraform.rc
export CHECKOV := $(CURDIR)/$(CHECKOV_VENV)/bin/checkov

# jsii (CDKTF's Python binding) runs on Node. Node 20 is end of life, so when the machine's
# Node is older than 22 the project installs its own from the npm registry (the `node`
# package ships the official binary) and puts it first on PATH for every target below;
# modules/aws.py also picks it up when Python is started directly. .node-version is the one
# pin (CI's setup-node reads it too).
NODE_VERSION := $(shell cat .node-version)
NODE_DIR := .tools/node22
NODE_BIN := $(NODE_DIR)/node_modules/.bin
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(shell test "$(SYSTEM_NODE_MAJOR)" -lt 22 && echo old),old)
NODE := $(NODE_DIR)/.installed-$(NODE_VERSION)
export PATH := $(CURDIR)/$(NODE_BIN):$(PATH)
endif

.PHONY: synth test system-packages test-container e2e module outputs bench install lock clean node22 cdktn lint tool-definitions

## node22: the project's Node 22 for jsii (only when the machine's Node is older)
node22: $(NODE)
	@echo "jsii runs on $$(command -v node) $$(node --version)"

$(NODE_DIR)/.installed-$(NODE_VERSION):
	# The package's install script fetches the platform's binary (from the npm registry), so scripts must run.
	npm install --prefix $(NODE_DIR) --ignore-scripts=false --save-exact --no-audit --no-fund --loglevel=error \
	  node@$(NODE_VERSION)
	test "$$($(NODE_BIN)/node --version)" = v$(NODE_VERSION)
	touch $@

## synth: synthesize every environment into cdktf.out/stacks/
synth: $(VENV)/.installed $(NODE)
	$(BIN)/python main.py

## test: the whole test suite (unit, terraform, end-to-end on moto, server, container)
test: $(VENV)/.installed $(CHECKOV_VENV)/.installed system-packages $(NODE)
	$(BIN)/python -m pytest

# Command-line tools the runbook tests call (nginx and podman are installed by their own tests).
SYSTEM_TOOLS := jq openssl curl
system-packages:
	@missing=$$(for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || echo $$t; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; apt-get update -qq && apt-get install -y -qq $$missing; \
	fi

## lint: ruff lint and format check over the repository, mypy over modules/ and the server (pyproject.toml)
# Every check runs and reports; the target fails if any of them failed.
lint: $(VENV)/.installed
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

## test-container: only the image build and run with podman (root; installs podman, runc, debootstrap)
test-container: $(VENV)/.installed $(NODE)
	$(BIN)/python -m pytest -m container

## e2e: only the end-to-end apply of the local stack on moto
e2e: $(VENV)/.installed $(NODE)
	$(BIN)/python -m pytest -m e2e tests/infra/test_e2e.py

## module: regenerate the plain Terraform module in terraform/modules/google-workspace-mcp
module: $(VENV)/.installed $(NODE)
	$(BIN)/python -m modules.terraform_module

## outputs: a deployed stack's outputs as shell variables: eval "$$(make -s outputs ENV=production)"
ENV ?= production
outputs:
	@python3 scripts/stack_outputs.py $(ENV)

## tool-definitions: rewrite the tools' cached definitions (mcp/workspace_mcp_server/tools/definitions.json)
tool-definitions: $(VENV)/.installed
	$(BIN)/python -c 'from workspace_mcp_server.tools.definitions import main; raise SystemExit(main())'

## bench: benchmarks against the peer (workspace-mcp 2.2.1); QUICK=1 for the smoke mode
bench: $(VENV)/.installed $(NODE)
	$(BIN)/python -m benchmarks.run $(if $(QUICK),--quick)

## cdktn: the tried path to CDK Terrain: synthesize with cdktn in a throwaway venv (build/cdktn) and compare
# with CDKTF's output. Not in the locks: cdktn needs constructs < 10.8 and binds AWS provider 6.
CDKTN_VENV := build/cdktn
CDKTN_PACKAGES := cdktn==0.24.0 cdktn-provider-aws==25.8.1 constructs==10.7.2
cdktn: $(CDKTN_VENV)/.installed $(NODE)
	$(CDKTN_VENV)/bin/python -m pytest -p no:cacheprovider tests/infra/test_cdktn.py

$(CDKTN_VENV)/.installed: requirements/dev.lock
	test -x $(CDKTN_VENV)/bin/python || $(PYTHON) -m venv $(CDKTN_VENV)
	$(CDKTN_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/dev.lock
	$(CDKTN_VENV)/bin/pip install --quiet --disable-pip-version-check $(CDKTN_PACKAGES)
	touch $@

install: $(VENV)/.installed $(CHECKOV_VENV)/.installed $(NODE)

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
	rm -rf cdktf.out .pytest_cache .mypy_cache .ruff_cache
