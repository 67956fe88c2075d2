# Journey: `make demo` runs it, `make test` tests it; both install what is missing first.
# `make lint` checks the code as CI does; `make fmt` formats it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FRONTEND_SOURCES := $(shell find frontend/src -type f) frontend/index.html frontend/build.mjs frontend/build-options.mjs

.PHONY: install demo test lint fmt screenshots clean

install: $(VENV)/.installed frontend/dist/index.html

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build

demo: install
	$(BIN)/journey up

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd frontend && npm run --silent lint

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd frontend && npm run --silent fmt

screenshots: install
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist .journey
