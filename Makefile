# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
SEED ?= 1

# Amazon's models: SPAPI_MODELS_DIR if set; else this project's machines keep them beside the
# checkout (../shared/spapi-models); else `spapi-emulator models` downloads the pinned commit
# into the user cache, where the emulator finds them by itself.
SHARED_MODELS := $(abspath ../shared/spapi-models)
ifeq ($(SPAPI_MODELS_DIR),)
  ifneq ($(wildcard $(SHARED_MODELS)/models),)
    export SPAPI_MODELS_DIR := $(SHARED_MODELS)
  endif
endif

.PHONY: install models run test lint bench soak clean node-clients contracts cassettes coverage-table fuzz

install: $(VENV)/.installed

# uv (bootstrapped from PyPI into the venv) installs in seconds what pip takes half a minute
# for; where uv cannot be had, pip does the same install. The checkout is put on the path by
# a plain .pth entry (editable_mode=compat): the default import hook costs every Python
# process of the venv 20-30 ms at start, and the test suite starts hundreds.
EDITABLE := --config-settings editable_mode=compat -e ".[dev]"
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -m pip install --quiet uv && \
	    $(BIN)/uv pip install --quiet --python $(BIN)/python $(EDITABLE); then \
	  echo "installed with uv"; \
	else \
	  echo "uv failed or is not available: installing with pip"; \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet $(EDITABLE); \
	fi
	touch $@

models: install
	@if [ -n "$$SPAPI_MODELS_DIR" ]; then echo "models: $$SPAPI_MODELS_DIR"; \
	else $(BIN)/spapi-emulator models; fi

run: models
	$(BIN)/spapi-emulator serve --host 127.0.0.1 --port $(PORT) --seed $(SEED)

# ruff, and the house's layering (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check emulator tests bench contracts client_tests
	$(BIN)/lint-imports

# The suites over every core (pytest-xdist): a file's tests stay on one worker, so the
# emulators a module shares start once. Two workers a core (at most 8): much of the suite
# waits on sockets and the processes it starts, and 4 workers on 2 cores finish a quarter
# sooner than 2. PYTEST_WORKERS=0 runs them in this process. Python
# keeps its bytecode (__pycache__/, ignored by git) even where PYTHONDONTWRITEBYTECODE is
# set: the suite starts hundreds of processes, each would compile every module again.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); n=$$((n * 2)); \
                           [ $$n -gt 8 ] && n=8; echo $$n)
test: models lint node-clients
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# The Node SP-API clients client_tests/ runs (amazon-sp-api, @sp-api-sdk), from package-lock.json.
NODE_CLIENTS := client_tests/node
node-clients:
	@if command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory $(NODE_CLIENTS)/node_modules/.package-lock.json; \
	else echo "npm not found: the Node client tests will be skipped"; fi

$(NODE_CLIENTS)/node_modules/.package-lock.json: $(NODE_CLIENTS)/package-lock.json
	cd $(NODE_CLIENTS) && npm ci --no-audit --no-fund
	touch $@

# The README's table of how each operation is answered (tests/test_coverage.py checks it).
coverage-table: models
	$(BIN)/spapi-emulator coverage --readme README.md

# Schemathesis over every operation of every model, long: every coverage case and Hypothesis
# fuzzing (`make test` runs a few cases per operation). Tens of minutes; prints what it finds.
fuzz: models
	SPAPI_FUZZ=long $(BIN)/python -m pytest tests/test_fuzz.py -q

# The contract suite against the emulator (also part of `make test`).
contracts: models
	$(BIN)/python -m pytest contracts -q

# Re-record the committed cassettes against the emulator (scrubbed), then check them.
cassettes: models
	$(BIN)/python -m pytest contracts -m vcr --record-mode=rewrite -q
	$(BIN)/spapi-emulator cassettes check fixtures/cassettes

bench: models
	@command -v wrk >/dev/null || apt-get install -y wrk >/dev/null || \
	  { echo "bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench

# A few minutes of mixed load over HTTP with the emulator's memory sampled: flat once the
# bounded stores are full (exit 1 otherwise). SOAK_MINUTES after the warm-up.
SOAK_MINUTES ?= 2
soak: models
	$(BIN)/python -m bench.soak --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
