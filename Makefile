# The two commands: `make run` opens the app, `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps run test lint fmt bench

help:
	@echo "make run    build and open VaultStore on the default SQLite vault"
	@echo "make test   install what is missing, then fmt check, clippy and all tests"

deps:
	@scripts/install-deps.sh

run: deps
	@echo "The desktop window lands with issue #4. Until then the vault is used through the library;"
	@echo "see README.md."

lint: deps
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test: lint
	@scripts/start-services.sh
	cargo test --workspace

fmt:
	cargo fmt --all
