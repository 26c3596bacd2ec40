#!/usr/bin/env bash
# Builds the desktop packages with the pinned Tauri bundler (tools/package.json).
#   scripts/package.sh          release build: the .deb, and the AppImage when its tools are
#                               present (see below); artifacts under target/release/bundle/
#   scripts/package.sh --debug  a .deb of the debug binaries `cargo test` already built,
#                               for the packaging test (seconds, not a release build)
# Both put the `vaultstore` CLI, its man page and its bash/zsh/fish completions in the
# .deb (tauri.conf.json names them under target/package-files/).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
mode=()
if [[ "${1:-}" == "--debug" ]]; then
  profile=debug
  mode=(--debug)
fi
tauri=tools/node_modules/.bin/tauri
if [[ ! -x "$tauri" ]]; then
  echo "the Tauri bundler is missing: run scripts/install-deps.sh package" >&2
  exit 1
fi

# The CLI: release on its own; in debug the binaries of `cargo test --workspace` (the same
# features, so this rebuilds nothing after a test run).
if [[ "$profile" == release ]]; then
  cargo build --release -p vaultstore --bin vaultstore
else
  cargo test --workspace --no-run -q
fi
files=target/package-files
rm -rf "$files"
mkdir -p "$files"
cli="target/$profile/vaultstore"
# Stripped, as Debian installs binaries (the debug CLI shrinks from ~140 MB to ~20 MB).
install -s -m 0755 "$cli" "$files/vaultstore"
"$cli" completions bash >"$files/vaultstore.bash"
"$cli" completions zsh >"$files/_vaultstore"
"$cli" completions fish >"$files/vaultstore.fish"
"$cli" man | gzip -9n >"$files/vaultstore.1.gz"

# The AppImage bundler fetches linuxdeploy and its plugins from GitHub into
# ~/.cache/tauri unless they are there already; without them (and without APPIMAGE=1) it is
# left out, loudly.
bundles=(deb)
appimage_tools=(linuxdeploy-x86_64.AppImage AppRun-x86_64 linuxdeploy-plugin-gtk.sh)
missing=()
for t in "${appimage_tools[@]}"; do
  [[ -e "${XDG_CACHE_HOME:-$HOME/.cache}/tauri/$t" ]] || missing+=("$t")
done
if [[ "$profile" == release ]]; then
  # APPIMAGE=1: let the bundler fetch its tools (a machine that reaches GitHub).
  if ((${#missing[@]} == 0)) || [[ "${APPIMAGE:-}" == 1 ]]; then
    bundles+=(appimage)
  else
    echo "=============================================================================" >&2
    echo "NO APPIMAGE: the AppImage bundler needs ${missing[*]}" >&2
    echo "in ~/.cache/tauri (from github.com/linuxdeploy and AppImage releases), which" >&2
    echo "this machine cannot fetch (APPIMAGE=1 lets the bundler try). Building the .deb only." >&2
    echo "=============================================================================" >&2
  fi
fi

if [[ "$profile" == release ]]; then
  # Cargo builds the app and the bundler only packs it, as in debug: `tauri build` renames
  # what it takes for the app's binary to mainBinaryName, and with tauri.conf.json at the
  # root it took a bin folder of the root package: "failed to rename app binary
  # target/release/proptest-regressions" (and a CLI binary there would have replaced the app).
  cargo build --release -p vaultstore-desktop
  "$tauri" bundle --ci --bundles "$(IFS=,; echo "${bundles[*]}")"
else
  # The bundler packs target/debug/vaultstore-desktop and patches it in place: give it a
  # stripped copy in a target folder of its own, so the 380 MB of debug info are not
  # compressed (most of the time) and cargo's binary stays as cargo built it.
  debug_target=target/package-debug
  mkdir -p "$debug_target/debug"
  strip --strip-debug -o "$debug_target/debug/vaultstore-desktop" target/debug/vaultstore-desktop
  CARGO_TARGET_DIR="$debug_target" "$tauri" bundle --ci "${mode[@]}" --bundles deb
  rm -rf target/debug/bundle
  mkdir -p target/debug
  mv "$debug_target/debug/bundle" target/debug/bundle
fi
echo "packages:"
find "target/$profile/bundle" -maxdepth 2 \( -name '*.deb' -o -name '*.AppImage' \) -newer "$files/vaultstore" -print
