# redprop — the two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PORT ?= 8000
DATA_DIR ?= var/demo
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install demo test test-sqlite test-postgres lint format bench clean

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

bench: $(STAMP)
	$(BIN)/python -m bench.authz
	$(BIN)/python -m bench.excel_import
	$(BIN)/python -m bench.outbox
	$(BIN)/python -m bench.vote_tally

clean:
	rm -rf $(VENV) var .pytest_cache
