# The two commands: `make run` opens the app, `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps run test lint fmt bench

help:
	@echo "make run    install what is missing, build, open VaultStore on the default SQLite vault"
	@echo "make test   install what is missing, then fmt check, clippy and every test"
	@echo "make bench  the full benchmark (release build, 1M rows)"

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
	# The benchmark at small sizes, so it never rots (ratios are reported, not enforced).
	cargo run -q --bin vaultstore-bench -- --quick

# The full benchmark: 10k / 100k / 1M rows on SQLite, release build (several minutes).
bench:
	cargo run --release --bin vaultstore-bench

fmt:
	cargo fmt --all
