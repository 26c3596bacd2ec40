//! End-to-end: the real app window under Xvfb, driven through tauri-driver and
//! WebKitWebDriver. One test per user job, each on its own temp SQLite vault in its own
//! window, so a failure names the job. Without Xvfb, tauri-driver or WebKitWebDriver
//! every test skips loudly, unless `CI=true`, where it fails.
//!
//! - `desktop`: Xvfb and tauri-driver per test, the app pointed at a temp vault.
//! - `ui`: driving the window (click, type, keys, toasts, screenshots) and every wait:
//!   waits poll a condition with a deadline; time passes on purpose only in
//!   `Ui::let_time_pass`, where the app's clocks are what a story tests.
//! - `pages`: one page object per part of the window (the vault and trash views, each
//!   dialog); the selectors live there.
//! - `library`: the vault through the vaultstore library, beside the window: records
//!   written before the app starts, metadata read back, a competing writer.
//! - `screen`: the X server's view of the desktop beside the page's: top-level windows in
//!   stacking order, the keyboard focus, closing a window (no window manager runs).
//! - `axe`: axe-core (a test fixture, never shipped) and contrast ratios in the window.
//! - the stories: `accessibility` (axe in every view and dialog in both themes, contrast
//!   of focus ring and borders, the menu and tabs from the keyboard), `authority`
//!   (changes that can lock the owner out), `bulk` (a filter's records renewed and the
//!   change undone, tag chips), `housekeeping`
//!   (the Trash's dates and Empty Trash, the expiry banner, the remembered view), `secrets`,
//!   `transfer`, `safety` (edits and operations that must not be lost), `idle` (the idle
//!   lock), `keyboard` (the table's keys, in-place updates, a bounded DOM), `launch` (the first page; one app per vault), `memory` (no secret left in the app's memory after Lock) and `window` (the
//!   page's CSP, 100,000 records).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod axe;
mod desktop;
mod library;
mod pages;
mod private_server;
mod screen;
mod ui;

mod accessibility;
mod authority;
mod bench_app;
mod bulk;
mod history;
mod housekeeping;
mod idle;
mod keyboard;
mod launch;
mod live;
mod memory;
mod safety;
mod secrets;
mod transfer;
mod window;

/// The password every story's records are sealed with (long enough for the policy).
const PASSWORD: &str = "e2e-password-long-enough";
