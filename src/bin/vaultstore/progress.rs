//! Long operations (export, import): progress on stderr when it is a terminal, silent in
//! scripts; Ctrl-C cancels, and the operation's transaction rolls back.

use std::io::IsTerminal;

use vaultstore::Cancel;

/// A cancellation flag that Ctrl-C sets: long operations then roll back.
pub fn cancel_on_ctrl_c() -> Cancel {
    let cancel = Cancel::new();
    let flag = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.cancel();
        }
    });
    cancel
}

/// Whether progress is drawn: on a terminal, unless `--quiet`.
pub fn shows_progress() -> bool {
    std::io::stderr().is_terminal() && !crate::output::quiet()
}

/// Progress on stderr when it is a terminal; silent in scripts and with `--quiet`.
pub fn progress(what: &'static str) -> impl Fn(vaultstore::Progress) + Send + Sync {
    let show = shows_progress();
    move |p| {
        if show {
            eprint!("\r{what}: {}/{} records", p.done, p.total);
        }
    }
}

/// Ends the progress line, if one was drawn.
pub fn end_progress() {
    if shows_progress() {
        eprintln!();
    }
}
