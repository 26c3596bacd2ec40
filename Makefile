# The two commands: `make run` opens the app, `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps run test lint fmt bench bench-servers bench-app stress fuzz audit package icons

help:
	@echo "make run    install what is missing, build, open VaultStore on the default SQLite vault"
	@echo "make test   install what is missing, then fmt check, clippy, docs and every test"
	@echo "make package  the .deb (and the AppImage when its tools are present) of the release"
	@echo "            build, with the vaultstore CLI, man page and completions: target/release/bundle/"
	@echo "make bench  the full benchmark (release build, 1M rows)"
	@echo "make bench-servers  the same on the local PostgreSQL and MariaDB"
	@echo "make bench-app  the release window on 1M records, timed inside the page (Xvfb)"
	@echo "make stress crash safety at full size: the CLI SIGKILLed 200 times per operation and"
	@echo "            backend (VAULTSTORE_STRESS_SEED=N replays a printed schedule), and 200"
	@echo "            random vaults exported and imported through every backend, and 8"
	@echo "            client processes on PostgreSQL and MariaDB for 3 minutes each (soak)"
	@echo "make fuzz   the parser fuzz targets at PROPTEST_CASES cases each (default 100000; hours)"
	@echo "make audit  cargo deny with the RustSec advisories (needs the network: github.com)"

deps:
	@scripts/install-deps.sh app

# Extra arguments reach the app: make run ARGS="--db postgres://user@host/db"
run: deps
	cargo run -p vaultstore-desktop -- $(ARGS)

lint: deps
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace
	# Licenses, banned crates and sources of every dependency (deny.toml); offline. Duplicate
	# versions are warnings: `make audit` shows them.
	cargo deny --log-level error check licenses bans sources

test: lint
	@scripts/start-services.sh
	cargo test --workspace
	# The benchmark at small sizes, so it never rots (ratios are reported, not enforced).
	cargo run -q --bin vaultstore-bench -- --quick
	# A .deb of the debug build installed, launched and removed (skips loudly without the
	# bundler, fails with CI=true).
	scripts/package-test.sh

# The desktop packages of the release build, with the pinned Tauri bundler.
package: deps
	scripts/package.sh

# The app icons at every size the bundler asks for, from the one source image (committed:
# a clean clone packages without rendering them).
icons: deps
	tools/node_modules/.bin/tauri icon icons/icon.svg -o target/icons
	cp target/icons/{32x32,64x64,128x128,128x128@2x,icon}.png icons/

# The full benchmark: 10k / 100k / 1M rows on SQLite, release build (several minutes).
bench:
	cargo run --release --bin vaultstore-bench

# The same benchmark on the local PostgreSQL and MariaDB (tables bench_* in database
# `test`); each run exits non-zero when a figure misses its goal, so both always run.
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/test
MYSQL_BENCH_URL ?= mysql://root@127.0.0.1:3306/test
bench-servers:
	@scripts/start-services.sh
	cargo build --release --bin vaultstore-bench
	status=0; \
	target/release/vaultstore-bench --db $(PG_BENCH_URL) || status=1; \
	target/release/vaultstore-bench --db $(MYSQL_BENCH_URL) || status=1; \
	exit $$status

# The window itself on 1,000,000 records (release build, Xvfb + tauri-driver), each step
# timed inside the page; prints a table (VAULTSTORE_BENCH_APP_ROWS=N for another size).
bench-app: deps
	cargo test --release -p vaultstore-desktop --test e2e -- --ignored --nocapture bench_app

fmt:
	cargo fmt --all

# Crash safety at full size: thousands of records, 200 kills per operation and backend;
# the 8-client soak for 3 minutes per server (several minutes in all). `make test` runs
# the same tests at a small size.
stress:
	@scripts/install-deps.sh
	@scripts/start-services.sh
	VAULTSTORE_STRESS=1 cargo test --test crash_safety -- --nocapture
	VAULTSTORE_ROUND_TRIP_CASES=200 cargo test --test round_trip -- --nocapture
	VAULTSTORE_SOAK_SECS=180 cargo test --test soak -- --nocapture

# The parser fuzz targets with many cases; findings land in proptest-regressions/ (commit
# them). Debug build on purpose: overflow checks stay on. `make test` runs 256 cases each.
PROPTEST_CASES ?= 100000
fuzz:
	@scripts/install-deps.sh
	PROPTEST_CASES=$(PROPTEST_CASES) cargo test --lib fuzz_tests
	PROPTEST_CASES=$(PROPTEST_CASES) cargo test --bin vaultstore fuzz_tests

# Everything `cargo deny` checks, with the RustSec advisory database (fetched from
# github.com, so not part of the offline `make test`).
audit:
	@scripts/install-deps.sh
	cargo deny check
