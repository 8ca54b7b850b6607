# elbship: the commands a developer and CI use. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help build test unit cdk validate validate-aws synth arm64 e2e lint fmt bench scale soak example demo deps local-up local-down

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## Build every crate
	$(CARGO) build --workspace --all-targets

lint: ## cargo fmt --check and clippy -D warnings
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p elbship-app -p elbship-ship -p elbship-object --all-targets --features elbship-app/cargo-lambda-watch -- -D warnings

test: lint unit cdk validate e2e ## Everything CI runs: lint, unit and integration tests, CDK tests, AWS's validators, end-to-end tests on the local stack

unit: ## Unit and integration tests (no AWS stand-ins needed)
	$(CARGO) test --workspace --exclude elbship-e2e
	$(CARGO) test -p elbship-app --lib --features cargo-lambda-watch

cdk: deps ## The CDK app: type check, assertion, snapshot and cdk-nag tests (no AWS account, no bundling)
	cd cdk && npx tsc && npx jest --ci

validate: deps ## What AWS would refuse, offline: asl-validator on every definition, cfn-lint on the template, the stand-ins' smoke tests
	python3 tests/validate/offline.py
	python3 -m unittest discover -s tests/local -p 'test_*.py'
	python3 -m unittest discover -s tests/validate -p 'test_*.py'

validate-aws: deps ## Ask AWS itself (needs an account): ValidateStateMachineDefinition, IAM Access Analyzer (docs/deploy.md)
	python3 tests/validate/aws.py

synth: deps ## cdk synth with bundling: builds the five functions for arm64 with cargo-lambda, prints their sizes
	cd cdk && npx cdk synth --quiet
	python3 scripts/package-sizes.py cdk/cdk.out

arm64: deps ## The five functions as they deploy (arm64, release, stripped), without CDK; prints each package's size
	cargo lambda build --release --arm64 $(foreach f,start plan ship verify object,--bin elbship-$(f))
	python3 scripts/package-sizes.py target/lambda

e2e: ## End-to-end tests: starts the local stack, runs tests/e2e against it, stops it
	scripts/e2e.sh

demo: ## Ship sample logs of every kind through the whole pipeline on the local stand-ins
	scripts/demo.sh

deps: ## Install moto and cargo-lambda (pinned) when missing
	scripts/install-deps.sh

local-up: deps ## Start the local stack in the background; prints the environment to export
	scripts/build-local.sh
	@python3 tests/local/stack.py up

local-down: ## Stop the local stack
	@python3 tests/local/stack.py down

fmt: ## Format the code
	$(CARGO) fmt --all

bench: ## Core throughput (200 MB ALB log), inspect peak memory (1 GB object), end-to-end shipping and cost on the local stack
	$(CARGO) bench -p elbship-core --bench pipeline --features test-util
	$(CARGO) bench -p elbship-cli --bench memory
	scripts/bench-e2e.sh

soak: ## A simulated day: 5,760 objects from 20 nodes with random faults of every kind, every line compared (not in CI)
	scripts/soak.sh

scale: ## A burst of 2,000 small objects within a minute under AWS's per-API rates, on the local stack (minutes; not in CI)
	scripts/scale.sh

example: ## elbship inspect on the documented sample lines
	$(CARGO) run -q -p elbship-cli -- inspect --kind alb_access --now 2018-07-02T23:00:00Z functions/core/fixtures/alb_access.log
