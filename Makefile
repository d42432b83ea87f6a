# The two commands: `make run` (a demo community on http://127.0.0.1:8000) and
# `make test` (the whole test suite). Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTANCE ?= instance
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench clean

$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.installed-run $@

run: $(VENV)/.installed-run
	$(BIN)/entrepairs --instance $(INSTANCE) init --demo
	$(BIN)/entrepairs --instance $(INSTANCE) serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/serve.py

clean:
	rm -rf $(VENV) .pytest_cache
