# One command each, from nothing: `make test` and `make run` build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8000

.PHONY: install lint typecheck test run sandbox demo bench spec clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

run: install
	$(BIN)/atera-mcp serve --transport http --host 127.0.0.1 --port $(PORT) --sandbox-if-no-key

sandbox: install
	$(BIN)/atera-mcp sandbox --host 127.0.0.1 --port 8080 --tickets 300 --seed 1 --api-key sandbox-key

demo: install
	$(BIN)/atera-mcp demo

bench: install
	$(BIN)/python bench/bench_seed.py
	PYTHONPATH=. $(BIN)/python bench/bench_tools.py

# Re-extract the OpenAPI subset the project uses from ../shared (needs the shared folder).
spec: install
	$(BIN)/python scripts/extract_spec.py

clean:
	rm -rf $(VENV) build src/*.egg-info .mypy_cache .ruff_cache
