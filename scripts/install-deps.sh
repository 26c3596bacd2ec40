#!/usr/bin/env bash
# Installs what building and testing VaultStore needs on Debian/Ubuntu, and only what is
# missing: system packages are checked with dpkg first, so a ready machine changes nothing.
#   scripts/install-deps.sh        library and CLI
#   scripts/install-deps.sh app    also the desktop app's GUI toolkit (WebKitGTK), Xvfb and the
#                                  WebDriver pieces its end-to-end tests use, and what
#                                  `make package` and the packaging test use: the pinned Tauri
#                                  bundler (npm, into tools/node_modules) and desktop-file-utils
set -euo pipefail

want=(build-essential pkg-config)
if [[ "${1:-}" == "app" ]]; then
  want+=(libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev
         libssl-dev xvfb webkit2gtk-driver
         # dbus (dbus-daemon): the lock-on-sleep tests run a private bus.
         dbus
         # desktop-file-validate checks the package's launcher entry.
         desktop-file-utils)
  # The bundler comes from npm; Debian's nodejs and npm when the machine has no Node.js.
  if ! command -v npm >/dev/null; then want+=(nodejs npm); fi
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

missing=()
for p in "${want[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "missing packages: ${missing[*]}; install them with your package manager" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  # Debian 13 and Ubuntu 24.04 package rustup; older releases need https://rustup.rs.
  if apt-cache show rustup >/dev/null 2>&1; then
    "${sudo_cmd[@]}" apt-get install -y -q rustup
    rustup default stable
  else
    echo "cargo is missing: install Rust 1.95 or newer from https://rustup.rs, then re-run" >&2
    exit 1
  fi
fi

# The end-to-end tests drive the app through tauri-driver (it starts WebKitWebDriver).
if [[ "${1:-}" == "app" ]] && ! command -v tauri-driver >/dev/null && [[ ! -x "$HOME/.cargo/bin/tauri-driver" ]]; then
  cargo install tauri-driver --version 2.1.0 --locked
fi

# The Tauri bundler, pinned in tools/package-lock.json: its npm package carries the prebuilt
# tauri-cli binary, so this takes seconds where `cargo install tauri-cli` compiles for minutes.
if [[ "${1:-}" == "app" ]]; then
  tools="$(dirname "$0")/../tools"
  want_cli=$(sed -n 's/.*"@tauri-apps\/cli": "\(.*\)".*/\1/p' "$tools/package.json")
  have_cli=$("$tools/node_modules/.bin/tauri" --version 2>/dev/null || true)
  if [[ "$have_cli" != "tauri-cli $want_cli" ]]; then
    npm ci --prefix "$tools" --no-audit --no-fund
  fi
fi

# `make test` checks the dependency tree's licenses, bans and sources (deny.toml).
if ! command -v cargo-deny >/dev/null && [[ ! -x "$HOME/.cargo/bin/cargo-deny" ]]; then
  cargo install cargo-deny --version 0.20.2 --locked
fi

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done
