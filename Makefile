# Quick start: `make run` sets up .venv and solves one instance; `make test` sets up and runs the tests;
# `make lint` runs ruff and mypy with the configuration in pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint setup bench clean

$(BIN)/linnet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,crosscheck,plot,dask,atlas]'
	touch $(BIN)/linnet

setup: $(BIN)/linnet

run: setup
	$(BIN)/linnet solve --d 2 --dx 2 --dy 2

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check
	$(BIN)/mypy linnet_cli

bench: setup
	$(BIN)/python benchmarks/bench_solve.py
	$(BIN)/python benchmarks/bench_bkk.py

clean:
	rm -rf $(VENV) *.egg-info
