#!/usr/bin/env bash
# The packaging test (`make test` runs it after `cargo test`): a .deb of the debug build,
# checked as a user installs it.
#   - the control data: the version from Cargo.toml, WebKitGTK 4.1 runtime dependencies and
#     no -dev package;
#   - installed with `dpkg -i` when run as root (CI), else unpacked with `dpkg -x` into a
#     temp root: the app, the `vaultstore` CLI, the launcher (desktop-file-validate), the
#     icons, the man page and the completions are where the desktop looks for them;
#   - the installed CLI's `--version`, and the installed app opened under Xvfb through
#     tauri-driver on a temp vault, showing its first page (e2e `launch::`);
#   - `dpkg -r` (also when a check failed) removes the package and leaves the user's vault
#     byte for byte as it was.
# Without the bundler it skips loudly; with CI=true it fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

fail() { echo "PACKAGING TEST FAILED: $*" >&2; exit 1; }
if [[ ! -x tools/node_modules/.bin/tauri ]]; then
  if [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; then
    fail "the Tauri bundler is missing (scripts/install-deps.sh app)"
  fi
  echo "SKIPPED packaging test: the Tauri bundler is missing (scripts/install-deps.sh app)" >&2
  exit 0
fi

scripts/package.sh --debug
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
deb="target/debug/bundle/deb/VaultStore_${version}_amd64.deb"
[[ -f "$deb" ]] || fail "no $deb"

# Control data.
package=$(dpkg-deb -f "$deb" Package)
[[ "$(dpkg-deb -f "$deb" Version)" == "$version" ]] || fail "Version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
[[ "$depends" == *libwebkit2gtk-4.1-0* ]] || fail "WebKitGTK 4.1 is not a dependency"
[[ "$depends" != *-dev* ]] || fail "a -dev package is a dependency: $depends"

# The user's vault, written before the install by the CLI as built (never the package's).
work=$(mktemp -d)
user_data="$work/home/.local/share"
mkdir -p "$user_data"
export PW="packaging-test-password-long"
token=$(env -u VAULTSTORE_DB XDG_DATA_HOME="$user_data" VALUE=kept-value \
  target/debug/vaultstore create --password-env PW --value-env VALUE)
vault="$user_data/vaultstore/vault.db"
[[ -f "$vault" ]] || fail "the CLI wrote no vault at $vault"
before=$(sha256sum <"$vault")

installed=false
cleanup() {
  if $installed; then dpkg -r "$package" >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [[ $(id -u) -eq 0 ]]; then
  root=/
  dpkg -i "$deb"
  installed=true
else
  echo "not root: unpacking with dpkg -x into a temp root instead of installing" >&2
  root="$work/root"
  dpkg -x "$deb" "$root"
fi
r=${root%/}

for f in usr/bin/vaultstore-desktop usr/bin/vaultstore \
  usr/share/applications/VaultStore.desktop \
  usr/share/icons/hicolor/32x32/apps/vaultstore-desktop.png \
  usr/share/icons/hicolor/64x64/apps/vaultstore-desktop.png \
  usr/share/icons/hicolor/128x128/apps/vaultstore-desktop.png \
  usr/share/icons/hicolor/256x256@2/apps/vaultstore-desktop.png \
  usr/share/icons/hicolor/512x512/apps/vaultstore-desktop.png \
  usr/share/man/man1/vaultstore.1.gz \
  usr/share/bash-completion/completions/vaultstore \
  usr/share/zsh/vendor-completions/_vaultstore \
  usr/share/fish/vendor_completions.d/vaultstore.fish; do
  [[ -e "$r/$f" ]] || fail "/$f is not in the package"
done
entry="$r/usr/share/applications/VaultStore.desktop"
desktop-file-validate "$entry" || fail "desktop-file-validate refused the launcher entry"
grep -qx 'Categories=Utility;Security;' "$entry" || fail "Categories is not Utility;Security;"
grep -qx 'Exec=vaultstore-desktop' "$entry" || fail "Exec does not run vaultstore-desktop"
grep -qx 'Icon=vaultstore-desktop' "$entry" || fail "Icon does not name the installed icons"

printed=$("$r/usr/bin/vaultstore" --version)
echo "installed: $printed"
[[ "$printed" =~ ^vaultstore\ $version\ \(commit\ [0-9a-f]+\)$ ]] ||
  fail "vaultstore --version printed: $printed"
# The installed man page is the CLI's.
zcat "$r/usr/share/man/man1/vaultstore.1.gz" | grep -q '^\.TH vaultstore 1' || fail "man page"

# The installed app under Xvfb, on a temp vault of the e2e harness. `--workspace` as in
# `cargo test --workspace`: the same features, so nothing is rebuilt.
VAULTSTORE_E2E_APP="$r/usr/bin/vaultstore-desktop" \
  cargo test -q --workspace --test e2e -- launch::the_app_opens_on_its_first_page

if $installed; then
  dpkg -r "$package"
  installed=false
  [[ ! -e /usr/bin/vaultstore-desktop && ! -e /usr/bin/vaultstore ]] ||
    fail "dpkg -r left the binaries"
  [[ ! -e /usr/share/applications/VaultStore.desktop ]] || fail "dpkg -r left the launcher"
fi
[[ "$(sha256sum <"$vault")" == "$before" ]] || fail "the user's vault changed"
[[ "$(env -u VAULTSTORE_DB XDG_DATA_HOME="$user_data" target/debug/vaultstore read "$token" \
  --password-env PW)" == kept-value ]] || fail "the user's record does not read back"
echo "packaging test passed in $((SECONDS - started)) s (deb: $deb)"
