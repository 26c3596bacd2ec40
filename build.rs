//! Puts the git commit in `vaultstore --version` (`VAULTSTORE_GIT_COMMIT`), so a bug report
//! names the exact build; "unknown" outside a git checkout (a source tarball).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn main() {
    let commit = git(&["rev-parse", "--short=10", "HEAD"]);
    println!(
        "cargo:rustc-env=VAULTSTORE_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    // Rerun only when HEAD moves: the HEAD file (a branch switch) and the branch's ref
    // (a commit). A path that does not exist would make cargo rerun this on every build,
    // so only existing ones are named; a packed ref changes `packed-refs`.
    println!("cargo:rerun-if-changed=build.rs");
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    for path in watched.into_iter().flatten() {
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
