# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP  := $(VENV)/.synced-$(UV_VERSION)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test setup demo lint bench chromium clean

## Start the dashboard on http://127.0.0.1:8501 (loads the demo portfolio into an empty store).
## Without accounts it opens in open demo mode (PMO_AUTH=open): for this machine only, never a network.
run: demo chromium
	PMO_AUTH=$${PMO_AUTH:-open} $(BIN)/python -m ui.serve --server.headless true --server.address 127.0.0.1 --server.port 8501

## Set up and run every test, the browser test included
test: setup chromium
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

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench.bench_import
	$(BIN)/python -m bench.bench_report
	$(BIN)/python -m bench.bench_pages
	$(BIN)/python -m bench.bench_limits

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
