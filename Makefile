# elbship: the commands a developer and CI use. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help build test lint fmt bench example

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## Build every crate
	$(CARGO) build --workspace --all-targets

lint: ## cargo fmt --check and clippy -D warnings
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: lint ## Lint, then run every test
	$(CARGO) test --workspace

fmt: ## Format the code
	$(CARGO) fmt --all

bench: ## Throughput of the core (200 MB ALB log) and peak memory of inspect (1 GB object)
	$(CARGO) bench -p elbship-core --bench pipeline
	$(CARGO) bench -p elbship-cli --bench memory

example: ## elbship inspect on the documented sample lines
	$(CARGO) run -q -p elbship-cli -- inspect --kind alb_access --now 2018-07-02T23:00:00Z functions/core/fixtures/alb_access.log
