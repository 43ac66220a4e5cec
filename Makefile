# fugou: two commands. `make run` sets everything up and runs the daily job on the demo shop;
# `make test` runs the whole test suite and ruff.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FUGOU_HOME ?= $(CURDIR)/data

.PHONY: run test lint install clean bench

$(BIN)/.fugou-installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11) on PATH, or make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $@

install: $(BIN)/.fugou-installed

run: install
	$(BIN)/fugou quickstart

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadgroup -q --durations=15

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(FUGOU_HOME)
