# funnelsim — the two commands are `make lab` and `make test`; `make help` lists the rest.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.funnelsim-installed
LOCK   ?= constraints.txt
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# Headless runs: no progress bars, no stray browser windows, quiet pip.
export TQDM_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
JUPYTER_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# The course's own Jupyter data and config (jupyter/README.md): the offline Voila template, and
# HTML exports with MathML instead of MathJax from a CDN (JupyterLab's export menu and nbconvert).
export JUPYTER_PATH := $(CURDIR)/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))
export JUPYTER_CONFIG_PATH := $(CURDIR)/jupyter/config$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))
# Offline Jupyter: no news feed (nor its prompt), no update check, an extension manager that
# lists what is installed and never asks an index.
OFFLINE := --LabApp.news_url=None --LabApp.extension_manager=readonly \
           --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
# Students work on their own copies of the lessons (git-ignored); the course's files stay as shipped.
COURSE ?= my-course

.PHONY: help setup lab course reset test lint format typecheck unit notebooks nbval papermill \
        exercises student-copies grade browser browser-deps bench figures lock present mutation clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv from nothing and install the pinned set (constraints.txt)

# Python >= 3.11 is checked first (older ones fail deep in the resolver). A .venv made by an
# older Python is replaced; a fresh .venv whose install fails is removed again, so no later
# run reuses a broken one (an existing .venv keeps its packages and no stamp).
PY_OK := 'import sys; sys.exit(sys.version_info[:2] < (3, 11))'
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c $(PY_OK) 2> /dev/null || { \
	    echo "make setup: funnelsim needs Python ≥ 3.11; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 \
	    | head -n 1 || true) (run e.g. 'make setup PYTHON=python3.12')" >&2; exit 1; }
	@if [ -e $(VENV) ] && ! $(BIN)/python -c $(PY_OK) 2> /dev/null; then \
	    echo "make setup: replacing $(VENV), made by an unusable or older Python" >&2; rm -rf $(VENV); fi
	@fresh=; if [ ! -e $(VENV) ]; then fresh=1; $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }; fi; \
	if ! $(BIN)/python -m pip install --quiet --constraint $(LOCK) --editable '.[dev]'; then \
	    if [ -n "$$fresh" ]; then rm -rf $(VENV); \
	        echo "make setup: the install failed; the new $(VENV) was removed" >&2; \
	    else echo "make setup: the install failed; $(VENV) is not marked ready ('make clean' starts over)" >&2; fi; \
	    exit 1; fi
	@touch $@

course: ## Copy the lessons to my-course/ (yours to edit; new lessons are added, none overwritten)
	@mkdir -p $(COURSE)
	@for nb in notebooks/*.ipynb; do name=$${nb##*/}; \
	    if [ ! -e "$(COURSE)/$$name" ]; then cp "$$nb" "$(COURSE)/.$$name.tmp" && \
	        mv "$(COURSE)/.$$name.tmp" "$(COURSE)/$$name" && echo "course: $(COURSE)/$$name (your copy)"; fi; \
	done

LESSON ?=
reset: ## One lesson as shipped again (yours kept in backups/): make reset LESSON=00_start_here
	@test -n "$(LESSON)" || { echo "make reset: name the lesson, e.g. make reset LESSON=00_start_here" >&2; exit 2; }
	@name=$(basename $(notdir $(LESSON))).ipynb; \
	if [ ! -f "notebooks/$$name" ]; then echo "make reset: no lesson '$(LESSON)'; the lessons are:" \
	    $$(cd notebooks && ls *.ipynb | sed 's/\.ipynb$$//') >&2; exit 2; fi; \
	mkdir -p $(COURSE)/backups; \
	if [ -e "$(COURSE)/$$name" ]; then kept=$(COURSE)/backups/$${name%.ipynb}-$$(date +%Y%m%d-%H%M%S).ipynb; \
	    mv "$(COURSE)/$$name" "$$kept"; echo "reset: your version is kept as $$kept"; fi; \
	cp "notebooks/$$name" "$(COURSE)/.$$name.tmp" && mv "$(COURSE)/.$$name.tmp" "$(COURSE)/$$name"; \
	echo "reset: $(COURSE)/$$name is the original again"

LAB_ARGS ?=
lab: setup course ## Open your copy of the course (my-course/) in JupyterLab at its map (127.0.0.1, token on)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(COURSE) $(JUPYTER_ROOT) \
	    --LabApp.default_url=/lab/tree/course_map.ipynb $(OFFLINE) $(LAB_ARGS)

