# smilekit: the two commands of the README's quick start, each doing its own set-up.
#   make run   - create .venv, install smilekit, run the main job on the bundled default event
#   make test  - same set-up, then lint and the whole test suite
#   make docs  - same set-up plus the documentation's tools, then the site in docs/_build/html (warnings
#                are errors; the example gallery runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
OUT ?= smilekit-out

.PHONY: run test lint bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $(DOCS_STAMP)

run: $(STAMP)
	$(BIN)/smilekit run --out $(OUT)

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs/conf.py docs/_ext docs/examples
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs/conf.py docs/_ext docs/examples
	$(BIN)/ruff format --check src tests benchmarks docs/conf.py docs/_ext docs/examples

docs: $(DOCS_STAMP)
	rm -rf docs/_build docs/generated docs/gallery
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) build dist docs/_build docs/generated docs/gallery docs/sg_execution_times.rst src/*.egg-info .pytest_cache .ruff_cache .hypothesis
