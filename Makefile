# Delta Exchange for Nautilus Trader: the two commands a new machine needs are `make demo` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: test demo bench lint fmt build

## test: format check, clippy (warnings are errors), every Rust test of the workspace
test: lint
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## demo: build, start delta-sim on a free port, run the REST round trip against it, stop the sim
demo: build
	./scripts/demo.sh

build:
	$(CARGO) build -p delta-sim --bin delta-sim
	$(CARGO) build -p delta-core --example rest_round_trip

## bench: criterion benchmarks of delta-core (signing, rate limiter, parsing, order building)
bench:
	$(CARGO) bench -p delta-core

fmt:
	$(CARGO) fmt --all
