# sendlib: `make help` lists the targets. Everything runs inside .venv, created on first use.
# The venv is (re)installed only when pyproject.toml changes: the stamp file's name carries its hash.

PYTHON_BOOT ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
DEPS_HASH   := $(shell $(PYTHON_BOOT) -c "import hashlib,sys;print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:16])")
STAMP       := $(VENV)/.installed-$(DEPS_HASH)
PERIOD      ?=
DATA        ?= data/sample
MAPPING     ?=
NAME        ?=
NB          ?=

.DEFAULT_GOAL := help
.PHONY: help install report test lint lab notebooks notebook validate clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP) ## Create .venv if needed and install sendlib with its dev tools

report: $(STAMP) ## Run the report notebooks (notebooks/report.toml) into reports/<period>/ (DATA=folder, default the sample; MAPPING=file.toml if its names differ; PERIOD=YYYY-MM, default its latest month; AS_OF=YYYY-MM-DD, the extract date)
	$(VENV)/bin/sendlib refresh --data $(DATA) $(if $(MAPPING),--mapping $(MAPPING)) $(if $(PERIOD),--period $(PERIOD)) $(if $(AS_OF),--as-of $(AS_OF))
	$(VENV)/bin/sendlib headlines --data $(DATA) $(if $(MAPPING),--mapping $(MAPPING)) $(if $(PERIOD),--period $(PERIOD),) $(if $(AS_OF),--as-of $(AS_OF))

lint: $(STAMP) ## Ruff over the code, tests and notebooks (their paired .py scripts)
	$(VENV)/bin/ruff check src tests benchmarks notebooks

test: $(STAMP) lint ## Ruff plus the whole test suite (unit, property, notebooks)
	$(VENV)/bin/python -m pytest

lab: $(STAMP) ## JupyterLab on the notebooks (jupytext keeps each .ipynb and its .py in step when you save)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

notebooks: $(STAMP) ## Re-run the report notebooks (notebooks/report.toml) on the sample, normalise them and re-sync their .py (NB=01 for one)
	$(PY) -m sendlib.notebook_build run $(NB)

notebook: $(STAMP) ## Start an exploration notebook from the starter: notebooks/explore/NAME.ipynb (NAME=my_question)
	@test -n "$(NAME)" || { echo "usage: make notebook NAME=my_question"; exit 2; }
	$(PY) -m sendlib.notebook_build new $(NAME)

validate: $(STAMP) ## Validate an extract (DATA=folder, MAPPING=file.toml if its names differ) and write the quarantine to reports/validation/
	$(VENV)/bin/sendlib validate --data $(DATA) $(if $(MAPPING),--mapping $(MAPPING))

clean: ## Remove caches and reports (keeps .venv)
	rm -rf reports .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
