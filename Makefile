# One command each, from nothing: `make test` and `make run` build .venv themselves.
# Prerequisites: python3 (3.11+, with pip) and make. The environment is built by uv, which
# installs in seconds where pip took half a minute; uv itself comes from PyPI through python3's
# own pip into .uv/ (no venv, no system-wide install).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_DIR := .uv
UV     := $(UV_DIR)/bin/uv
UV_PIP := $(UV) pip install --quiet --python $(BIN)/python
RUN_STAMP := $(VENV)/.run-stamp
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8000

.PHONY: install install-run services browser screenshots lint typecheck test run sandbox demo \
	bench bench-index bench-directory bench-ledger bench-faults bench-fuzz bench-load \
	bench-budget bench-replicas bench-tokens bench-similar bench-startup bench-scale \
	bench-machine check-deploy spec clean

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(UV_DIR) 'uv>=0.9,<1'

# What the server needs to run (make run, sandbox, demo); the tools to test it come on top.
$(RUN_STAMP): pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python-preference only-system --python $(PYTHON) $(VENV)
	$(UV_PIP) -e .
	touch $@

$(STAMP): $(RUN_STAMP)
	$(UV_PIP) -e '.[dev]'
	touch $@

install-run: $(RUN_STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# Real Redis and PostgreSQL on loopback for the suites that need them (Debian's packages).
services:
	bash scripts/services.sh up

# Debian's chromium and the reference MCP Apps host (npm, bundled by esbuild) for tests/apps.
browser:
	bash scripts/browser.sh

# The services and the browser install (one after the other: apt takes one lock) and start in
# the background while the environment builds and the linters run; pytest waits for them. Two
# workers (pytest-xdist): no two tests share a port, a file, a Redis key or a PostgreSQL schema.
test:
	{ bash scripts/services.sh up && bash scripts/browser.sh; } >.services.log 2>&1 & \
	  services=$$!; \
	  $(MAKE) --no-print-directory lint typecheck || { wait $$services; exit 1; }; \
	  wait $$services || { cat .services.log >&2; exit 1; }; \
	  $(BIN)/pytest -n 2

# The three MCP Apps, light and dark, as PNGs in docs/ (shown in the README).
screenshots: install browser
	PYTHONPATH=. $(BIN)/python -m tests.apps.screenshots

run: install-run
	$(BIN)/atera-mcp serve --transport http --host 127.0.0.1 --port $(PORT) --sandbox-if-no-key

sandbox: install-run
	$(BIN)/atera-mcp sandbox --host 127.0.0.1 --port 8080 --tickets 300 --seed 1 --api-key sandbox-key

demo: install-run
	$(BIN)/atera-mcp demo

# Benchmarks print figures and never fail the build. `make bench` runs the quick ones; each
# of the others takes minutes (the index's cold sync alone waits out its rate budget).
bench: install
	$(BIN)/python bench/bench_seed.py
	PYTHONPATH=. $(BIN)/python bench/bench_tools.py

bench-index: install   # search: bounded scan vs the index on 50,000 tickets (~6 min)
	PYTHONPATH=. $(BIN)/python bench/bench_index.py

# similar_tickets on 50,000 tickets, SQLite and PostgreSQL: held-out hit rate, p50, requests.
bench-similar: install services
	PYTHONPATH=. $(BIN)/python bench/bench_similar.py --backend both --database-url postgresql://atera@127.0.0.1:55432/atera_test

bench-directory: install  # find_customers/find_contacts from the index: 5,000 + 50,000 (~8 min)
	PYTHONPATH=. $(BIN)/python bench/bench_directory.py

bench-ledger: install  # get_billable from the index: month, quarter, year at 50,000 tickets
	PYTHONPATH=. $(BIN)/python bench/bench_ledger.py

# 520 writes under injected faults, retried as a model would (~2 min); with the ticket index
# on: make bench-faults ARGS="--index --tickets 50000"
bench-faults: install
	PYTHONPATH=. $(BIN)/python bench/bench_faults.py $(ARGS)

bench-scale: install   # 500,000 tickets: open first at 700/min, the fast first sync, warm search (~25 min)
	PYTHONPATH=. $(BIN)/python bench/bench_scale.py $(ARGS)

bench-machine: install # three stdio servers on one key, one budget file, 60 s at 700/min
	PYTHONPATH=. $(BIN)/python bench/bench_machine.py $(ARGS)

bench-fuzz: install    # 10,000 hostile tool calls (~3 min)
	PYTHONPATH=. $(BIN)/python bench/bench_fuzz.py 10000

bench-load: install    # 20 token-holding sessions over loopback HTTP for 60 s
	PYTHONPATH=. $(BIN)/python bench/bench_load.py

bench-budget: install  # the rate budget's two classes against the sandbox's limit (75 s)
	PYTHONPATH=. $(BIN)/python bench/bench_budget.py --seconds 75

# What the model pays: tools/list per tool and a search hit against Atera's raw TicketDto, in
# o200k tokens (the `bench` extra brings the tokenizer; a few seconds).
bench-tokens: install
	$(UV_PIP) -e '.[bench]'
	PYTHONPATH=. $(BIN)/python bench/bench_tokens.py

# Cold start to tools/list over stdio, atera-mcp against a bare MCPServer with the same tools,
# 3 runs each side by side (goal: x1.3 at most; ~30 s).
bench-startup: install
	$(BIN)/python bench/bench_startup.py

# Three replica processes sharing Redis and PostgreSQL, 20 sessions, one replica SIGKILLed
# mid-run (~6 min: the first sync of 50,000 tickets waits out its budget). ARGS=--no-shared
# runs the control: each replica its own budget and SQLite index.
bench-replicas: install services
	PYTHONPATH=. $(BIN)/python bench/bench_replicas.py $(ARGS)

# The deployment files against docker compose, caddy and systemd-analyze, where installed.
check-deploy:
	bash scripts/check_deploy.sh

# Re-extract the OpenAPI subset the project uses from ../shared (needs the shared folder).
spec: install
	$(BIN)/python scripts/extract_spec.py

clean:
	rm -rf $(VENV) $(UV_DIR) .services.log build src/*.egg-info .mypy_cache .ruff_cache
