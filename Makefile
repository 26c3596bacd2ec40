# The two commands: `make run` opens the app, `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps run test lint fmt

help:
	@echo "make run    install what is missing, build, open VaultStore on the default SQLite vault"
	@echo "make test   install what is missing, then fmt check, clippy and every test"

deps:
	@scripts/install-deps.sh app

# Extra arguments reach the app: make run ARGS="--db postgres://user@host/db"
run: deps
	cargo run -p vaultstore-desktop -- $(ARGS)

lint: deps
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test: lint
	@scripts/start-services.sh
	cargo test --workspace

fmt:
	cargo fmt --all