present: setup ## Serve the instructor dashboard as an app with Voila on 127.0.0.1
	$(BIN)/voila --Voila.ip=127.0.0.1 --no-browser --template=funnelsim \
	    --MappingKernelManager.cull_idle_timeout=600 --MappingKernelManager.cull_interval=60 \
	    notebooks/dashboard.ipynb

# Tests and notebook runs keep quiz progress and the student seed out of ~/.funnelsim.
test unit notebooks nbval papermill exercises browser hub: export FUNNELSIM_PROGRESS_DIR := $(CURDIR)/test-output/progress

# After the unit tests (CPU-bound on both cores), the other stages run side by side (make -j5,
# each one's output printed whole when it ends): the notebook gate keeps about one core busy
# (kernel round trips), the browser and hub tests mostly wait on servers and Chromium, and mypy
# (~35 CPU-s from a cold cache, as in a fresh clone) fills the gaps. Measured on 2 cores: 157 s
# side by side against ~200 s one after another.
test: setup lint unit ## Set up, then run every check and test
	@$(MAKE) --no-print-directory -j5 --output-sync=target notebooks exercises typecheck browser hub
	@echo "make test: all checks passed"

lint: setup ## ruff lint and format check (notebooks included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup ## mypy on src/
	$(BIN)/mypy

# tests/notebooks (papermill) and tests/browser have their own targets: nothing runs twice.
unit: setup ## Unit, property and statistical tests (+ README example and doctests)
	$(PYTEST) -n 2 -m "not browser" --ignore=tests/notebooks --ignore=tests/browser tests \
	    --doctest-modules src/funnelsim --doctest-glob=README.md README.md

# Every notebook gate is one pytest run on 2 xdist workers, so no worker idles while the
# other finishes a stage: nbval (a notebook's cells share one kernel, so the scheduler in
# tests/notebooks/kernels.py keeps them on one worker), papermill's parameter sets and the
# exercise masters and student copies (tests/notebooks). Kernels started in parallel used
# to race for the same TCP port ('Address already in use'); kernels.py gives every kernel
# Unix sockets named after its own connection file instead.
# Every notebook run (nbval, papermill, exercises) reuses one kernel per worker, its
# namespace reset before each notebook (tests/notebooks/kernels.py): a kernel start with
# funnelsim, altair and vl-convert costs ~3.5 CPU-s, more than most notebooks' own work.
NOTEBOOK_RUN := $(PYTEST) -n 2 -p tests.notebooks.kernels
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
notebooks: setup ## Every notebook gate in one run: nbval, papermill, exercise masters and copies
	$(NOTEBOOK_RUN) $(NBVAL) notebooks tests/notebooks

nbval: setup ## Only nbval: re-execute committed notebooks and compare their outputs
	$(NOTEBOOK_RUN) $(NBVAL) notebooks

papermill: setup ## Only papermill: run every notebook under other parameter sets
	$(NOTEBOOK_RUN) tests/notebooks/test_papermill.py

exercises: setup ## Student copies up to date with their masters (their runs: make notebooks)
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

.PHONY: book
book: setup ## Build the static course (offline HTML from the committed notebooks) into build/book
	@test -f book/node_modules/mathjax/es5/tex-mml-chtml.js || npm ci --prefix book --no-audit --no-fund
	$(BIN)/python book/build.py build/book

.PHONY: hub
hub: setup ## Smoke-test the class JupyterHub (hub/) on 127.0.0.1: two students run the start page
	@test -x hub/node_modules/.bin/configurable-http-proxy || npm ci --prefix hub --no-audit --no-fund
	$(PYTEST) -m hub hub

bench: setup ## Benchmarks: medians and ratios against baselines measured in the same run
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

figures: setup ## Regenerate the README's pictures (docs/figures) with vl-convert, offline
	$(BIN)/python docs/make_figures.py

# mutmut copies src/ and tests/ to mutants/ and runs, for each one-line change of a core module
# ([tool.mutmut] in pyproject.toml), the tests that cover it. Hours on 2 cores, so one core at the
# lowest priority; MUTANTS narrows it, e.g. make mutation MUTANTS='funnelsim.stats*'.
MUTANTS ?=
mutation: setup ## Mutation testing of the core modules (slow; not part of make test)
	nice -n 19 env CI=true $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/mutmut results

lock: ## Re-resolve the pinned set into constraints.txt (after changing dependencies)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude funnelsim | sort > $(LOCK)
	rm -rf .lock-venv

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis test-output build dist mutants
