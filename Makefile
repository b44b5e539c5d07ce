# research_kit — every target sets itself up: a fresh machine needs only `make demo` or `make test`.
# The virtual environment is (re)built when it is missing, broken, or older than pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
STUDY  ?= interview_data
PORT   ?= 8866
# Test processes (pytest-xdist): one per core of the 2-core machines the suite is sized for.
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help demo test test-fast lab serve bench stress lint format system-deps venv clean

help:
	@echo "make demo    set up, then check and summarise the sample study ($(STUDY))"
	@echo "make test    set up, then lint and run the whole test suite"
	@echo "make lab     JupyterLab on the notebooks"
	@echo "make serve   the Voila brief on http://127.0.0.1:$(PORT)"
	@echo "make bench   speed and memory figures"
	@echo "make stress  bad inputs, killed writers and concurrent coders: what survived"
	@echo "make lint    ruff check and format check"

system-deps:
	@scripts/system-deps.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "research_kit needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	@if ! $(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then \
	  echo "creating $(VENV)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: system-deps $(STAMP)
	$(BIN)/research-kit demo $(STUDY)

test: system-deps $(STAMP) lint
	RESEARCH_KIT_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

serve: $(STAMP)
	$(BIN)/research-kit brief serve notebooks/briefs/findings.ipynb --port=$(PORT)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench,embeddings]'
	$(BIN)/python benchmarks/run.py

stress: $(STAMP)
	$(BIN)/python benchmarks/stress.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
