# funnelsim — the two commands are `make lab` and `make test`; `make help` lists the rest.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.funnelsim-installed
LOCK   := constraints.txt
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# Headless runs: no progress bars, no stray browser windows, quiet pip.
export TQDM_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
JUPYTER_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: help setup lab test lint format typecheck unit notebooks nbval papermill exercises student-copies grade \
        browser browser-deps bench figures lock present clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv from nothing and install the pinned set (constraints.txt)

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) --editable '.[dev]'
	@touch $@

LAB_ARGS ?=
lab: setup ## Open the course in JupyterLab (127.0.0.1, token on) at the start page
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. $(JUPYTER_ROOT) \
	    --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

present: setup ## Serve the instructor dashboard as an app with Voila on 127.0.0.1
	$(BIN)/voila --Voila.ip=127.0.0.1 --no-browser \
	    --MappingKernelManager.cull_idle_timeout=600 --MappingKernelManager.cull_interval=60 \
	    notebooks/dashboard.ipynb

test: setup lint typecheck unit notebooks exercises browser ## Set up, then run every check and test
	@echo "make test: all checks passed"

lint: setup ## ruff lint and format check (notebooks included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup ## mypy on src/
	$(BIN)/mypy

unit: setup ## Unit, property and statistical tests (+ README example and doctests)
	$(PYTEST) -n 2 -m "not browser" tests --ignore=tests/notebooks --doctest-modules src/funnelsim --doctest-glob=README.md README.md

# Notebook kernels run one at a time: kernels started in parallel can race for the same
# TCP port (seen here as 'Address already in use').
notebooks: nbval papermill ## Both notebook gates

nbval: setup ## Re-execute committed notebooks and compare their outputs
	$(PYTEST) --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

papermill: setup ## Run every notebook under other parameter sets
	$(PYTEST) tests/notebooks/test_papermill.py

exercises: setup ## Student copies up to date with their masters (execution and grading: tests/test_exercise.py)
	$(BIN)/python -m funnelsim.exercises generate --check

student-copies: setup ## Regenerate exercises/student/ from exercises/masters/ (solutions -> ...)
	$(BIN)/python -m funnelsim.exercises generate

SUBMISSIONS ?= submissions
grade: setup ## Grade a folder of submitted copies: make grade SUBMISSIONS=dir (writes grades.csv)
	$(BIN)/python -m funnelsim.exercises grade $(SUBMISSIONS) --out grades.csv

browser: setup ## Real-browser tests (Chromium + JupyterLab + Voila)
	@if [ -d tests/browser ]; then $(PYTEST) -m browser tests/browser; else echo "browser: none yet"; fi

browser-deps: ## Install Debian's Chromium (needs root) for the browser tests
	command -v chromium > /dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

bench: setup ## Benchmarks: medians and ratios against baselines measured in the same run
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

figures: setup ## Regenerate the README's pictures (docs/figures) with vl-convert, offline
	$(BIN)/python docs/make_figures.py

lock: ## Re-resolve the pinned set into constraints.txt (after changing dependencies)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude funnelsim | sort > $(LOCK)
	rm -rf .lock-venv

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis test-output build dist
