# Tradewind developer commands. `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test test-unit test-contracts lint synth bench lock clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP_PY): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	# The shared package is put on sys.path the way Lambda does it (/opt/python), not installed.
	printf '%s\n' "$(CURDIR)/layers/python" "$(CURDIR)/infra_cdk" "$(CURDIR)" \
	  > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/tradewind.pth"
	touch $@

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP_PY) $(STAMP_NPM)  ## Create the virtualenv and install the pinned npm tools

run: install  ## Start the local cloud (emulator, CDK stack, two anvil chains, API) in the foreground
	$(BIN)/python -m localcloud run

test: install lint test-contracts  ## Lint, type-check and run every test (contracts, unit, infrastructure, integration, e2e)
	$(BIN)/pytest -q

test-unit: install  ## Only the tests that need no local cloud
	$(BIN)/pytest -q tests/unit tests/infrastructure

test-contracts: install  ## The Foundry tests of contracts/ (forge with solc-js, offline)
	contracts/tools/forge-test.sh

lint: install  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/python infra_cdk functions tests bench

synth: install  ## Synthesise the CDK app into cdk.out/
	$(BIN)/python -m tradewind_cdk.app

bench: install  ## Print the benchmark figures (import times, API latency under load)
	$(BIN)/python -m bench

lock:  ## Re-pin requirements.lock from requirements.in in a throwaway venv
	rm -rf build/lock && $(PYTHON) -m venv build/lock
	build/lock/bin/pip install --quiet -r requirements.in
	(echo '# Generated from requirements.in with `make lock` (pip freeze of a fresh venv). Do not edit by hand.'; \
	 build/lock/bin/pip freeze --exclude-editable) > requirements.lock

clean:  ## Remove the virtualenv, npm tools and build output
	rm -rf $(VENV) node_modules cdk.out build .localcloud
