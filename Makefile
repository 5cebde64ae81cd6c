# redprop — the two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PORT ?= 8000
DATA_DIR ?= var/demo
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install demo test test-sqlite test-postgres test-citus lint format bench bench-load bench-city clean

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/redprop demo --port $(PORT) --data-dir $(DATA_DIR)

test: lint test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-sqlite: $(STAMP)
	REDPROP_TEST_BACKEND=sqlite $(BIN)/pytest -q

test-postgres: $(STAMP)
	REDPROP_TEST_BACKEND=postgresql REDPROP_TEST_PG_URL=$(PG_URL) REDPROP_BROKER_URL=$(REDIS_URL) $(BIN)/pytest -q

# The database tests again on a real Citus cluster (coordinator 5441, workers 5442/5443; issue 17, point 5), after
# building and starting it with the scripts of ../shared/citus (or /work/shared/citus): deploy/citus.md. Scope, RLS,
# audit and events (tests/citus: distribution, workers' RLS, outbox and audit chain across nodes), work orders,
# votes and fees through the API; the cluster is stopped afterwards.
CITUS_SCRIPTS ?= $(firstword $(wildcard ../shared/citus /work/shared/citus))
CITUS_PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5441/postgres
CITUS_TESTS ?= tests/citus tests/core/test_citus_rules.py tests/core/test_cross_scope_role.py tests/core/test_hardening_rls.py \
	tests/tenants/test_data_scope.py tests/core/test_audit.py tests/plugins/co_building/test_work_orders.py \
	tests/plugins/co_building/test_vote_tally.py tests/plugins/co_building/test_fees.py
# a branch's downgrade across core_0012 cannot restore a unique constraint without compound_id on distributed tables
CITUS_DESELECT ?= not test_downgrade_restores_the_setting

test-citus: $(STAMP)
	@test -n "$(CITUS_SCRIPTS)" || { echo "no Citus scripts in ../shared/citus or /work/shared/citus" >&2; exit 1; }
	$(CITUS_SCRIPTS)/build.sh
	$(CITUS_SCRIPTS)/cluster.sh up
	REDPROP_TEST_BACKEND=postgresql REDPROP_TEST_CITUS=1 REDPROP_TEST_PG_URL=$(CITUS_PG_URL) REDPROP_BROKER_URL=$(REDIS_URL) \
		$(BIN)/pytest -q -k "$(CITUS_DESELECT)" $(CITUS_TESTS); status=$$?; $(CITUS_SCRIPTS)/cluster.sh down; exit $$status

bench: $(STAMP)
	$(BIN)/python -m bench.authz
	$(BIN)/python -m bench.excel_import
	$(BIN)/python -m bench.outbox
	$(BIN)/python -m bench.vote_tally

# Mixed load from a second process for LOAD_SECONDS against `redprop serve` + `redprop worker` (Redis) on a fresh
# scratch database seeded with the demo city (issue 16, point 11; bench/README.md). Exit status 1 on any error.
LOAD_SECONDS ?= 300
LOAD_USERS ?= 16
LOAD_DB ?= redprop_load

bench-load: $(STAMP)
	REDPROP_BENCH_REDIS_URL=$(REDIS_URL) $(BIN)/python -m bench.load --fresh --database $(LOAD_DB) --duration $(LOAD_SECONDS) --users $(LOAD_USERS)

# A generated city of COMPOUNDS compounds in a fresh scratch database, then ONE table: API overhead against bare
# handlers, the mixed load's p50/p95/p99 per role, authz against pycasbin, outbox events/s on Redis and RabbitMQ,
# vote tally, Excel import, district dashboard (issue 17, point 2; bench/README.md). CITY_FLAGS=--quick: shorter phases;
# CITUS=1: the city parts again on the running Citus cluster (coordinator 127.0.0.1:5441), side by side.
COMPOUNDS ?= 2000
CITY_DB ?= redprop_city
CITY_FLAGS ?=

bench-city: $(STAMP)
	$(BIN)/python -m bench.city --compounds $(COMPOUNDS) --database $(CITY_DB) $(if $(CITUS),--citus) $(CITY_FLAGS)

clean:
	rm -rf $(VENV) var .pytest_cache
