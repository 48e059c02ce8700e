# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP  := $(VENV)/.synced-$(UV_VERSION)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test setup demo lint bench chromium postgresql clean

## Start the dashboard on http://127.0.0.1:8501 (loads the demo portfolio into an empty store).
## Without accounts it opens in open demo mode (PMO_AUTH=open): for this machine only, never a network.
run: demo chromium
	PMO_AUTH=$${PMO_AUTH:-open} $(BIN)/python -m ui.serve --server.headless true --server.address 127.0.0.1 --server.port 8501

## Set up and run every test, the browser test and the PostgreSQL store's included
test: setup chromium postgresql
	$(BIN)/python -m pytest -n 2

## Virtualenv with the locked dependencies (uv.lock)
setup: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --inexact --compile-bytecode --python $(BIN)/python
	touch $@

## Load the demo portfolio into the store when it holds nothing yet
demo: setup
	$(BIN)/pmo demo --if-empty

## Debian's Chromium, for the browser tests and the pages' PDF (installed when missing and we are root)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: the browser tests are skipped, the PDF buttons are off"; fi; }

## PostgreSQL's initdb and pg_ctl, for the tests of a store in PostgreSQL: each test process starts a
## throw-away cluster of its own (tests/pgcluster.py). Debian keeps them in /usr/lib/postgresql/<version>/bin
## (installed when missing and we are root)
postgresql:
	@for d in "$$(pg_config --bindir 2>/dev/null)" $$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null); do \
	  if [ -n "$$d" ] && [ -x "$$d/initdb" ] && [ -x "$$d/pg_ctl" ]; then exit 0; fi; done; \
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
	else echo "PostgreSQL missing and not root: the tests of a store in PostgreSQL are skipped"; fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup postgresql chromium
	$(BIN)/python -m bench.bench_import
	$(BIN)/python -m bench.bench_report
	$(BIN)/python -m bench.bench_pages
	$(BIN)/python -m bench.bench_limits
	$(BIN)/python -m bench.bench_pg
	$(BIN)/python -m bench.bench_browser

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
