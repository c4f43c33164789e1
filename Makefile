# NEM Analysis (aemo-wh). `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen
PORT ?= 5010
DAYS ?= 14

.PHONY: setup browser demo test test-fast ingest compact status check sql dashboard serve run lint fix bench clean-demo deploy-files

# Install uv (via pip) when missing, then the locked environment.
setup:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen

# Headless Chromium for the browser tests: Debian's package (Playwright's download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

demo: setup
	$(RUN) aemo-wh demo up --days $(DAYS) --port $(PORT)

test: setup browser
	$(RUN) pytest -q

test-fast: setup
	$(RUN) pytest -q -m "not ui and not slow"

ingest: setup
	$(RUN) aemo-wh ingest

compact: setup
	$(RUN) aemo-wh compact

status: setup
	$(RUN) aemo-wh status

# Every published file against its table's contract (`aemo-wh check --repair` heals a damaged warehouse).
check: setup
	$(RUN) aemo-wh check

sql: setup
	$(RUN) aemo-wh sql

dashboard: setup
	$(RUN) aemo-wh dashboard --port $(PORT)

# The ingest service and the dashboard, each its own process.
serve: setup
	$(RUN) aemo-wh run & $(RUN) aemo-wh dashboard --port $(PORT); kill %1

run: setup
	$(RUN) aemo-wh run

# Fill deploy/*.in (cron, systemd, launchd) with this install's location -> deploy/rendered/.
deploy-files:
	python3 -m aemo_wh.ops.deploy

lint: setup
	$(RUN) ruff check .

fix: setup
	$(RUN) ruff check --fix .

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(RUN) python $$b || exit 1; done

# Remove the simulated mirror and the demo warehouse (never touches warehouse/).
clean-demo:
	rm -rf demo_data
