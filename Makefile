# Delta Exchange for Nautilus Trader: the two commands a new machine needs are `make demo` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
export CARGO_TERM_COLOR ?= never

.PHONY: test demo bench soak lint fmt build develop venv rust-test py-test stubtest

## test: format checks, clippy, ruff and mypy (warnings are errors), every Rust test, then the wheel, stubtest and
## pytest
test: lint rust-test py-test

lint: venv
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/ruff check python tests benches examples
	$(VENV)/bin/ruff format --check python tests benches examples
	$(VENV)/bin/mypy

rust-test:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

## stubtest: check python/delta_exchange/_native.pyi against the built extension (every class, method, argument
## and default); the allowlist holds only the documented differences
stubtest: develop
	$(VENV_PY) -m mypy.stubtest delta_exchange._native --allowlist stubtest-allowlist.txt

py-test: develop stubtest
	$(CARGO) build -p delta-sim --bin delta-sim -p delta-recorder --bin delta-recorder
	$(VENV_PY) -m pytest -q

## venv: a virtualenv in .venv with the pinned Python dependencies (re-made when requirements change)
venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

## develop: build the native module (release) and install delta_exchange into .venv
develop: venv
	VIRTUAL_ENV="$(abspath $(VENV))" $(VENV)/bin/maturin develop --release --quiet

## demo: build, start delta-sim on a free port, run a Nautilus node streaming from it, print what arrived
demo: build develop
	./scripts/demo.sh

build:
	$(CARGO) build --release -p delta-sim --bin delta-sim

## bench: criterion benchmarks of delta-core, then the end-to-end Python benchmarks in benches/
bench: develop
	$(CARGO) bench -p delta-core
	$(CARGO) bench -p delta-recorder
	$(CARGO) build --release -p delta-sim --bin delta-sim
	for script in benches/bench_*.py; do $(VENV_PY) "$$script" || exit 1; done

## soak: delta-sim at 100,000 msg/s for 60 s into delta-recorder; msg/s, peak RSS and lost messages (RESULT line)
soak: develop
	$(CARGO) build --release -p delta-sim --bin delta-sim -p delta-recorder --bin delta-recorder
	$(VENV_PY) benches/soak_recorder.py --rate 100000 --seconds 60

fmt: venv
	$(CARGO) fmt --all
	$(VENV)/bin/ruff format python tests benches examples
