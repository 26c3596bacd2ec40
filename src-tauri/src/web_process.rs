//! How WebKit's web process (the page's renderer, a child of this process) is set up.
//!
//! Without a GPU (a VM, a remote desktop, Xvfb), Mesa emulates OpenGL on the CPU, and
//! WebKit's Skia painting through it costs 50–80 MiB more memory over a long scroll than
//! painting with the CPU directly, while being no faster (`make bench-app` measures it).
//! glibc's per-thread malloc arenas add fragmentation on top; two arenas are enough for
//! a page of text and a table. Both settings reach the web process through the
//! environment, which it inherits, so they must be set before WebKit starts it: the app
//! runs itself again with them at the start of `main` (an `exec`, same process id). A
//! value the user has set is never overridden.

use std::ffi::OsString;
use std::path::Path;

/// WebKit paints with Skia on the CPU when this is set to `1`.
const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
/// glibc's cap on malloc arenas, read when a process starts.
const ARENAS: &str = "MALLOC_ARENA_MAX";

/// The variables to add to the environment: those not set already, CPU painting only
/// where no GPU render node exists.
fn wanted(set: impl Fn(&str) -> bool, has_gpu: bool) -> Vec<(&'static str, &'static str)> {
    let mut vars = Vec::new();
    if !has_gpu && !set(CPU_PAINTING) {
        vars.push((CPU_PAINTING, "1"));
    }
    if !set(ARENAS) {
        vars.push((ARENAS, "2"));
    }
    vars
}

/// Whether the machine has a GPU that renders: a DRM render node (`/dev/dri/renderD*`).
fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Runs the app again with the web process's settings when any is missing; returns
/// only when nothing is missing or the `exec` failed (the app then runs as it is).
#[cfg(unix)]
pub fn configure() {
    use std::os::unix::process::CommandExt;

    let vars = wanted(
        |name| std::env::var_os(name).is_some(),
        has_render_node(Path::new("/dev/dri")),
    );
    if vars.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let error = std::process::Command::new(exe).args(args).envs(vars).exec();
    eprintln!("vaultstore-desktop: note: running with WebKit's defaults ({error})");
}

#[cfg(not(unix))]
pub fn configure() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_gpu_the_page_is_painted_by_the_cpu_with_two_arenas() {
        assert_eq!(
            wanted(|_| false, false),
            vec![(CPU_PAINTING, "1"), (ARENAS, "2")]
        );
    }

    #[test]
    fn with_a_gpu_webkit_paints_as_it_chooses() {
        assert_eq!(wanted(|_| false, true), vec![(ARENAS, "2")]);
    }

    #[test]
    fn what_the_user_set_is_kept_and_nothing_runs_again() {
        assert!(wanted(|_| true, false).is_empty());
        assert_eq!(
            wanted(|name| name == CPU_PAINTING, false),
            vec![(ARENAS, "2")]
        );
    }

    #[test]
    fn a_render_node_is_what_counts_as_a_gpu() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(dir.path()));
        assert!(!has_render_node(&dir.path().join("missing")));
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dir.path()));
    }
}
