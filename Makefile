# Tessera: `make run` starts everything locally; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NEWMAN := .ctk/node_modules/.bin/newman

.PHONY: setup run test test-sqlite test-postgres fuzz lint format ctk-deps postgres chromium prometheus histories bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Starts the Temporal dev server (file database in .data/), the worker and the API.
run: setup
	$(VENV)/bin/oms dev

$(NEWMAN):
	npm install --silent --no-audit --no-fund --prefix .ctk newman@6

ctk-deps: $(NEWMAN)

postgres:
	@scripts/ensure-postgres.sh

# Debian's chromium for the browser tests (the workspace, /docs); installed once, quietly, if missing.
chromium:
	@scripts/ensure-chromium.sh
# Debian's prometheus and promtool, for tests/operability (apt, once).
prometheus:
	@scripts/ensure-prometheus.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Each pass runs on two pytest-xdist workers, each with its own dev server, worker, API, database
# and task queue (tests/conftest.py keeps a file's tests, and the event tests, on one worker).
XDIST ?= -n 2 --dist loadgroup

test-sqlite: setup ctk-deps chromium prometheus
	$(PY) -m pytest -q --durations=10 $(XDIST)

# Tests that never touch the store (pure functions, replays of recorded histories, parsers):
# the PostgreSQL pass would only run them a second time.
STORE_FREE := tests/decomposition tests/order_book tests/workflows/test_replay.py \
	tests/workflows/test_jeopardy_levels.py tests/workflows/test_plan_view.py \
	tests/workflows/test_bundle_items.py tests/stock/test_allocation.py \
	tests/hostile/test_json_limits.py tests/hostile/test_callback_targets.py \
	tests/operations/test_codec.py tests/operations/test_local_stack.py tests/workspace/test_kpis.py \
	tests/returns/test_return_plans.py

test-postgres: setup ctk-deps postgres chromium prometheus
	TESSERA_TEST_DB=postgres $(PY) -m pytest -q --durations=10 $(XDIST) $(addprefix --ignore=,$(STORE_FREE))

# The two passes share nothing (each has its own dev servers, databases, task queues and ports) and
# mostly wait on servers and timers, so they run side by side with the lint; each prints its
# output when done, and any failure fails `make test`.
test: setup ctk-deps postgres chromium prometheus
	$(MAKE) --no-print-directory -j3 --output-sync=target lint test-sqlite test-postgres

# Nightly-style: schemathesis and the hostile-body suite with many more examples than the
# default suite's, on SQLite then PostgreSQL (minutes, not seconds: kept out of `make test`).
FUZZ_ENV := SCHEMATHESIS_EXAMPLES=60 SCHEMATHESIS_BUDGET_S=1800 SCHEMATHESIS_CATALOG_WRITES=1 FUZZ_EXAMPLES=400
FUZZ_TESTS := tests/fault_tolerance/test_schemathesis.py tests/hostile/test_nothing_stuck.py
fuzz: setup postgres
	$(FUZZ_ENV) $(PY) -m pytest -q $(FUZZ_TESTS)
	$(FUZZ_ENV) TESSERA_TEST_DB=postgres $(PY) -m pytest -q $(FUZZ_TESTS)

# Records this release's histories into tests/histories/v<version>/; never overwrites one.
histories: setup
	$(PY) scripts/record_histories.py
	$(PY) scripts/record_event_histories.py

# Benchmarks (bench/README.md); results in bench/results/. BENCH_ARGS=--quick for a smoke run.
bench: setup
	$(PY) bench/bench_decomposition.py
	$(PY) -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf .data .ctk .pytest_cache .mypy_cache .ruff_cache
