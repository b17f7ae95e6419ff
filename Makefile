# Lockwork: the two commands of the README are `make demo` and `make test`.
# Both create .venv and install what they need on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The app's vendored browser libraries, pinned in package-lock.json (pwa/vendor/README.md).
NODE_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint unit setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)

## Run the demo: server on SQLite with demo data on http://$(HOST):$(PORT), simulated locks and a
## gateway (serve) next to it; prints the gateway's pairing code; Ctrl-C stops all three
demo: $(STAMP)
	$(BIN)/python -m server.demo_stack --host $(HOST) --port $(PORT)

## Run every check and test (SQLite, and PostgreSQL when reachable; required with CI=true)
test: $(STAMP) $(NODE_STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest tests/unit

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
