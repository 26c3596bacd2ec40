//! Launching the app as a desktop user does: the app (or, under the packaging test, the
//! installed `/usr/bin/vaultstore-desktop`) opens on its first page, and launching it
//! again on the same vault brings back the running app instead of a second one.

use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::desktop::{Desktop, app_path};
use crate::library::seed_one;
use crate::pages::Vault;

/// Waits up to `limit` for `child` to exit; its status, or `None` if it still runs.
fn exit_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "the interval of a poll with a deadline"
        )]
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_opens_on_its_first_page() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    eprintln!("launching {}", app_path());
    seed_one(&desktop.db_url(), "first-page-value", "First page record").await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&["First page record"]).await;
    vault.until_total("1 record").await;
    window.quit().await;
}

/// A second launch on the open vault exits at once, handing over to the running app;
/// a launch on another vault is an app of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_on_the_same_vault_hands_over_to_the_running_app() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let mut again = window.launch_again(&window.db_url());
    let status = exit_within(&mut again, Duration::from_secs(20));
    if status.is_none() {
        let _ = again.kill();
        let _ = again.wait();
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "a second launch on the same vault must hand over and exit 0: {status:?}"
    );
    assert_eq!(
        window.js("return document.body.dataset.ready").await,
        json!("true"),
        "the running window is still there"
    );
    let mut other = window.launch_again(&window.other_db_url());
    let status = exit_within(&mut other, Duration::from_secs(5));
    let _ = other.kill();
    let _ = other.wait();
    assert_eq!(status, None, "another vault opens an app of its own");
    window.quit().await;
}
